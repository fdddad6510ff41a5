"""The operations both UIs call: log in, report, act, visit, read — online or offline.

Every write is validated here (``schemas``), committed to the local store together with its
outbox mutation, and then — unless offline — pushed at once. A server that cannot be reached is
not an error for a write: it is saved and says ``pending``. Reads come from the local cache,
refreshed by a pull first when the server answers; when it does not, they say how old the cache
is. Nothing here prints: results are plain data, progress goes through callbacks.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from gridctl import credentials
from gridctl.config import Profile, load_config, save_config
from gridctl.errors import (
    Forbidden,
    GridctlError,
    InvalidInput,
    NotFound,
    NotLoggedIn,
    Unreachable,
    UsageError,
)
from gridctl.paths import profile_data_dir
from gridctl.store import Store

PROGRESS_ACTIONS = ("accept", "start", "resolve", "close", "reopen", "escalate", "return", "reject")
VISIT_FREQUENCY_DAYS = {"elderly_alone": 7, "key_person": 30, "left_behind_elderly": 30, "left_behind_child": 30,
                        "left_behind_woman": 30, "disabled": 90, "low_income": 90}
TAG_PRIORITY = ("elderly_alone", "key_person", "left_behind_elderly", "left_behind_child", "left_behind_woman",
                "disabled", "low_income")
MAX_PHOTO_BYTES = 10 * 1024 * 1024


@dataclass
class WriteResult:
    record: dict
    mutation_id: str
    sync_state: str  # synced | pending | conflict | rejected
    problem: dict | None = None


@dataclass
class Listing:
    items: list[dict]
    source: str = "cache"  # server: refreshed just now; cache: from the local store
    cache_age: timedelta | None = None
    stale: bool = False  # the server could not be reached
    extra: dict = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _now_text() -> str:
    from schemas.validators import format_time

    return format_time(_now())


class Client:
    """A resolved profile: its server, its user, its local store and (lazily) its API client."""

    def __init__(self, profile: Profile, *, offline: bool = False) -> None:
        self.profile = profile
        self.offline = offline
        self.store = Store(profile_data_dir(profile.name) / "store.sqlite3")
        self._api = None
        config = load_config()
        self.batch_size = int(config.get("sync.batch_size") or 500)
        self.timeout = float(config.get("sync.timeout") or 10.0)

    @classmethod
    def open(cls, profile: str | None = None, *, offline: bool = False) -> "Client":
        return cls(load_config().resolve_profile(profile), offline=offline)

    def __repr__(self) -> str:
        return f"Client(profile={self.profile.name!r}, offline={self.offline})"

    @property
    def user(self) -> dict:
        user = self.store.get_meta("user")
        if not user:
            raise NotLoggedIn()
        return user

    @property
    def device_id(self) -> str:
        device = self.store.get_meta("device_id")
        if not device:
            from gridctl.ids import uuid7

            device = f"gridctl-{uuid7()[:13]}"
            self.store.set_meta("device_id", device)
        return device

    @property
    def api(self):
        if self.offline:
            raise Unreachable("core.error.offline")
        if self._api is None:
            token = credentials.load_token(self.profile.name)
            if not token:
                raise NotLoggedIn()
            from gridctl.api import ApiClient
            from gridctl.i18n import get_lang

            self._api = ApiClient(self.profile.server, token, timeout=self.timeout, lang=get_lang())
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
        self.store.close()


# --- auth -------------------------------------------------------------------------------

def login(server: str, username: str, password: str, *, profile: str | None = None,
          device_name: str | None = None) -> dict:
    """Log in over HTTP, keep the token (0600) and make the profile the default if it is the first."""
    from gridctl.api import ApiClient

    server = server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise InvalidInput("core.auth.bad_server", field="server", server=server)
    name = profile or "default"
    config = load_config()
    existing = config.profiles.get(name)
    client = None
    if existing and existing.get("username") != username:
        client = Client(Profile(name, existing["server"], existing["username"]))
        unsent = sum(n for s, n in client.store.outbox_counts().items() if s != "applied")
        client.close()
        if unsent:
            raise UsageError("core.auth.profile_has_unsent", field="profile", profile=name, count=unsent,
                             username=existing["username"])
    api = ApiClient(server, timeout=15)
    try:
        import platform

        answer = api.login(username, password, device_name=device_name or platform.node())
    finally:
        api.close()
    config.add_profile(name, server, username)
    save_config(config)
    credentials.save_token(name, answer["access_token"])
    client = Client(Profile(name, server, username))
    try:
        if existing and (existing.get("username") != username or existing.get("server") != server):
            with client.store.transaction() as conn:
                client.store.clear_cache(conn)
                client.store.set_meta("pull_cursor", None, conn)
        client.store.set_meta("user", answer["user"])
        client.store.set_meta("server", server)
        client.device_id  # made once per profile
    finally:
        client.close()
    return {"profile": name, "server": server, **answer["user"]}


def logout(client: Client) -> dict:
    """Revoke the token on the server when it answers, and forget it here. The outbox stays."""
    revoked = False
    try:
        client.api.logout()
        revoked = True
    except (Unreachable, NotLoggedIn):
        pass
    removed = credentials.delete_token(client.profile.name)
    return {"profile": client.profile.name, "revoked": revoked, "logged_out": removed}


def auth_status(client: Client) -> dict:
    user = client.store.get_meta("user") or {}
    logged_in = credentials.load_token(client.profile.name) is not None
    out = {"profile": client.profile.name, "server": client.profile.server, "username": client.profile.username,
           "logged_in": logged_in, "user": user, "online": None}
    if logged_in and not client.offline:
        try:
            out["user"] = client.api.me()
            client.store.set_meta("user", out["user"])
            out["online"] = True
        except Unreachable:
            out["online"] = False
    return out


# --- reading ----------------------------------------------------------------------------

def cache_age(client: Client) -> timedelta | None:
    last = client.store.get_meta("last_pull_at")
    if not last:
        return None
    return _now() - datetime.fromisoformat(last)


def refresh(client: Client) -> tuple[str, bool]:
    """Pull when online. Returns (source, stale)."""
    if client.offline:
        return "cache", False
    from gridctl import sync

    try:
        sync.pull(client.store, client.api)
        return "server", False
    except Unreachable:
        return "cache", True


def _listing(client: Client, items: list[dict], source: str, stale: bool) -> Listing:
    return Listing(items=items, source=source, cache_age=cache_age(client), stale=stale)


def _resolve(client: Client, entity: str, ref: str, *, extra_column: str | None = None) -> dict:
    """A cached record by full id, a unique prefix of ≥ 8 characters or its human number."""
    from gridctl.ids import is_id_prefix
    from gridctl.store import ENTITY_COLUMNS

    ref = (ref or "").strip()
    table, _ = ENTITY_COLUMNS[entity]
    where, params = "id = ?", [ref]
    if extra_column:
        where += f" OR {extra_column} = ?"
        params.append(ref)
    rows = client.store.query(f"SELECT data FROM {table} WHERE {where}", params)
    if not rows and is_id_prefix(ref):
        # Only hex digits and dashes get here, so the ref cannot smuggle LIKE wildcards in.
        rows = client.store.query(f"SELECT data FROM {table} WHERE id LIKE ? LIMIT 6", [ref.lower() + "%"])
    if len(rows) > 1:
        raise InvalidInput("core.ref.ambiguous", field="id", ref=ref,
                           candidates=", ".join(r.get("serial") or r["id"] for r in rows[:5]))
    if rows:
        return rows[0]
    if len(ref) < 8 and not extra_column:
        raise InvalidInput("core.ref.too_short", field="id", ref=ref)
    if not client.offline:
        kind = {"case": "cases", "household": "households", "person": "persons", "visit": "visits"}[entity]
        try:
            record = client.api.get(kind, ref)
        except Unreachable:
            record = None
        except NotFound:
            raise NotFound("core.ref.not_found", ref=ref) from None
        if record is not None:
            client.store.put(entity, record)
            return record
    raise NotFound("core.ref.not_found", ref=ref)


def _is_mine(case: dict, user: dict) -> bool:
    from schemas.workflow import can

    if case.get("assignee") == user["username"] and case["status"] in ("reported", "accepted", "in_progress"):
        return True
    return any(can(action, case, user) for action in PROGRESS_ACTIONS)


def list_cases(client: Client, *, mine: bool = True, statuses: Iterable[str] = (), level: str | None = None,
               grid: str | None = None, overdue: bool | None = None, limit: int | None = None) -> Listing:
    from schemas.workflow import OPEN_STATUSES, UNFINISHED_STATUSES, is_overdue

    source, stale = refresh(client)
    user = client.user
    where, params = [], []
    statuses = list(statuses)
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += statuses
    elif mine:
        where.append(f"status IN ({', '.join('?' * len(OPEN_STATUSES))})")
        params += list(OPEN_STATUSES)
    if mine:
        # Narrow in SQL to what can be mine (the workflow check below decides): assigned to me,
        # at my level, or resolved below my level (to verify).
        from schemas.workflow import LEVEL_ORDER, ROLE_LEVEL

        my_level = ROLE_LEVEL.get(user.get("role"), "grid")
        below = list(LEVEL_ORDER[: LEVEL_ORDER.index(my_level)]) or [""]
        if my_level == "county":
            below.append("county")
        where.append(f"(assignee = ? OR level = ? OR (status = 'resolved' AND level IN ({', '.join('?' * len(below))})))")
        params += [user.get("username"), my_level, *below]
    if level:
        where.append("level = ?")
        params.append(level)
    if grid:
        where.append("grid_code LIKE ?")
        params.append(grid + "%")
    sql = "SELECT data FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY due_at IS NULL, due_at, reported_at DESC"
    from schemas.validators import format_time

    # Times on the wire are fixed-width RFC 3339 in +08:00, so text order is time order.
    now_text = format_time(_now())
    items = []
    for case in client.store.query(sql, params):
        due = case.get("due_at")
        case["overdue"] = bool(due and case["status"] in UNFINISHED_STATUSES and
                               (due < now_text if due.endswith("+08:00") else is_overdue(case, _now())))
        if overdue is not None and case["overdue"] != overdue:
            continue
        if mine and not _is_mine(case, user):
            continue
        items.append(case)
        if limit and len(items) >= limit:
            break
    return _listing(client, items, source, stale)


def show_case(client: Client, ref: str) -> dict:
    from schemas.workflow import is_overdue

    if not client.offline:
        refresh(client)
    case = _resolve(client, "case", ref, extra_column="serial")
    case["overdue"] = is_overdue(case, _now())
    case["sync"] = "pending" if case["id"] in client.store.unsent_entity_ids() else "synced"
    return case


def allowed_actions(client: Client, case: dict) -> list[str]:
    from schemas.workflow import allowed_actions as table

    return table(case, client.user)


def list_households(client: Client, *, grid: str | None = None, search: str | None = None,
                    tag: str | None = None) -> Listing:
    source, stale = refresh(client)
    where, params = [], []
    if grid:
        where.append("grid_code LIKE ?")
        params.append(grid + "%")
    if search:
        where.append("(household_no LIKE ? OR data LIKE ? OR id IN (SELECT household_id FROM persons WHERE name LIKE ?))")
        params += [f"%{search}%", f"%{search}%", f"%{search}%"]
    if tag:
        where.append("id IN (SELECT household_id FROM persons WHERE tags LIKE ?)")
        params.append(f'%"{tag}"%')
    sql = "SELECT data FROM households" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY household_no"
    items = client.store.query(sql, params)
    members = _members_by_household(client, [h["id"] for h in items])
    for h in items:
        people = members.get(h["id"], [])
        head = next((p for p in people if p["id"] == h.get("head_person_id")), people[0] if people else None)
        h["head_name"] = head["name"] if head else None
        h["members"] = len(people)
        h["tags"] = sorted({t for p in people for t in p.get("tags") or []})
    return _listing(client, items, source, stale)


def _members_by_household(client: Client, ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for p in client.store.query(
            f"SELECT data FROM persons WHERE household_id IN ({', '.join('?' * len(chunk))})", chunk
        ):
            out.setdefault(p["household_id"], []).append(p)
    return out


def show_household(client: Client, ref: str) -> dict:
    if not client.offline:
        refresh(client)
    household = _resolve(client, "household", ref, extra_column="household_no")
    household["persons"] = client.store.query("SELECT data FROM persons WHERE household_id = ? ORDER BY id",
                                              [household["id"]])
    household["visits"] = client.store.query(
        "SELECT data FROM visits WHERE household_id = ? ORDER BY visited_at DESC LIMIT 10", [household["id"]])
    return household


def show_person(client: Client, ref: str) -> dict:
    if not client.offline:
        refresh(client)
    return _resolve(client, "person", ref)


def list_visits(client: Client, *, household: str | None = None, mine: bool = False,
                since: str | date | None = None) -> Listing:
    from schemas.validators import format_time, parse_time

    source, stale = refresh(client)
    where, params = [], []
    if household:
        where.append("household_id = ?")
        params.append(_resolve(client, "household", household, extra_column="household_no")["id"])
    if mine:
        where.append("worker = ?")
        params.append(client.user["username"])
    if since:
        try:
            where.append("visited_at >= ?")
            params.append(format_time(parse_time(since if isinstance(since, str) else since.isoformat(), "since")))
        except ValueError as exc:
            raise _invalid(exc) from None
    sql = "SELECT data FROM visits" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY visited_at DESC"
    return _listing(client, client.store.query(sql, params), source, stale)


def visits_due(client: Client, *, within: int = 0) -> Listing:
    """Tagged people whose visit is due by today + ``within`` days, elderly living alone first."""
    from schemas.validators import CST, parse_time

    source, stale = refresh(client)
    today = _now().astimezone(CST).date()
    horizon = today + timedelta(days=within)
    last_visit: dict[str, date] = {}
    for row in client.store.db.execute("SELECT household_id, MAX(visited_at) FROM visits GROUP BY household_id"):
        last_visit[row[0]] = parse_time(row[1]).astimezone(CST).date()
    households = {h["id"]: h for h in client.store.query("SELECT data FROM households")}
    items = []
    for person in client.store.query("SELECT data FROM persons WHERE tags IS NOT NULL AND tags != '[]'"):
        tags = [t for t in person.get("tags") or [] if t in VISIT_FREQUENCY_DAYS]
        if not tags:
            continue
        every = min(VISIT_FREQUENCY_DAYS[t] for t in tags)
        last = last_visit.get(person["household_id"])
        due = last + timedelta(days=every) if last else today
        if due > horizon:
            continue
        hh = households.get(person["household_id"], {})
        items.append({
            "person_id": person["id"], "name": person["name"], "household_id": person["household_id"],
            "household_no": hh.get("household_no"), "address": hh.get("address"), "grid_code": person.get("grid_code"),
            "tags": tags, "every_days": every, "last_visit": last.isoformat() if last else None,
            "due": due.isoformat(), "days_overdue": max(0, (today - due).days), "phone": person.get("phone"),
        })
    items.sort(key=lambda i: (min(TAG_PRIORITY.index(t) for t in i["tags"]), i["due"], i["name"]))
    return _listing(client, items, source, stale)


# --- writing ----------------------------------------------------------------------------

def _invalid(exc: Exception) -> InvalidInput:
    """A validation failure from schemas or pydantic, as the core's error naming the field."""
    from gridctl.i18n import get_lang

    code_message = getattr(exc, "message", None)
    if callable(code_message):
        return InvalidInput("core.error.invalid_field", field=getattr(exc, "field", None) or "value",
                            name=getattr(exc, "field", None) or "value", text=code_message(get_lang()))
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "value"
        inner = (first.get("ctx") or {}).get("error")
        text = inner.message(get_lang()) if callable(getattr(inner, "message", None)) else \
            str(first["msg"]).removeprefix("Value error, ")
        return InvalidInput("core.error.invalid_field", field=name, name=name, text=text)
    return InvalidInput("core.error.invalid_field", field="value", name="value", text=str(exc))


