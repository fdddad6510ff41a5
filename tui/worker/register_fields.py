"""A person's or household's fields as the sync screen shows them when a register write is
stuck (conflict, rejected, waiting): which person, and what was changed on either side."""

from __future__ import annotations

from tui.common.i18n import code_label, joined, tr

# (field, label key, code table or None), in the order a worker reads a person or a household.
REGISTER_FIELDS = (
    ("name", "tuireg.field.name", None),
    ("household_no", "tuireg.field.household_no", None),
    ("relation_to_head", "tuireg.field.relation", "relation"),
    ("phone", "tuireg.field.phone", None),
    ("status", "tuireg.member.col.status", "person_status"),
    ("moved_to", "tuireg.field.moved_to", None),
    ("status_date", "tuireg.field.date", None),
    ("tags", "tuireg.member.col.tags", "tag"),
    ("risk_level", "tuireg.field.risk_level", None),
    ("address", "tuireg.field.address", None),
    ("grid_code", "tuireg.field.grid", None),
)


def register_lines(obj: dict, kind: str) -> list[str]:
    """Lines for the register fields ``obj`` carries (a person's or a household's upsert)."""
    if not kind.startswith(("person.", "household.")):
        return []
    lines = []
    for field, label, table in REGISTER_FIELDS:
        value = obj.get(field)
        if value is None or value == "" or (field == "status" and kind.startswith("household.")):
            continue
        if isinstance(value, list):
            value = joined(code_label(table, v) if table else str(v) for v in value)
        elif table:
            value = code_label(table, value)
        lines.append(f"{tr(label)}: {value}")
    return lines
