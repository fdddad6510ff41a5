"""Import rows (DESIGN §7b): the columns of each kind, their Chinese headers, and row validation.

Shared by the client importer (which maps headers and encodings, then validates here before
sending) and the server's ``/import/{kind}`` (which validates again: it never trusts a client).
A row is a dict of English column names to text; values may be codes or their zh/en labels.
``validate_row`` returns ``(clean, [])`` — codes, lists, ISO dates — or ``(None, problems)``
with one ``(column, message)`` per problem, in the reader's language. Standard library only.
"""

from __future__ import annotations

import re
import time as _time
from datetime import date, datetime
from typing import Any

from schemas import codes
from schemas.messages import message
from schemas.validators import (
    _ID_CHECK,
    CST,
    InvalidValue,
    check_birth_date,
    check_text,
    level_of_code,
    looks_like_date,
    normalize_division_code,
    normalize_grid_code,
    normalize_id_number,
    normalize_phone,
    parse_date,
)

KINDS = ("divisions", "grids", "users", "households", "persons", "units")

# (English name, Chinese header, max length)
_COLUMNS: dict[str, list[tuple[str, str, int]]] = {
    "divisions": [("code", "编码", 15), ("name", "名称", 100)],
    "grids": [("code", "网格编码", 15), ("name", "网格名称", 100), ("kind", "网格类型", 20)],
    "users": [("username", "用户名", 64), ("display_name", "姓名", 100), ("role", "角色", 20),
              ("scope", "管辖范围", 500), ("phone", "联系电话", 20), ("password", "密码", 256),
              ("unit", "所属单位", 22)],
    # DESIGN §15: units cases are dispatched to.
    "units": [("code", "编码", 22), ("name", "名称", 100), ("division", "所属区划", 15), ("kind", "类型", 20)],
    "households": [("household_no", "户号", 40), ("grid_code", "网格编码", 15), ("address", "地址", 200),
                   ("lat", "纬度", 20), ("lon", "经度", 20)],
    "persons": [("household_no", "户号", 40), ("grid_code", "网格编码", 15), ("address", "地址", 200),
                ("name", "姓名", 50), ("id_number", "身份证号", 18), ("sex", "性别", 8),
                ("birth_date", "出生日期", 20), ("relation_to_head", "与户主关系", 20), ("phone", "联系电话", 20),
                ("tags", "人员标签", 200), ("residence", "户籍类型", 20), ("care_level", "关注程度", 10),
                # The register over time and special populations (DESIGN 17): what an export writes
                # comes back in (an empty cell keeps the stored value, see server/services/imports).
                ("key_person_type", "重点人员类别", 24), ("status", "人员状态", 12), ("moved_to", "迁往", 200),
                ("status_date", "状态变更日期", 20), ("risk_level", "风险等级", 4)],
}
_REQUIRED = {
    "divisions": ("code", "name"),
    "grids": ("code", "name"),
    "users": ("username", "display_name", "role"),  # scope, or unit for a `unit` user: see _user
    "units": ("code", "name", "division", "kind"),
    "households": ("household_no", "grid_code"),
    "persons": ("household_no", "grid_code", "name", "id_number"),
}
# Other headers seen in real exports.
_EXTRA_ALIASES = {
    "divisions": {"区划代码": "code", "区划名称": "name", "代码": "code"},
    "grids": {"编码": "code", "名称": "name", "类型": "kind"},
    "users": {"账号": "username", "手机号": "phone", "电话": "phone", "范围": "scope", "单位": "unit",
              "单位编码": "unit"},
    "units": {"单位编码": "code", "单位名称": "name", "区划": "division", "区划代码": "division", "单位类型": "kind"},
    "households": {"户编号": "household_no", "网格": "grid_code", "住址": "address", "家庭住址": "address"},
    "persons": {"户编号": "household_no", "网格": "grid_code", "身份证号码": "id_number", "公民身份号码": "id_number",
                "证件号码": "id_number", "手机号": "phone", "电话": "phone", "手机号码": "phone", "标签": "tags",
                "住址": "address", "家庭住址": "address", "与户主关系": "relation_to_head", "关系": "relation_to_head"},
}
# Columns an export carries beyond what an import reads (its Chinese header under --lang zh): an
# import of an exported file reads past them, so an export goes back in unchanged.
EXPORT_ONLY: dict[str, dict[str, str]] = {
    "divisions": {"level": "层级", "parent": "上级编码"},
    "grids": {"parent": "上级编码"},
    "households": {"id": "系统编号", "head_person_id": "户主系统编号", "version": "版本"},
    "persons": {"id": "系统编号", "household_id": "户系统编号", "version": "版本"},
}
# Columns a county's own register carries that hold nothing the register keeps: the row's serial
# number (序号) of every form, and the age a person's birth date already gives (often a formula).
# An import reads past them as it reads past an export's own columns.
# So are the row and error columns of the rejected rows ``--errors FILE`` wrote: that file, fixed,
# is imported again as it is.
READ_PAST: dict[str, tuple[str, ...]] = {
    "*": ("序号", "no.", "no", "row", "error"),
    "persons": ("年龄", "age"),
}
_SPLIT = re.compile(r"[|、,，;；]")
_EXTRA_MESSAGES = {
    "row.required": ("必填", "required"),
    "row.too_long": ("过长：最多{limit}个字符", "too long: at most {limit} characters"),
    "row.number": ("“{value}”不是数字", "{value!r} is not a number"),
    "row.range": ("{value}超出范围{low}到{high}", "{value} is outside {low} to {high}"),
    "row.unknown_choice": ("“{value}”无效，可选：{choices}", "{value!r} is not valid; expected one of: {choices}"),
    "row.username": ("用户名只能包含字母、数字、点、下划线和连字符", "a username may hold letters, digits, '.', '_' and '-' only"),
    "row.grid_level": ("网格编码应为15位", "a grid code has 15 digits"),
    "row.scope_empty": ("管辖范围至少一个区划代码", "give at least one division code"),
    "row.unit_code": ("单位编码应为区划代码、“-”和大写字母，如 610822100-ZF",
                      "a unit code is the division code, '-' and capital letters, e.g. 610822100-ZF"),
    "row.unit_division": ("单位编码应以所属区划{division}开头", "the unit code must start with its division {division}"),
    "row.unit_required": ("职能部门用户须填写所属单位", "a user of role unit needs the unit column"),
    "row.unit_only": ("只有角色为职能部门(unit)的用户才有所属单位", "only a user of role unit belongs to a unit"),
    "import.unit_unknown": ("单位{code}不存在，请先导入单位", "unit {code} does not exist; import units first"),
    "row.moved_to_required": ("人员状态为迁出时须填写迁往何处", "a person who moved out needs moved_to: where they went"),
    "row.risk_without_tag": ("风险等级只用于严重精神障碍患者：请在人员标签中加上严重精神障碍患者",
                             "a risk level goes with the severe_mental tag: add that tag in the tags column"),
    # probe13: a register exported without --reveal and imported back met "the first 17
    # characters must be digits" on every row; say what the stars are and what to do.
    "row.masked": ("“{value}”是脱敏后的显示值（导出时未加 --reveal），不能导入：请由管理员加 --reveal 重新导出，或填写完整值",
                   "{value} is a masked value (the file was exported without --reveal) and cannot be imported: "
                   "export again with --reveal (admin), or type the full value"),
    "row.not_object": ("每行应为一个对象（列名: 值）", "a row must be an object of column: value"),
    "row.width": ("此行有{count}个值，而columns有{expected}列", "a row of {count} values for {expected} columns"),
    # Checks that need the database: the server's /import/{kind} says these.
    "import.parent_missing": ("上级区划{parent}不存在：请先导入，或放在本文件更前面",
                              "parent division {parent} does not exist; import it first or earlier in the file"),
    "import.division_unknown": ("区划{code}不存在，请先导入", "division {code} does not exist; import it first"),
    "import.grid_unknown": ("网格{code}不存在，请先导入网格", "grid {code} does not exist; import grids first"),
    "import.outside_scope": ("{code}不在您的管辖范围内", "{code} is outside your scope"),
    "import.duplicate": ("{value}在本批中重复出现", "{value} appears twice in this request"),
    "import.household_split": ("户{household_no}属于网格{grid}，不是{other}：同一户不能分在两个网格",
                               "household {household_no} is in grid {grid}, not {other}: one household cannot be split "
                               "across two grids"),
    "import.second_head": ("户{household_no}已有户主：一户只能有一位户主；如要更换户主，请在同一文件中修改原户主的与户主关系",
                           "household {household_no} already has a head: one head per household; to change the head, "
                           "change the old head's relation_to_head in the same file"),
    "import.household_elsewhere": ("户{household_no}登记在您的管辖范围之外", "household {household_no} is registered outside your scope"),
    "import.person_elsewhere": ("此人登记在您的管辖范围之外", "this person is registered outside your scope"),
}