def _validate(model_name: str, payload: dict) -> dict:
    from pydantic import ValidationError

    from schemas import models

    try:
        return getattr(models, model_name).model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        raise _invalid(exc) from None


def _write(client: Client, entity: str, record: dict, mtype: str, payload: dict,
           base_version: int | None = None) -> WriteResult:
    from gridctl.ids import uuid7

    mutation = {"id": uuid7(), "type": mtype, "base_version": base_version, "payload": payload,
                "created_at": _now_text()}
    client.store.write(entity, record, mutation)
    state, problem = "pending", None
    if not client.offline:
        from gridctl import sync

        try:
            sync.push(client.store, client.api, client.device_id, batch_size=client.batch_size)
            item = client.store.outbox_item(mutation["id"]) or {}
            state = {"applied": "synced"}.get(item.get("state"), item.get("state") or "pending")
            result = item.get("result") or {}
            problem = result.get("problem")
            if state == "synced":
                sync.pull(client.store, client.api)
        except Unreachable:
            state = "pending"
        except NotLoggedIn:
            state = "pending"  # saved; it goes out after `gridctl auth login`
    stored = client.store.get(entity, record["id"]) or record
    return WriteResult(record={**stored, "sync": state}, mutation_id=mutation["id"], sync_state=state, problem=problem)


