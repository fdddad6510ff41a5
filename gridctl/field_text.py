"""Validation failures said in the user's words: a field's label, not its internal name, and
pydantic's English messages ("String should have at least 1 character") from the catalogue.

Used by the core when a write is refused before it is queued (issue 8, item 12).
"""

from __future__ import annotations

from gridctl.i18n import catalogue, get_lang, t


def field_label(loc) -> str:
    """``title`` → 标题; ``parties.0.name`` → 当事人 · 第1项 · 姓名; '' for no field."""
    parts = [loc] if isinstance(loc, str) else list(loc or ())
    shown = []
    for part in parts:
        if isinstance(part, int) or str(part).isdigit():
            shown.append(t("field.item", n=int(part) + 1))
            continue
        for piece in str(part).split("."):
            if piece.isdigit():
                shown.append(t("field.item", n=int(piece) + 1))
            elif piece and piece not in ("value", "body", "payload"):
                key = f"field.{piece}"
                shown.append(t(key) if key in catalogue("en") else piece)
    return " · ".join(shown)


def pydantic_text(error: dict) -> str:
    """One pydantic error's message in the user's language (its type and ``ctx`` say what)."""
    inner = (error.get("ctx") or {}).get("error")
    if callable(getattr(inner, "message", None)):  # a schemas CodedError: says itself in zh or en
        return inner.message(get_lang())
    key = f"pydantic.{error.get('type')}"
    if error.get("type") == "too_long" and isinstance(error.get("input"), str):
        key = "pydantic.string_too_long"  # an optional text's limit: characters, not "items"
    if error.get("type") == "too_short" and isinstance(error.get("input"), str):
        key = "pydantic.string_too_short"  # an empty name among repeated flags: characters, not "items"
    table = str((error.get("loc") or ("",))[-1])
    if key not in catalogue("en") and get_lang() != "en" and table in _code_tables():
        from schemas.codes import TABLES, label

        # A code checked against its table: list the codes with their labels, as en does.
        choices = "、".join(f"{code}（{label(table, code, get_lang())}）" for code in TABLES[table])
        return t("pydantic.not_code", choices=choices)
    if key not in catalogue("en"):
        if get_lang() == "en":
            return str(error.get("msg", "")).removeprefix("Value error, ")
        key = "pydantic.invalid"
    params = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
              for k, v in (error.get("ctx") or {}).items()}
    if "expected" in params:
        params["expected"] = str(params["expected"]).replace("'", "")
    return t(key, **params)


def _code_tables() -> set[str]:
    from schemas.codes import TABLES

    return set(TABLES)