def columns(kind: str) -> list[str]:
    return [name for name, _zh, _n in _COLUMNS[kind]]


def required_columns(kind: str) -> tuple[str, ...]:
    return _REQUIRED[kind]


def header_aliases(kind: str) -> dict[str, str]:
    """Header text → English column: the English names, the Chinese headers, common variants."""
    aliases = {name: name for name in columns(kind)}
    aliases.update({zh: name for name, zh, _n in _COLUMNS[kind]})
    aliases.update(_EXTRA_ALIASES.get(kind, {}))
    return aliases


def zh_header(kind: str, column: str) -> str | None:
    """The standard Chinese header of an import or export column of ``kind``."""
    for name, zh, _n in _COLUMNS.get(kind, ()):
        if name == column:
            return zh
    return EXPORT_ONLY.get(kind, {}).get(column)


def export_only_aliases(kind: str) -> dict[str, str]:
    """Header text (English or Chinese) -> column, of the export-only columns of ``kind``."""
    out = {}
    for name, zh in EXPORT_ONLY.get(kind, {}).items():
        out[name] = name
        out[zh] = name
    for text in READ_PAST["*"] + READ_PAST.get(kind, ()):
        out[text] = ""  # read past, feeds no column
    return out


def row_message(code: str, lang: str = "en", /, **params: Any) -> str:
    """The text of a row problem ``code`` in ``lang``: this module's own codes (``row.*``,
    ``import.*``), else ``schemas.messages``."""
    if code in _EXTRA_MESSAGES:
        zh, en = _EXTRA_MESSAGES[code]
        template = zh if lang == "zh" else en
        try:
            return template.format(**params)
        except (KeyError, ValueError):
            return template
    return message(code, lang, **params)