def _single_grid(client: Client) -> str:
    grids = [c for c in client.user.get("scope") or [] if len(c) == 15]
    if len(grids) != 1:
        raise UsageError("core.report.grid_required", field="grid")
    return grids[0]


def store_photos(client: Client, paths: Iterable[str | Path]) -> list[str]:
    """Copy photos into the profile's blob folder (they survive the original being moved)."""
    from gridctl.paths import private_dir

    hashes = []
    folder = private_dir(profile_data_dir(client.profile.name) / "blobs")
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            data = path.read_bytes()
        except OSError:
            raise InvalidInput("core.photo.unreadable", field="photo", path=str(path)) from None
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput("core.photo.too_large", field="photo", path=str(path))
        if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")
                or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
            raise InvalidInput("core.photo.not_image", field="photo", path=str(path))
        sha = hashlib.sha256(data).hexdigest()
        target = folder / sha
        if not target.exists():
            tmp = folder / f".{sha}.tmp"
            shutil.copyfile(path, tmp)
            tmp.replace(target)
        client.store.add_blob(sha, str(target))
        hashes.append(sha)
    return hashes


def parse_party(text: str | dict) -> dict:
    """``NAME[,ID_NUMBER][,PHONE]`` (also with ，) → a party; the ID and phone are told apart by shape."""
    if isinstance(text, dict):
        return text
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts:
        raise InvalidInput("core.party.empty", field="party")
    party: dict[str, Any] = {"name": parts[0], "role": "party"}
    for part in parts[1:]:
        if len(part) in (15, 18) and part[:-1].isdigit():
            party["id_number"] = part
        else:
            party["phone"] = part
    return party


