"""DESIGN §14 text and date rules in schemas, shared by client and server, said in zh and en."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.models import CaseAct, CaseReport, Mutation, Party, PersonUpsert, VisitLog
from schemas.rows import validate_row
from schemas.validators import InvalidValue, check_text, is_ascii_digits, level_of_code, normalize_phone

ID = "0193a5c2-7b1e-7c4d-9a10-3f2b8e61d0aa"
CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + [chr(c) for c in range(0x7F, 0xA0)]
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


@settings(max_examples=200)
@given(st.text(max_size=20), st.sampled_from(CONTROLS + BIDI), st.text(max_size=20))
def test_any_control_or_bidi_character_inside_a_line_is_refused(before, bad, after):
    with pytest.raises(InvalidValue):
        check_text(before + bad + after, "title")


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=BIDI), min_size=1))
def test_text_without_controls_or_overrides_passes_unless_invisible(text):
    visible = any(not (ch.isspace() or ch in "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad") for ch in text)
    if visible:
        assert check_text(text, "title", required=True) == text
    else:
        with pytest.raises(InvalidValue):
            check_text(text, "title", required=True)


def test_multiline_fields_take_tab_and_newline_only():
    assert check_text("a\n\tb\r\n", "note", multiline=True)
    for bad in ("\x00", "\x0b", "\x85", "\u202e"):
        with pytest.raises(InvalidValue):
            check_text(f"a{bad}b", "note", multiline=True)
    with pytest.raises(InvalidValue):
        check_text("a\nb", "title")


@pytest.mark.parametrize("value", ["²", "610822²", "٦١٠٨٢٢", "６１０８２２"])
def test_codes_and_phones_take_ascii_digits_only(value):
    assert not is_ascii_digits(value)
    with pytest.raises(InvalidValue):
        level_of_code(value)
    with pytest.raises(InvalidValue):
        normalize_phone("138" + value.strip()[:8].ljust(8, "١"))


def test_models_refuse_what_the_server_refuses_with_messages_in_both_languages():
    base = {"id": ID, "title": "ok", "category": "other", "grid_code": "610822100200001"}
    for title in ("\u200b\u200b", "a\x00", "\u202eabc"):
        with pytest.raises(ValidationError) as info:
            CaseReport.model_validate({**base, "title": title})
        inner = info.value.errors()[0]["ctx"]["error"]
        assert inner.message("zh") != inner.message("en")
    with pytest.raises(ValidationError):
        CaseReport.model_validate({**base, "occurred_at": "1999-12-31T23:00:00+08:00"})
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    with pytest.raises(ValidationError):
        CaseReport.model_validate({**base, "occurred_at": future})
    visit = {"id": ID, "household_id": "h", "visited_at": "2026-01-02T09:00:00+08:00", "purpose": "routine"}
    assert VisitLog.model_validate(visit)
    for bad in ({"visited_at": "1900-01-01T09:00:00+08:00"}, {"visited_at": "2026-01-02T09:00:00"},
                {"next_visit_due": "9999-12-31"}, {"note": "a\x07"}, {"visited_at": 1700000000}):
        with pytest.raises(ValidationError):
            VisitLog.model_validate({**visit, **bad})
    with pytest.raises(ValidationError):
        PersonUpsert.model_validate({"id": ID, "household_id": "h", "name": "x", "birth_date": "1899-12-31"})
    with pytest.raises(ValidationError):
        PersonUpsert.model_validate({"id": ID, "household_id": "h", "name": "x",
                                     "birth_date": (date.today() + timedelta(days=2)).isoformat()})
    with pytest.raises(ValidationError):
        Party.model_validate({"name": "\u2066x\u2069"})
    with pytest.raises(ValidationError):
        CaseAct.model_validate({"case_id": ID, "action": "comment", "note": "x\x1b[2J"})
    with pytest.raises(ValidationError) as info:
        Mutation.model_validate({"id": ID, "type": "case.act", "created_at": "2026-11-22T09:30:00", "payload": {}})
    assert "offset" in str(info.value)


def test_import_rows_follow_the_same_rules():
    row = {"household_no": "H1", "grid_code": "610822100200001", "name": "张三",
           "id_number": "", "birth_date": "1899-05-01"}
    _, problems = validate_row("persons", row)
    assert [c for c, _ in problems if c == "birth_date"]
    _, problems = validate_row("persons", {**row, "birth_date": "", "name": "\u200b"})
    assert ("name", "must not be only blanks or invisible characters") in problems
    _, problems = validate_row("households", {"household_no": "H\u202e1", "grid_code": "610822100200001"}, "zh")
    assert problems and "方向" in problems[0][1]