def _choice(table: str, value: str, column: str, lang: str, problems: list) -> str | None:
    try:
        return codes.to_code(table, value)
    except ValueError:
        tbl = codes.TABLES[table]
        shown = ", ".join(f"{c}/{tbl[c][0]}" for c in tbl)
        _add(problems, column, "row.unknown_choice", lang, value=value, choices=shown)
        return None


# Codes, numbers and dates typed with a Chinese input method come full-width (６１０８２２,
# １３８…, a U+3000 space): the same characters to the reader, so the same key to the register.
_HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}
_FORMULA_MARKS = frozenset("=+-@\t\r")
# (Household numbers are kept as typed: they are free text, searched as stored — ＨＰ-9.)
_FOLDED = frozenset({"code", "grid_code", "id_number", "phone", "lat", "lon", "birth_date",
                     "division", "scope", "username", "unit", "risk_level", "status_date"})


def validate_row(kind: str, row: dict[str, Any], lang: str = "en") -> tuple[dict | None, list[tuple[str, str]]]:
    """``(clean, [])`` or ``(None, [(column, message), ...])``; see the module docstring."""
    clean, problems = validate_row_coded(kind, row, lang)
    return clean, [(column, text) for column, _code, text in problems]


def validate_row_coded(kind: str, row: dict[str, Any], lang: str = "en") -> tuple[dict | None, list[tuple[str, str, str]]]:
    """As ``validate_row``, with each problem's stable code: ``(column, code, message)``, so a
    client can say it in its own language (``row_message(code, lang, ...)`` or
    ``schemas.messages.message``)."""
    if kind == "persons":
        clean = _fast_person(row)
        if clean is not None:
            return clean, []
    if kind not in _COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of: {', '.join(KINDS)}")
    problems: list[tuple[str, str]] = []
    values: dict[str, str | None] = {}
    for name, _zh, limit in _COLUMNS[kind]:
        raw = row.get(name)
        if isinstance(raw, (list, tuple)):  # JSON rows may carry tags and scope as lists
            raw = "|".join(str(v) for v in raw)
        text = None if raw is None else str(raw).strip()
        if text and text[0] == "'" and text[1:2] in _FORMULA_MARKS:
            text = text[1:]  # an export's defused formula-like cell (gridctl.exporter._defused)
        if text and name in _FOLDED and not text.isascii():
            text = text.translate(_HALF_WIDTH).strip()
        if text == "":
            text = None
        if text is not None and len(text) > limit:
            if name == "id_number" and looks_like_date(text):  # an Excel date-time: say it is a date
                _invalid(InvalidValue("id_number.date", name, value=text), name, lang, problems)
            else:
                _add(problems, name, "row.too_long", lang, limit=limit)
            text = None
        values[name] = text
        if text is not None:
            # DESIGN §14: no controls or bidi overrides in any cell, nor names made of nothing visible.
            try:
                check_text(text, name, required=True)
            except InvalidValue as exc:
                _invalid(exc, name, lang, problems)
                text = None
                values[name] = None
    for name in _REQUIRED[kind]:
        if values.get(name) is None and not any(p[0] == name for p in problems):
            _add(problems, name, "row.required", lang)
    clean: dict[str, Any] = {}
    check = _CHECKS[kind]
    check(values, clean, problems, lang)
    if problems:
        return None, problems
    return clean, []