def report_incident(client: Client, *, category: str, title: str, description: str | None = None,
                    subcategory: str | None = None, grid: str | None = None, address: str | None = None,
                    lat: float | None = None, lon: float | None = None, urgent: bool = False,
                    scale: str = "individual", occurred_at: str | datetime | None = None,
                    household: str | None = None, parties: Iterable[str | dict] = (),
                    photos: Iterable[str | Path] = (), source: str = "field") -> WriteResult:
    from schemas import workflow as wf
    from gridctl.ids import uuid7
    from schemas.validators import InvalidValue, check_event_times, format_time, in_scope, parse_time

    user = client.user
    grid = grid or _single_grid(client)
    if not in_scope(grid, user.get("scope") or []):
        raise Forbidden("core.report.grid_out_of_scope", field="grid", grid=grid)
    try:
        occurred = parse_time(occurred_at, "occurred_at") if occurred_at else None
        reported = _now()
        check_event_times(occurred, reported)
    except InvalidValue as exc:
        raise _invalid(exc) from None
    household_id = _resolve(client, "household", household, extra_column="household_no")["id"] if household else None
    payload = _validate("CaseReport", {
        "id": uuid7(), "title": title, "description": description, "category": category, "subcategory": subcategory,
        "scale": scale, "urgent": urgent, "parties": [parse_party(p) for p in parties],
        "occurred_at": format_time(occurred), "reported_at": format_time(reported), "grid_code": grid,
        "address": address, "lat": lat, "lon": lon, "source": source, "household_id": household_id, "photos": [],
    })
    payload["photos"] = store_photos(client, photos)
    record = {**{k: v for k, v in payload.items() if k not in ("household_id",)},
              "serial": None, "reporter": user["username"], "household_id": household_id,
              **wf.new_case_fields(reported, urgent, user["username"])}
    return _write(client, "case", record, "case.report", payload)


