"""Import rows: headers in both languages, labels or codes, one message per bad cell."""

from schemas import rows


def test_chinese_headers_and_labels():
    aliases = rows.header_aliases("persons")
    assert aliases["身份证号"] == "id_number" and aliases["户号"] == "household_no" and aliases["name"] == "name"
    clean, problems = rows.validate_row("persons", {
        "household_no": "H1", "grid_code": "610822100200001", "name": "张三", "id_number": "610822199001011235",
        "sex": "男", "relation_to_head": "户主", "tags": "独居老人、低保户", "care_level": "高"}, "zh")
    assert problems == []
    assert clean["tags"] == ["elderly_alone", "low_income"] and clean["relation_to_head"] == "head"
    assert clean["birth_date"] == "1990-01-01" and clean["care_level"] == "high"


def test_lists_from_json_rows_are_accepted():
    clean, problems = rows.validate_row("persons", {
        "household_no": "H1", "grid_code": "610822100200001", "name": "张三", "id_number": "610822199001011235",
        "tags": ["elderly_alone"]})
    assert problems == [] and clean["tags"] == ["elderly_alone"]
    clean, problems = rows.validate_row("users", {"username": "gw-900", "display_name": "王", "role": "网格员",
                                                  "scope": ["610822100200001"]})
    assert problems == [] and clean["scope"] == ["610822100200001"] and clean["role"] == "gridworker"


def test_every_bad_cell_is_named():
    clean, problems = rows.validate_row("persons", {
        "household_no": "H1", "grid_code": "6108", "name": "张" * 60, "id_number": "610822199001011234",
        "sex": "女", "phone": "12345", "tags": "外星人"}, "en")
    assert clean is None
    named = {column for column, _ in problems}
    assert named == {"grid_code", "name", "id_number", "phone", "tags"}
    assert any("check character" in m for c, m in problems if c == "id_number")


def test_sex_and_birth_date_disagreeing_with_the_id_number():
    _, problems = rows.validate_row("persons", {"household_no": "H1", "grid_code": "610822100200001", "name": "李",
                                                "id_number": "610822199001011235", "sex": "女"}, "zh")
    assert problems and problems[0][0] == "sex" and "身份证号" in problems[0][1]
    _, problems = rows.validate_row("persons", {"household_no": "H1", "grid_code": "610822100200001", "name": "李",
                                                "id_number": "610822199001011235", "birth_date": "1990-02-01"})
    assert problems[0][0] == "birth_date"


def test_fast_path_of_person_rows_agrees_with_the_full_checks(monkeypatch):
    """The fast path (schemas.rows._fast_person) must give exactly what the full checks give, for
    every row it accepts, and leave every other row to them."""
    import itertools
    from datetime import date

    from schemas import rows
    from schemas.validators import make_id_number

    male, female = make_id_number("610822", date(1980, 1, 1), 11), make_id_number("610822", date(1975, 1, 30), 12)
    variants = {
        "id_number": [male, male.lower(), female, female[:17] + ("0" if female[17] != "0" else "1"), "６" + male[1:],
                      male[:6] + "20991231" + male[14:], ""],
        "sex": ["", "男", "male", "Male", "女", "未知"],
        "birth_date": ["", "1980-01-01", "1980/01/01", "19800101", "1975-01-30", "1980-1-1"],
        "relation_to_head": ["", "户主", "head", "配偶", "朋友"],
        "phone": ["", "13912345678", "1391234567８", "029-88888888", "+8613912345678", "12345"],
        "tags": ["", "独居老人", "独居老人、低保户", "elderly_alone|low_income|elderly_alone", "外星人"],
        "residence": ["", "户籍", "floating", "无"],
        "care_level": ["", "高", "low", "很高"],
        "grid_code": ["610822100200001", "61082210020000１", "6108221002", ""],
        # the limits of the columns the fast path measures itself
        "household_no": ["B" * 40, "B" * 41],
        "name": ["张" * 50, "张" * 51],
        "address": ["路" * 200, "路" * 201],
    }
    base = {"household_no": "B1", "grid_code": "610822100200001", "address": "路", "name": "张三",
            "id_number": male}
    checked = 0
    for key, values in variants.items():
        for value, other in itertools.product(values, ["", "男"]):
            row = dict(base, **{key: value})
            if key != "sex":
                row["sex"] = other
            fast = rows.validate_row_coded("persons", row)
            with monkeypatch.context() as m:
                m.setattr(rows, "_fast_person", lambda r: None)
                slow = rows.validate_row_coded("persons", row)
            assert (fast[0], [p[:2] for p in fast[1]]) == (slow[0], [p[:2] for p in slow[1]]), row
            checked += rows._fast_person(row) is not None
    assert checked > 20  # the fast path did take the common rows
