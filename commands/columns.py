"""The columns each record shows in a table (raw values in CSV/JSON)."""

from __future__ import annotations

from commands.output import label, short_id, short_time, sync_label
from gridctl.i18n import joined, t


def _ref(r: dict) -> str:
    return r.get("serial") or short_id(r.get("id"))


def flags(r: dict) -> str:
    """``!`` overdue, ``U`` urgent, ``S``/``Y``/``R`` supervised (normal/yellow/red): explained in
    ``case list --help`` and by a legend line under the table."""
    marks = []
    if r.get("overdue"):
        marks.append("!")
    if r.get("urgent"):
        marks.append("U")
    if r.get("supervision") not in (None, "none"):
        marks.append({"normal": "S", "yellow": "Y", "red": "R"}[r["supervision"]])
    return "".join(marks)


def _sync_mark(r: dict) -> str:
    """Blank when the server has the record; else its state (pending, waiting, rejected...)."""
    state = r.get("sync")
    return "" if state in (None, "synced") else sync_label(state)


SYNC = ("sync", "cli.col.sync", _sync_mark)  # lists: a mark only where something is unsent
SYNC_FIELD = ("sync", "cli.col.sync", lambda r: sync_label(r.get("sync")))  # shows: always said

CASE_LIST = [
    ("serial", "cli.col.ref", _ref),
    ("title", "cli.col.title", None),
    ("category", "cli.col.category", lambda r: label("category", r.get("category"))),
    ("status", "cli.col.status", lambda r: label("status", r.get("status"))),
    ("level", "cli.col.level", lambda r: label("level", r.get("level"))),
    ("grid_code", "cli.col.grid", None),
    ("due_at", "cli.col.due", lambda r: short_time(r.get("due_at"))),
    ("overdue", "cli.col.flags", flags),
    SYNC,
]

def _assignee(r: dict) -> str:
    """The assignee, or who holds an unassigned case: anyone at its level (never left blank)."""
    if r.get("assignee"):
        return r["assignee"]
    from gridctl.i18n import t

    return t("cliux.case.unassigned", level=label("level", r.get("level")))


# CSV and JSON carry the flags as their own columns rather than as letters.
CASE_FLAG_COLUMNS = ("urgent", "supervision")

CASE_FIELDS = [
    ("serial", "cli.col.serial", None), ("id", "cli.col.id", None), ("title", "cli.col.title", None),
    ("description", "cli.col.description", None),
    ("category", "cli.col.category", lambda r: label("category", r.get("category"))),
    ("subcategory", "cli.col.subcategory", lambda r: label("subcategory", r.get("subcategory"))),
    ("scale", "cli.col.scale", lambda r: label("scale", r.get("scale"))),
    ("urgent", "cli.col.urgent", lambda r: "✓" if r.get("urgent") else ""),
    ("status", "cli.col.status", lambda r: label("status", r.get("status"))),
    ("level", "cli.col.level", lambda r: label("level", r.get("level"))),
    ("assignee", "cli.col.assignee", lambda r: _assignee(r)), ("grid_code", "cli.col.grid", None), ("address", "cli.col.address", None),
    ("reporter", "cli.col.reporter", None),
    ("occurred_at", "cli.col.occurred_at", lambda r: short_time(r.get("occurred_at"))),
    ("reported_at", "cli.col.reported_at", lambda r: short_time(r.get("reported_at"))),
    ("due_at", "cli.col.due", lambda r: short_time(r.get("due_at"))),
    ("overdue", "cli.col.overdue", lambda r: "✓" if r.get("overdue") else ""),
    ("supervision", "cli.col.supervision", lambda r: "" if r.get("supervision") == "none" else label("supervision", r.get("supervision"))),
    ("parties", "cli.col.parties", lambda r: joined(p.get("name", "") for p in r.get("parties") or [])),
    ("photos", "cli.col.photos", lambda r: len(r.get("photos") or []) or ""),
    ("unit", "loop.col.unit", None),
    ("co_units", "loop.col.co_units", lambda r: joined(r.get("co_units") or [])),
    ("satisfaction", "loop.col.satisfaction", lambda r: label("satisfaction", r.get("satisfaction"))),
    ("followed_up_at", "loop.col.followed_up_at", lambda r: short_time(r.get("followed_up_at"))),
    ("mediations", "loop.col.mediations", lambda r: len(r.get("mediations") or []) or ""),
    ("version", "cli.col.version", None), SYNC_FIELD,
]

MEDIATION_COLUMNS = [
    ("at", "cli.col.at", lambda m: short_time(m.get("at"))),
    ("result", "loop.col.result", lambda m: label("mediation_result", m.get("result"))),
    ("method", "loop.col.method", lambda m: label("mediation_method", m.get("method"))),
    ("agreement_no", "loop.col.agreement_no", None),
    ("participants", "loop.col.participants", lambda m: joined(m.get("participants") or [])),
    ("actor", "cli.col.actor", None),
]

UNIT_LIST = [
    ("code", "loop.col.code", None),
    ("name", "loop.col.name", None),
    ("division", "loop.col.division", None),
    ("kind", "loop.col.kind", lambda r: label("unit_kind", r.get("kind"))),
]