def _refusal(exc) -> GridctlError:
    from gridctl.i18n import get_lang

    text = exc.message(get_lang())
    cls = Forbidden if exc.code in ("workflow.role", "workflow.level", "workflow.above_level", "workflow.scope") else InvalidInput
    return cls("core.workflow.refused", field=exc.field, text=text)


def act(client: Client, case_ref: str, action: str, *, note: str | None = None, reason: str | None = None,
        to_level: str | None = None, assignee: str | None = None, supervision: str | None = None) -> WriteResult:
    from schemas import workflow as wf

    case = show_case(client, case_ref) if not client.offline else _resolve(client, "case", case_ref, extra_column="serial")
    case.pop("sync", None)
    user = client.user
    try:
        t = wf.decide(action, case, user, note=note, reason=reason, to_level=to_level, assignee=assignee,
                      supervision=supervision)
    except wf.WorkflowRefused as exc:
        raise _refusal(exc) from None
    payload = _validate("CaseAct", {"case_id": case["id"], "action": action, "note": note, "reason": reason,
                                    "to_level": to_level, "assignee": assignee, "supervision": supervision})
    after = wf.apply_transition(case, t, user["username"], _now())
    return _write(client, "case", after, "case.act", payload, base_version=case["version"])


def log_visit(client: Client, household_ref: str, *, purpose: str, method: str = "in_person",
              note: str | None = None, person_ids: Iterable[str] = (), met: bool = True, concern: str | None = None,
              next_visit: str | date | None = None, photos: Iterable[str | Path] = (),
              at: str | datetime | None = None, lat: float | None = None, lon: float | None = None) -> WriteResult:
    from gridctl.ids import uuid7
    from schemas.validators import CLOCK_SKEW, InvalidValue, format_time, parse_date, parse_time

    household = _resolve(client, "household", household_ref, extra_column="household_no")
    try:
        visited = parse_time(at, "at") if at else _now()
        if visited > _now() + CLOCK_SKEW:
            raise InvalidValue("time.future", "at", value=format_time(visited))
        next_due = parse_date(next_visit, "next_visit") if next_visit else None
    except InvalidValue as exc:
        raise _invalid(exc) from None
    people = [_resolve(client, "person", p)["id"] for p in person_ids]
    payload = _validate("VisitLog", {
        "id": uuid7(), "household_id": household["id"], "person_ids": people, "visited_at": format_time(visited),
        "method": method, "purpose": purpose, "met": met, "note": note, "concern": concern,
        "next_visit_due": next_due.isoformat() if next_due else None, "lat": lat, "lon": lon, "photos": [],
    })
    payload["photos"] = store_photos(client, photos)
    record = {**payload, "worker": client.user["username"], "grid_code": household["grid_code"], "version": 1}
    return _write(client, "visit", record, "visit.log", payload)