def values_checker(kind: str, names: list[str], lang: str = "en"):
    """``validate_row_coded`` for rows given as lists of values in the order of ``names`` (one
    value per name; names that are no column of ``kind`` are ignored, as unknown keys are)."""
    if kind not in _COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of: {', '.join(KINDS)}")
    take = [(name, names.index(name)) for name in columns(kind) if name in names]  # the first of a doubled name

    def as_dict(values: list) -> dict[str, Any]:
        return {name: values[i] for name, i in take}

    if kind != "persons":
        return lambda values: validate_row_coded(kind, as_dict(values), lang)
    # persons: the fast path reads the values in the standard order without making a dict
    order = [names.index(name) if name in names else None for name in _PERSON_NAMES]
    same = order == list(range(len(names)))

    def check(values: list) -> tuple[dict | None, list[tuple[str, str, str]]]:
        clean = _fast_person_values(values if same else [None if i is None else values[i] for i in order])
        if clean is not None:
            return clean, []
        return validate_row_coded(kind, as_dict(values), lang)

    return check


def _invalid(exc: InvalidValue, column: str, lang: str, problems: list) -> None:
    problems.append((column, exc.code, exc.message(lang)))


def _add(problems: list, column: str, code: str, lang: str, **params: Any) -> None:
    problems.append((column, code, row_message(code, lang, **params)))


def _division(v, clean, problems, lang) -> None:
    if v["code"]:
        try:
            clean["code"] = normalize_division_code(v["code"], field="code")
            clean["level"] = level_of_code(clean["code"])
        except InvalidValue as exc:
            _invalid(exc, "code", lang, problems)
    clean["name"] = v["name"]


def _grid(v, clean, problems, lang) -> None:
    if v["code"]:
        try:
            clean["code"] = normalize_grid_code(v["code"], field="code")
        except InvalidValue as exc:
            _invalid(exc, "code", lang, problems)
    clean["name"] = v["name"]
    clean["kind"] = _choice("grid_kind", v["kind"], "kind", lang, problems) if v["kind"] else "basic"


