"""Command-line values for coded fields: a code or its zh/en label, refused in the user's language.

``schemas.codes.to_code`` says its refusal in English only; the CLI says it again through
``schemas.messages`` so a zh user reads a zh message with the choices as zh labels.
"""

from __future__ import annotations


def code_arg(table: str, value: str | None, flag: str) -> str | None:
    """The code for ``value`` (None stays None), or ``InvalidInput`` naming the flag and the choices."""
    if value is None:
        return None
    from schemas.codes import TABLES, label, to_code

    try:
        return to_code(table, value)
    except ValueError:
        from gridctl.errors import InvalidInput
        from gridctl.i18n import get_lang
        from schemas.messages import message

        lang = get_lang()
        sep = "、" if lang == "zh" else ", "
        choices = sep.join(f"{code}（{label(table, code, 'zh')}）" if lang == "zh" else code for code in TABLES[table])
        text = message("choice.unknown", lang, value=value, choices=choices)
        raise InvalidInput("core.error.invalid_field", field=flag.lstrip("-"), name=flag, text=text) from None