PERSON_FIELDS = ("name", "id_number", "sex", "birth_date", "phone", "relation_to_head", "residence", "tags",
                 "key_person_type", "care_level")


def add_person(client: Client, household_ref: str, **fields: Any) -> WriteResult:
    from gridctl.ids import uuid7

    household = _resolve(client, "household", household_ref, extra_column="household_no")
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    payload = _validate("PersonUpsert", {"id": uuid7(), "household_id": household["id"],
                                         **{k: v for k, v in fields.items() if v is not None}})
    record = {**payload, "grid_code": household["grid_code"], "version": 1}
    return _write(client, "person", record, "person.upsert", payload)


def update_person(client: Client, person_ref: str, **fields: Any) -> WriteResult:
    person = show_person(client, person_ref)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise UsageError("core.person.unknown_fields", field=sorted(unknown)[0], names=", ".join(sorted(unknown)))
    merged = {k: person.get(k) for k in PERSON_FIELDS if person.get(k) is not None}
    merged.update({k: v for k, v in fields.items() if v is not None})
    masked_id = merged.get("id_number") if "*" in (merged.get("id_number") or "") else None
    if masked_id:
        merged.pop("id_number")  # the server keeps the number it has
    payload = _validate("PersonUpsert", {"id": person["id"], "household_id": person["household_id"], **merged})
    if masked_id:
        payload["id_number"] = masked_id
    record = {**person, **payload}
    return _write(client, "person", record, "person.upsert", payload, base_version=person.get("version"))


# --- sync and the outbox ----------------------------------------------------------------

def run_sync(client: Client, *, push_only: bool = False, pull_only: bool = False, progress=None,
             reset: bool = False):
    """Push then pull; ``reset`` rebuilds the cache from the server (the outbox is kept)."""
    from gridctl import sync

    return sync.sync(client, push_only=push_only, pull_only=pull_only, progress=progress, reset=reset)


def sync_status(client: Client) -> dict:
    counts = client.store.outbox_counts()
    age = cache_age(client)
    return {
        "profile": client.profile.name, "server": client.profile.server,
        "pending": counts.get("pending", 0), "conflict": counts.get("conflict", 0),
        "rejected": counts.get("rejected", 0), "applied": counts.get("applied", 0),
        "last_pull_at": client.store.get_meta("last_pull_at"), "last_push_at": client.store.get_meta("last_push_at"),
        "cache_age": age.total_seconds() if age is not None else None,
        "items": outbox_list(client),
    }


