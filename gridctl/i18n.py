"""The client's message catalogue: every user-facing string of the CLI and TUI lives here.

Catalogues are flat JSON files, one per domain and language:
``gridctl/locales/<lang>/<domain>.json`` mapping ``"<domain>.<key>"`` to a ``str.format``
template. Each part of the client owns its domain file (``core``, ``cli``, ``tui``,
``importer`` ...), so parts never edit each other's file. Files are loaded on first use only
(start-up stays cheap) and merged.

Language: an explicit choice (``--lang``), else ``GRIDCTL_LANG``, else the locale (``zh*`` means
Chinese), else English.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LANGS = ("zh", "en")
_LOCALES = Path(__file__).with_name("locales")
_catalogues: dict[str, dict[str, str]] = {}
_lang: str | None = None


def normalize_lang(value: str | None) -> str | None:
    """Map 'zh', 'zh_CN.UTF-8', 'zh-CN', 'en_US' ... to 'zh' or 'en'; None when unrecognised."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v.startswith("zh"):
        return "zh"
    if v.startswith("en") or v in ("c", "posix"):
        return "en"
    return None


def detect_lang(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("GRIDCTL_LANG")):
        lang = normalize_lang(candidate)
        if lang:
            return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return normalize_lang(value) or "en"
    return "en"


def set_lang(lang: str | None) -> str:
    """Fix the language for this process (``None`` re-detects). Returns the language chosen."""
    global _lang
    _lang = detect_lang(lang)
    return _lang


def get_lang() -> str:
    return _lang or set_lang(None)


def joined(items, lang: str | None = None) -> str:
    """Items in running text: 、 between Chinese ones, a comma between English ones."""
    return ("、" if (lang or get_lang()) == "zh" else ", ").join(items)


def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, merged from every domain file."""
    cat = _catalogues.get(lang)
    if cat is None:
        cat = {}
        folder = _LOCALES / lang
        for path in sorted(folder.glob("*.json")):
            with path.open(encoding="utf-8") as fh:
                cat.update(json.load(fh))
        _catalogues[lang] = cat
    return cat


def t(key: str, /, lang: str | None = None, **params: object) -> str:
    """The message ``key`` in the current language, formatted with ``params``.

    A key missing from the chosen language falls back to English, then to the key itself, so a
    gap never crashes the UI; the catalogue test (tests/test_i18n.py) is what catches gaps.
    """
    lang = lang or get_lang()
    template = catalogue(lang).get(key)
    if template is None:
        template = catalogue("en").get(key, key)
    if not params:
        return template
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