def _user(v, clean, problems, lang) -> None:
    if v["username"] and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", v["username"]):
        _add(problems, "username", "row.username", lang)
    clean["username"] = v["username"]
    clean["display_name"] = v["display_name"]
    clean["role"] = _choice("role", v["role"], "role", lang, problems) if v["role"] else None
    scope = [s for s in _SPLIT.split(v["scope"] or "") if s.strip()]
    for code in scope:
        try:
            level_of_code(code.strip(), field="scope")
        except InvalidValue as exc:
            _invalid(exc, "scope", lang, problems)
    if v["scope"] and not scope:
        _add(problems, "scope", "row.scope_empty", lang)
    clean["scope"] = [s.strip() for s in scope]
    # DESIGN §15: a unit user belongs to a unit and has no division scope; everyone else has a scope.
    unit = (v.get("unit") or "").strip().upper() or None
    if clean["role"] == "unit":
        if not unit:
            _add(problems, "unit", "row.unit_required", lang)
        elif not re.fullmatch(r"[0-9]{6}([0-9]{3})?-[A-Z]{1,12}", unit):
            _add(problems, "unit", "row.unit_code", lang)
        clean["scope"] = []
    elif clean["role"]:
        if unit:
            _add(problems, "unit", "row.unit_only", lang)
        if not scope and not any(p[0] == "scope" for p in problems):
            _add(problems, "scope", "row.required", lang)
    clean["unit"] = unit if clean["role"] == "unit" else None
    clean["phone"] = _phone(v["phone"], lang, problems)
    if v["password"]:
        clean["password"] = v["password"]


def _phone(value, lang, problems):
    if not value:
        return None
    if "*" in value:
        _add(problems, "phone", "row.masked", lang, value=value)
        return None
    try:
        return normalize_phone(value)
    except InvalidValue as exc:
        _invalid(exc, "phone", lang, problems)
        return None


def _coordinate(value, column, low, high, lang, problems):
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        _add(problems, column, "row.number", lang, value=value)
        return None
    if not low <= number <= high:
        _add(problems, column, "row.range", lang, value=value, low=low, high=high)
        return None
    return number


def _household(v, clean, problems, lang) -> None:
    clean["household_no"] = v["household_no"]
    if v["grid_code"]:
        try:
            clean["grid_code"] = normalize_grid_code(v["grid_code"])
        except InvalidValue as exc:
            _invalid(exc, "grid_code", lang, problems)
    clean["address"] = v["address"]
    if "lat" in v:
        clean["lat"] = _coordinate(v.get("lat"), "lat", -90, 90, lang, problems)
        clean["lon"] = _coordinate(v.get("lon"), "lon", -180, 180, lang, problems)


def _person(v, clean, problems, lang) -> None:
    _household(v, clean, problems, lang)
    clean.pop("lat", None)
    clean.pop("lon", None)
    clean["name"] = v["name"]
    sex = _choice("sex", v["sex"], "sex", lang, problems) if v["sex"] else None
    birth = None
    if v["birth_date"]:
        try:
            birth = check_birth_date(parse_date(v["birth_date"], "birth_date"))
        except InvalidValue as exc:
            _invalid(exc, "birth_date", lang, problems)
    if v["id_number"] and "*" in v["id_number"]:
        _add(problems, "id_number", "row.masked", lang, value=v["id_number"])
    elif v["id_number"]:
        try:
            clean["id_number"] = normalize_id_number(v["id_number"], sex=sex, birth_date=birth)
        except InvalidValue as exc:
            column = {"id_number.sex_mismatch": "sex", "id_number.birth_mismatch": "birth_date"}.get(exc.code, "id_number")
            _invalid(exc, column, lang, problems)
    if clean.get("id_number"):
        from schemas.validators import birth_date_from_id, sex_from_id

        sex = sex or sex_from_id(clean["id_number"])
        birth = birth or birth_date_from_id(clean["id_number"])
    clean["sex"] = sex
    clean["birth_date"] = birth.isoformat() if birth else None
    clean["relation_to_head"] = _choice("relation", v["relation_to_head"], "relation_to_head", lang, problems) if v["relation_to_head"] else None
    clean["phone"] = _phone(v["phone"], lang, problems)
    tags = []
    for part in _SPLIT.split(v["tags"] or ""):
        if part.strip():
            code = _choice("tag", part.strip(), "tags", lang, problems)
            if code and code not in tags:
                tags.append(code)
    clean["tags"] = tags
    clean["residence"] = _choice("residence", v["residence"], "residence", lang, problems) if v["residence"] else "registered"
    clean["care_level"] = _choice("care_level", v["care_level"], "care_level", lang, problems) if v["care_level"] else None
    _person_life(v, clean, problems, lang)


