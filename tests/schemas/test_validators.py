from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from schemas import codes
from schemas.messages import MESSAGES, message
from schemas.validators import (
    InvalidValue,
    check_event_times,
    id_check_char,
    level_of_code,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    parse_date,
    parse_time,
    upgrade_legacy_id,
)

ids = st.builds(
    make_id_number,
    st.sampled_from(["610822", "110101", "440305", "530630"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(ids)
def test_generated_id_numbers_are_valid(value):
    assert normalize_id_number(value) == value
    assert normalize_id_number(value.lower()) == value


@settings(max_examples=60)
@given(ids, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_every_single_character_change_fails(value, pos, delta):
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    step = delta % (len(alphabet) - 1) + 1  # never a full turn back to the same character
    new_char = alphabet[(alphabet.index(value[pos]) + step) % len(alphabet)]
    changed = value[:pos] + new_char + value[pos + 1 :]
    assert changed != value
    with pytest.raises(InvalidValue):
        normalize_id_number(changed)


@settings(max_examples=60)
@given(ids, st.integers(min_value=0, max_value=16))
def test_every_adjacent_swap_fails(value, pos):
    swapped = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
    if swapped == value:
        return  # swapping two equal characters changes nothing
    with pytest.raises(InvalidValue):
        normalize_id_number(swapped)


def test_id_number_errors_say_what_is_wrong():
    good = make_id_number("610822", date(1990, 1, 1), 123)
    with pytest.raises(InvalidValue) as err:
        normalize_id_number(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert err.value.code == "id_number.checksum"
    assert "should be " + good[-1] in str(err.value)
    with pytest.raises(InvalidValue) as err:
        normalize_id_number("61082219900101123")
    assert err.value.code == "id_number.length"
    with pytest.raises(InvalidValue) as err:
        normalize_id_number(make_id_number("610822", date(1990, 1, 1), 123)[:6] + "19900230" + "1234")
    assert err.value.code in ("id_number.bad_birth", "id_number.checksum")
    future = make_id_number("610822", date.today() + timedelta(days=400), 1)
    with pytest.raises(InvalidValue) as err:
        normalize_id_number(future)
    assert err.value.code == "id_number.future_birth"


def test_sex_and_birth_date_must_agree():
    male = make_id_number("610822", date(1990, 1, 1), 123)
    assert normalize_id_number(male, sex="male", birth_date="1990-01-01") == male
    with pytest.raises(InvalidValue) as err:
        normalize_id_number(male, sex="female")
    assert err.value.code == "id_number.sex_mismatch"
    assert "女" in err.value.message("zh") and "男" in err.value.message("zh")
    with pytest.raises(InvalidValue) as err:
        normalize_id_number(male, birth_date=date(1990, 1, 2))
    assert err.value.code == "id_number.birth_mismatch"


def test_legacy_15_digit_numbers_upgrade():
    legacy = "610822900101123"
    full = upgrade_legacy_id(legacy)
    assert full[:17] == "61082219900101123" and full[17] == id_check_char(full[:17])
    assert normalize_id_number(legacy) == full


def test_masking():
    assert mask_id_number("61082219900101123X") == "6108**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(None) is None


@pytest.mark.parametrize(
    "code,level", [("610822", "county"), ("610822100", "town"), ("610822100200", "village"), ("610822100200001", "grid")]
)
def test_level_from_code_length(code, level):
    assert level_of_code(code) == level


@pytest.mark.parametrize("bad", ["6108", "61082210020000a", "", "6108221002000011"])
def test_bad_division_codes(bad):
    with pytest.raises(InvalidValue) as err:
        level_of_code(bad)
    assert err.value.code == "division.format"


@pytest.mark.parametrize("good", ["13812345678", "+8613812345678", "029-88881234", "0912-8881234", "02988881234"])
def test_phones(good):
    assert normalize_phone(good)


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "88881234", "phone"])
def test_bad_phones(bad):
    with pytest.raises(InvalidValue):
        normalize_phone(bad)


def test_dates_and_times():
    assert parse_date("2026年11月22日") == date(2026, 11, 22)
    assert parse_date("20261122") == date(2026, 11, 22)
    with pytest.raises(InvalidValue) as err:
        parse_date("2026-02-30")
    assert err.value.code == "date.invalid"
    t = parse_time("2026-11-22 09:10")
    assert t.utcoffset() == timedelta(hours=8)
    assert parse_time("2026-11-22T01:10:00Z") == t


def test_event_times():
    now = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    check_event_times(now - timedelta(hours=1), now, at=now)
    with pytest.raises(InvalidValue) as err:
        check_event_times(now + timedelta(hours=1), now, at=now)
    assert err.value.field == "occurred_at"
    check_event_times(now + timedelta(minutes=2), now, at=now)  # within clock skew


def test_every_message_has_both_languages_and_formats():
    for code, (zh, en) in MESSAGES.items():
        assert zh and en, code
    assert message("workflow.status", "zh", action="close", status="reported", allowed=["resolved"]) == (
        "事件当前状态为“待受理”，不能执行“核查结案”（仅限：已办结(待核查)）"
    )


def test_code_tables_accept_codes_and_labels():
    for table in codes.TABLES.values():
        for code, (zh, en) in table.items():
            assert zh and en
            assert codes.to_code(table, code) == code
    assert codes.to_code("tag", "留守老人") == "left_behind_elderly"
    assert codes.to_code("sex", "女") == "female"
    assert codes.to_code("relation", "户主") == "head"
    with pytest.raises(ValueError, match="expected one of"):
        codes.to_code("sex", "unknown")
