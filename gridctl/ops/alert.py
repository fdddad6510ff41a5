"""Alerts (DESIGN 16): the last known alerts of the user's scope, and acknowledging one.

Alerts come with the pull feed, so a worker offline still sees the last known ones. An
acknowledgement is a write like any other: the local alert changes and an ``alert.ack``
mutation goes into the outbox in one transaction, and is pushed when the server answers.
"""

from __future__ import annotations

from gridctl.errors import InvalidInput
from gridctl.i18n import get_lang
from gridctl.ops.client import Client, Listing, WriteResult
from gridctl.ops.refs import listing, refresh, resolve
from gridctl.ops.writes import validate, write
from schemas.validators import format_time

KINDS = ("due_soon", "overdue", "repeat", "spike", "group", "visit_overdue", "unsatisfied", "follow_up_due")
STATES = ("open", "acknowledged", "cleared")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _check(flag: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput("alert.error.choice", field=flag, flag=flag, value=value, allowed=", ".join(allowed))


def ordered(alerts) -> list[dict]:
    """Critical first, then the newest (two stable sorts)."""
    items = sorted(alerts, key=lambda a: a.get("raised_at") or "", reverse=True)
    return sorted(items, key=lambda a: SEVERITY_ORDER.get(a.get("severity"), 3))


def with_text(alert: dict) -> dict:
    """The alert with ``message``: its text in the user's language."""
    text = alert.get("text") or {}
    return {**alert, "message": text.get(get_lang()) or text.get("en") or alert.get("kind")}


def list_alerts(client: Client, *, kind: str | None = None, state: str | None = None,
                include_cleared: bool = False) -> Listing:
    """Alerts from the cache (refreshed first when online); without ``state``, the standing ones."""
    _check("--kind", kind, KINDS)
    _check("--state", state, STATES)
    source, stale = refresh(client)
    where, params = [], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if state:
        where.append("state = ?")
        params.append(state)
    elif not include_cleared:
        where.append("state != 'cleared'")
    sql = "SELECT data FROM alerts" + (" WHERE " + " AND ".join(where) if where else "")
    items = ordered(with_text(a) for a in client.store.query(sql, params))
    return listing(client, items, source, stale)


def open_counts(client: Client) -> dict[str, int]:
    """Open alerts in the cache by severity, plus ``total`` (the worker TUI's header)."""
    counts = {"critical": 0, "warning": 0, "info": 0}
    for row in client.store.db.execute("SELECT severity, COUNT(*) FROM alerts WHERE state = 'open' GROUP BY severity"):
        counts[row[0]] = row[1]
    return {**counts, "total": sum(counts.values())}


def ack_alert(client: Client, ref: str, *, note: str | None = None) -> WriteResult:
    """Acknowledge an alert (by id or a unique prefix of 8+ characters): saved, then pushed."""
    alert = resolve(client, "alert", ref)
    payload = validate("AlertAck", {"alert_id": alert["id"], "note": note})
    if alert.get("acked_by"):
        # Already acknowledged (by someone): the server keeps the first acknowledgement, so
        # nothing is sent; ``unchanged`` lets the caller say so, and that this note is not kept.
        return WriteResult(record={**with_text(alert), "sync": "synced"}, mutation_id="", sync_state="synced",
                           problem=None, unchanged=True)
    me = client.user["username"]
    record = dict(alert, acked_by=me, acked_at=format_time(client.now()), ack_note=note,
                  state="acknowledged" if alert.get("state") == "open" else alert.get("state"))
    result = write(client, "alert", record, "alert.ack", payload)
    result.record.update(message=with_text(result.record)["message"])
    if result.sync_state == "synced" and result.record.get("acked_by") not in (None, me):
        # Someone acknowledged it on the server after this cache last heard: theirs was kept.
        result.unchanged = True
    return result