def _person_life(v, clean, problems, lang) -> None:
    """The DESIGN 17 columns, by the rules of the person commands: a known status, where to for
    a person who moved out, a plausible date, a risk level 0-5 that goes with ``severe_mental``."""
    get = v.get
    clean["key_person_type"] = (_choice("key_person_type", get("key_person_type"), "key_person_type", lang, problems)
                                if get("key_person_type") else None)
    clean["status"] = _choice("person_status", get("status"), "status", lang, problems) if get("status") else None
    clean["moved_to"] = get("moved_to")
    if clean["status"] == "moved_out" and not clean["moved_to"]:
        _add(problems, "moved_to", "row.moved_to_required", lang)
    clean["status_date"] = None
    if get("status_date"):
        try:
            clean["status_date"] = check_birth_date(parse_date(get("status_date"), "status_date"), "status_date").isoformat()
        except InvalidValue as exc:
            _invalid(exc, "status_date", lang, problems)
    clean["risk_level"] = None
    if get("risk_level") is not None:
        text = get("risk_level")
        try:
            level = int(float(text)) if float(text).is_integer() else None  # Excel gives 3.0
        except ValueError:
            level = None
        if level is None:
            _add(problems, "risk_level", "row.number", lang, value=text)
        elif not 0 <= level <= 5:
            _add(problems, "risk_level", "row.range", lang, value=text, low=0, high=5)
        elif "severe_mental" not in (clean.get("tags") or []):
            _add(problems, "risk_level", "row.risk_without_tag", lang)
        else:
            clean["risk_level"] = level


# --- the fast path of a good person row ----------------------------------------------------------
# An import of 200,000 people validates every row twice (client and server), so the common row —
# ASCII digits, ISO dates, known labels, a mobile phone — is checked here in a few microseconds.
# Anything unusual (full-width digits, 1951/07/02, a landline, any error at all) returns None and
# takes the full path above, which says what is wrong; for a row both accept, both give the same
# clean values (tests/schemas/test_rows.py compares them).

_PERSON_NAMES = [name for name, _zh, _limit in _COLUMNS["persons"]]
_MAX_NO, _MAX_NAME, _MAX_ADDRESS, _MAX_TAGS = (
    {name: limit for name, _zh, limit in _COLUMNS["persons"]}[c] for c in ("household_no", "name", "address", "tags"))
_MOBILE_FAST = re.compile(r"1[3-9][0-9]{9}")  # not \d: it matches full-width and other digits too
_ASCII_DIGITS = frozenset("0123456789")


class _Labels(dict):
    """label or code -> code; ``labels[text]`` is a C lookup for the exact text, else (a rare
    miss) the text in lower case, else None."""

    def __missing__(self, value: str) -> str | None:
        return dict.get(self, value.lower())


def _lookup(table: str) -> _Labels:
    return _Labels(codes._reverse(codes.TABLES[table]))


_SEX, _RELATION, _TAG, _RESIDENCE, _CARE = (_lookup(t) for t in ("sex", "relation", "tag", "residence", "care_level"))
_today_cache: list = [0.0, ""]


def _today_text() -> str:
    """Today in China as YYYYMMDD, recomputed at most once a minute."""
    now = _time.time()
    if now - _today_cache[0] > 60:
        _today_cache[0], _today_cache[1] = now, datetime.now(CST).strftime("%Y%m%d")
    return _today_cache[1]


# YYYYMMDD of an ID number -> YYYY-MM-DD, for the days found real and past: a day in the past
# stays there, and a register's people share a few tens of thousands of birthdays.
_birth_days: dict[str, str] = {}


def _birth_day(text: str) -> str | None:
    if text > _today_text() or text < "1880":
        return None
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    if len(_birth_days) < 100_000:
        _birth_days[text] = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"


def _fast_person(row: dict[str, Any]) -> dict | None:
    return _fast_person_values([row.get(name) for name in _PERSON_NAMES])


