"""The catalogues of both languages must hold the same keys and the same placeholders."""

import re
import string

from gridctl import i18n


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_both_languages():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert sorted(set(en) - set(zh)) == [], "missing zh translations"
    assert sorted(set(zh) - set(en)) == [], "missing en translations"


def test_placeholders_agree():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    bad = [k for k in en if k in zh and _fields(en[k]) != _fields(zh[k])]
    assert bad == []


def test_zh_texts_are_chinese():
    # A zh entry copied from English is a missing translation in disguise.
    han = re.compile(r"[\u4e00-\u9fff]")
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    def words(v: str) -> bool:
        return bool(re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", v)))

    untranslated = [k for k, v in zh.items() if not han.search(v) and v == en.get(k) and words(v)]
    assert untranslated == []


def test_language_detection(monkeypatch):
    monkeypatch.delenv("GRIDCTL_LANG", raising=False)
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.detect_lang() == "zh"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.detect_lang() == "en"
    monkeypatch.setenv("GRIDCTL_LANG", "zh")
    assert i18n.detect_lang() == "zh"
    assert i18n.detect_lang("en") == "en"
