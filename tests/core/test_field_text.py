"""A write refused before it is queued names the field by its label and says why in the user's
language (issue 8, item 12): no "value：", no "String should have at least 1 character"."""

from __future__ import annotations

import uuid

import pytest

from gridctl.errors import InvalidInput
from gridctl.i18n import set_lang
from gridctl.ops.writes import validate

CASE = {"title": "路灯损坏", "category": "environment", "grid_code": "610822100200001"}


@pytest.fixture(autouse=True)
def _reset_lang():
    yield
    set_lang(None)


def refused(model: str, payload: dict, lang: str) -> InvalidInput:
    set_lang(lang)
    with pytest.raises(InvalidInput) as info:
        validate(model, {"id": str(uuid.uuid4()), **payload})
    return info.value


def test_pydantic_messages_and_field_names_are_chinese():
    error = refused("CaseReport", {**CASE, "title": ""}, "zh")
    assert error.message() == "标题：至少需要 1 个字符"
    assert error.field == "title"  # the CLI still names the flag (--title)
    nested = refused("CaseReport", {**CASE, "parties": [{"name": ""}]}, "zh")
    assert nested.message().startswith("当事人 · 第1项 · 姓名：")


def test_a_coded_check_names_the_field_label_not_value():
    error = refused("PersonUpsert", {"name": "王五", "id_number": "610822199001011234", "sex": "female",
                                     "household_id": str(uuid.uuid4())}, "zh")
    text = error.message()
    assert text.startswith("身份证号：") and "value" not in text


def test_a_bad_code_lists_the_choices_with_labels_in_chinese():
    text = refused("CaseReport", {**CASE, "category": "bogus"}, "zh").message()
    assert text.startswith("事件类别：应为以下之一：") and "environment（环境卫生）" in text


def test_english_stays_english():
    assert refused("CaseReport", {**CASE, "title": ""}, "en").message() == "title: needs at least 1 character(s)"