def _outbox_view(item: dict) -> dict:
    result = item.get("result") or {}
    return {
        "id": item["id"], "type": item["type"], "entity": item["entity"], "entity_id": item["entity_id"],
        "state": item["state"], "attempts": item["attempts"], "created_at": item["created_at"],
        "base_version": item["base_version"], "last_error": item["last_error"], "payload": item["payload"],
        "server": result.get("current"),
    }


def outbox_list(client: Client, *, include_applied: bool = False) -> list[dict]:
    states = None if include_applied else ("pending", "conflict", "rejected")
    return [_outbox_view(i) for i in client.store.outbox(states)]


def outbox_show(client: Client, mutation_id: str) -> dict:
    item = client.store.outbox_item(mutation_id.strip())
    if item is None:
        raise NotFound("core.outbox.not_found", ref=mutation_id)
    if "ambiguous" in item:
        raise InvalidInput("core.ref.ambiguous", field="id", ref=mutation_id, candidates=", ".join(item["ambiguous"][:5]))
    return _outbox_view(item)


def outbox_retry(client: Client, mutation_id: str) -> WriteResult:
    """Send a quarantined mutation again; a conflict is re-based on the server's current version."""
    item = outbox_show(client, mutation_id)
    if item["state"] not in ("conflict", "rejected"):
        raise InvalidInput("core.outbox.not_quarantined", field="id", ref=item["id"], state=item["state"])
    base = item["base_version"]
    if item["state"] == "conflict" and item.get("server"):
        current = item["server"]
        if not client.offline:
            kind = {"case": "cases", "household": "households", "person": "persons"}.get(item["entity"])
            try:
                current = client.api.get(kind, item["entity_id"]) if kind else current
            except Unreachable:
                pass
        item["server"] = current
        base = current.get("version", base)
        if item["entity"] == "case":
            # Re-check the action against the case as the server has it now.
            from schemas import workflow as wf

            p = item["payload"]
            try:
                wf.decide(p["action"], item["server"], client.user, note=p.get("note"), reason=p.get("reason"),
                          to_level=p.get("to_level"), assignee=p.get("assignee"), supervision=p.get("supervision"))
            except wf.WorkflowRefused as exc:
                raise _refusal(exc) from None
    with client.store.transaction() as conn:
        client.store.set_outbox_state(conn, item["id"], "pending", base_version=base, count_attempt=False)
    state = "pending"
    if not client.offline:
        from gridctl import sync

        try:
            sync.push(client.store, client.api, client.device_id)
            state = {"applied": "synced"}.get(client.store.outbox_item(item["id"])["state"], "pending")
            if state == "synced":
                sync.pull(client.store, client.api)
        except Unreachable:
            pass
    fresh = outbox_show(client, item["id"])
    return WriteResult(record={**fresh, "sync": state}, mutation_id=item["id"],
                       sync_state=state if state in ("synced", "pending") else fresh["state"])


def outbox_discard(client: Client, mutation_id: str) -> dict:
    """Drop a quarantined mutation; the cached record goes back to the server's version."""
    item = outbox_show(client, mutation_id)
    if item["state"] not in ("conflict", "rejected"):
        raise InvalidInput("core.outbox.not_quarantined", field="id", ref=item["id"], state=item["state"])
    with client.store.transaction() as conn:
        client.store.remove_outbox(conn, item["id"])
        others = conn.execute("SELECT COUNT(*) FROM outbox WHERE entity_id = ? AND state != 'applied'",
                              (item["entity_id"],)).fetchone()[0]
        if not others:
            if item.get("server"):
                client.store.put(item["entity"], item["server"], conn)
            elif item["type"] in ("case.report", "visit.log") or (item["type"].endswith(".upsert") and not item["base_version"]):
                client.store.delete(item["entity"], item["entity_id"], conn)
    if not client.offline and not item.get("server"):
        try:
            # The record may exist on the server in another shape: fetch it back.
            kind = {"case": "cases", "household": "households", "person": "persons", "visit": "visits"}[item["entity"]]
            client.store.put(item["entity"], client.api.get(kind, item["entity_id"]))
        except (Unreachable, NotFound, NotLoggedIn):
            pass
    return {"id": item["id"], "discarded": True, "entity": item["entity"], "entity_id": item["entity_id"]}