def _fast_person_values(values: list) -> dict | None:
    """The fast path on the row's values in the order of ``columns("persons")``."""
    try:
        # only text has .strip(): numbers and lists leave for the full path
        number, grid, address, name, idn, sex, birth, relation, phone, tags_text, residence_text, care_text = \
            [None if raw is None else raw.strip() or None for raw in values[:12]]
    except AttributeError:
        return None
    # Any DESIGN 17 column filled in (status, risk level...): the full path checks it.
    for raw in values[12:]:
        if raw is not None and (not isinstance(raw, str) or raw.strip()):
            return None
    if not (number and grid and name and idn):
        return None
    if "'" in (number[0], name[0], address[0] if address else ""):  # a defused formula: the full path
        return None
    # A control character, a line break, a direction override (DESIGN 14): the full path says
    # which and where. (Read past here, NUL reached PostgreSQL's COPY as an HTTP 500.)
    if not (number.isprintable() and name.isprintable() and (address is None or address.isprintable())):
        return None
    # The other columns' limits hold by the checks below (codes, a date, a mobile number).
    if len(number) > _MAX_NO or len(name) > _MAX_NAME or (address and len(address) > _MAX_ADDRESS) \
            or (tags_text and len(tags_text) > _MAX_TAGS):
        return None
    if len(grid) != 15 or not grid.isascii() or not grid.isdigit():
        return None
    if len(idn) != 18 or not idn.isascii():
        return None
    first17, check = idn[:17], idn[17].upper()
    if not first17.isdigit():
        return None
    # MOD 11-2: the weights are 2**(17-i) mod 11, and 13 = 2 (mod 11), so reading the digits in
    # base 13 sums them with the right weights in one C call.
    if _ID_CHECK[2 * int(first17, 13) % 11] != check:
        return None
    iso_birth = _birth_days.get(idn[6:14]) or _birth_day(idn[6:14])
    if iso_birth is None:
        return None
    id_sex = "male" if idn[16] in "13579" else "female"
    if sex is not None and _SEX[sex] != id_sex:
        return None
    if birth is not None and birth != iso_birth:  # iso_birth is YYYY-MM-DD: equal means ISO too
        return None
    if relation is not None:
        relation = _RELATION[relation]
        if relation is None:
            return None
    if phone is not None and not _MOBILE_FAST.fullmatch(phone):
        return None
    tags: list[str] = []
    if tags_text is not None:
        for part in _SPLIT.split(tags_text):
            part = part.strip()
            if part:
                code = _TAG[part]
                if code is None:
                    return None
                if code not in tags:
                    tags.append(code)
    residence = "registered"
    if residence_text is not None:
        residence = _RESIDENCE[residence_text]
        if residence is None:
            return None
    care = None
    if care_text is not None:
        care = _CARE[care_text]
        if care is None:
            return None
    return {"household_no": number, "grid_code": grid, "address": address, "name": name,
            "id_number": first17 + check, "sex": id_sex, "birth_date": iso_birth, "relation_to_head": relation,
            "phone": phone, "tags": tags, "residence": residence, "care_level": care, **_NO_LIFE}


_NO_LIFE = {"key_person_type": None, "status": None, "moved_to": None, "status_date": None, "risk_level": None}


def _unit(v, clean, problems, lang) -> None:
    code = (v["code"] or "").strip().upper()
    if v["code"] and not re.fullmatch(r"[0-9]{6}([0-9]{3})?-[A-Z]{1,12}", code):
        _add(problems, "code", "row.unit_code", lang)
    clean["code"] = code
    clean["name"] = v["name"]
    division = (v["division"] or "").strip()
    if v["division"]:
        try:
            level = level_of_code(division, field="division")
            if level not in ("county", "town"):
                _add(problems, "division", "row.unknown_choice", lang, value=division, choices="county/town")
        except InvalidValue as exc:
            _invalid(exc, "division", lang, problems)
        if code and not code.startswith(division + "-"):
            _add(problems, "code", "row.unit_division", lang, division=division)
    clean["division"] = division
    clean["kind"] = _choice("unit_kind", v["kind"], "kind", lang, problems) if v["kind"] else None


_CHECKS = {"units": _unit, "divisions": _division, "grids": _grid, "users": _user, "households": _household, "persons": _person}