USER_LIST = [
    ("username", "loop.col.username", None),
    ("display_name", "loop.col.display_name", None),
    ("role", "loop.col.role", lambda r: label("role", r.get("role"))),
    ("scope", "loop.col.scope", lambda r: r.get("unit") or joined(r.get("scope") or [])),
]

STEP_COLUMNS = [
    ("at", "cli.col.at", lambda s: short_time(s.get("at"))),
    ("action", "cli.col.action", lambda s: label("action", s.get("action"))),
    ("actor", "cli.col.actor", None),
    ("to_status", "cli.col.status", lambda s: label("status", s.get("to_status"))),
    ("to_level", "cli.col.level", lambda s: label("level", s.get("to_level"))),
    ("note", "cli.col.note", None),
]

VISIT_LIST = [
    ("visited_at", "cli.col.at", lambda r: short_time(r.get("visited_at"))),
    ("household_no", "cli.col.household", lambda r: r.get("household_no") or short_id(r.get("household_id"))),
    ("purpose", "cli.col.purpose", lambda r: label("purpose", r.get("purpose"))),
    ("method", "cli.col.method", lambda r: label("method", r.get("method"))),
    ("worker", "cli.col.worker", None),
    ("met", "cli.col.met", lambda r: "✓" if r.get("met") else "✗"),
    ("note", "cli.col.note", None),
    SYNC,
]

VISIT_DUE = [
    ("name", "cli.col.name", None),
    ("tags", "cli.col.tags", lambda r: joined(label("tag", x) for x in r.get("tags") or [])
     or (t("visit.due.household") if r.get("kind") == "household" else "")),
    ("household_no", "cli.col.household", None),
    ("last_visit", "cli.col.last_visit", None),
    ("due", "cli.col.due", None),
    ("days_overdue", "cli.col.days_overdue", lambda r: r.get("days_overdue") or ""),
    ("address", "cli.col.address", None),
]

HOUSEHOLD_LIST = [
    ("household_no", "cli.col.household_no", None),
    ("head_name", "cli.col.head", None),
    ("members", "cli.col.members", None),
    ("tags", "cli.col.tags", lambda r: joined(label("tag", x) for x in r.get("tags") or [])),
    ("address", "cli.col.address", None),
    ("id", "cli.col.id", lambda r: short_id(r["id"])),
    SYNC,
]

HOUSEHOLD_FIELDS = [
    ("household_no", "cli.col.household_no", None), ("id", "cli.col.id", None), ("grid_code", "cli.col.grid", None),
    ("address", "cli.col.address", None), ("lat", "cli.col.lat", None), ("lon", "cli.col.lon", None), SYNC_FIELD,
]

PERSON_LIST = [
    ("name", "cli.col.name", None),
    ("relation_to_head", "cli.col.relation", lambda r: label("relation", r.get("relation_to_head"))),
    ("sex", "cli.col.sex", lambda r: label("sex", r.get("sex"))),
    ("birth_date", "cli.col.birth_date", None),
    ("id_number", "cli.col.id_number", None),
    ("phone", "cli.col.phone", None),
    ("tags", "cli.col.tags", lambda r: joined(label("tag", x) for x in r.get("tags") or [])),
    ("id", "cli.col.id", lambda r: short_id(r["id"])),
    SYNC,
]

# `person list`: who and where, so a hit can be told apart from a namesake.
def _person_search_list() -> list:
    by_key = {c[0]: c for c in PERSON_LIST}
    return [by_key["name"], ("household_no", "cli.col.household_no", None),
            *(by_key[k] for k in ("relation_to_head", "sex", "birth_date", "id_number", "phone", "tags")),
            ("grid_code", "cli.col.grid", None), by_key["id"], SYNC]


PERSON_SEARCH_LIST = _person_search_list()

PERSON_FIELDS = [
    ("name", "cli.col.name", None), ("id", "cli.col.id", None),
    ("household_no", "cli.col.household", lambda r: r.get("household_no") or r.get("household_id")),
    ("id_number", "cli.col.id_number", None),
    ("sex", "cli.col.sex", lambda r: label("sex", r.get("sex"))), ("birth_date", "cli.col.birth_date", None),
    ("phone", "cli.col.phone", None),
    ("relation_to_head", "cli.col.relation", lambda r: label("relation", r.get("relation_to_head"))),
    ("residence", "cli.col.residence", lambda r: label("residence", r.get("residence"))),
    ("tags", "cli.col.tags", lambda r: joined(label("tag", x) for x in r.get("tags") or [])),
    ("care_level", "cli.col.care_level", lambda r: label("care_level", r.get("care_level"))),
    ("grid_code", "cli.col.grid", None), ("version", "cli.col.version", None), SYNC_FIELD,
]

OUTBOX_LIST = [
    ("id", "cli.col.id", None),  # full: uuid7 prefixes are timestamps, rarely unique
    ("type", "cli.col.type", None),
    ("about", "subject.col", None),  # which record: a person by name, a household by number...
    ("state", "cli.col.state", lambda r: __import__("gridctl.i18n", fromlist=["t"]).t(
        "outbox.state.waiting" if r["state"] == "waiting" else f"cli.outbox.state.{r['state']}")),
    ("attempts", "cli.col.attempts", None),
    ("created_at", "cli.col.created_at", lambda r: short_time(r.get("created_at"))),
    ("last_error", "cli.col.last_error", None),
    ("waits_for", "outbox.col.waits_for", None),
]
