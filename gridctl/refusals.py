"""A refused or conflicting write's reason, said in the language of whoever reads it.

The server words a refusal in the language of the sync that sent the write, and adds the text's
code and parameters (``says``, DESIGN 6: additive). The outbox keeps the whole answer, so the
reason is worded again at display time from ``schemas.messages``; the stored text is kept for a
code this client does not know (a newer server) and for answers without codes (an older one).
"""

from __future__ import annotations

from typing import Any

# The key of the stored answer that names the language the server worded it in.
WORDED_IN = "worded_in"


def _say(said: Any, lang: str) -> str | None:
    if not isinstance(said, dict) or not isinstance(said.get("code"), str):
        return None
    from schemas.messages import MESSAGES, message

    if said["code"] not in MESSAGES:
        return None
    params = said.get("params") if isinstance(said.get("params"), dict) else {}
    text = message(said["code"], lang, **params)
    if "{" in text:  # a parameter missing: the server's own words are better
        return None
    field = said.get("field")
    return f"{field}: {text}" if field and lang != "zh" else text


def reason(result: dict | None, stored: str | None, lang: str | None = None) -> str | None:
    """The reason of a quarantined write in ``lang`` (default: the client's), else ``stored``."""
    if not isinstance(result, dict):
        return stored
    from gridctl.i18n import get_lang

    lang = lang or get_lang()
    if result.get(WORDED_IN) == lang:
        return stored  # worded for this language already: exactly what the server said
    problem = result.get("problem")
    if not isinstance(problem, dict):
        return stored
    text = _say(problem.get("says"), lang)
    if text is not None:
        return text
    errors = problem.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors) \
            and any(isinstance(e.get("says"), dict) for e in errors):
        # A payload that failed validation: each field's text, joined as the server joins them.
        parts = []
        for e in errors:
            text = _say(e.get("says"), lang) or str(e.get("message") or "")
            field = e.get("field")
            parts.append(text if lang == "zh" or not field or field == "payload" else f"{field}: {text}")
        return ("；" if lang == "zh" else "; ").join(parts)
    return stored
