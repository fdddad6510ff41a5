"""Server refusals in the request's language (issue 8, item 12): a Chinese client never reads
"another person already has this ID number"; codes stay the same for both languages."""

from __future__ import annotations

import uuid

from schemas.messages import message
from server.errors import invalid


def test_a_coded_problem_is_worded_in_chinese_without_the_field_name():
    problem = invalid("id_number", "another person already has this ID number", "duplicate",
                      says="register.id_number_taken")
    zh = problem.to_dict("zh")
    assert zh["detail"] == message("register.id_number_taken", "zh") and "身份证号" in zh["detail"]
    assert zh["code"] == "duplicate" and zh["errors"][0]["field"] == "id_number"
    assert zh["errors"][0]["message"] == zh["detail"]
    en = problem.to_dict("en")
    assert en["detail"] == "id_number: another person already has this ID number"


def test_a_problem_with_its_parameters_is_formatted_and_one_without_keeps_its_english():
    worded = invalid("grid_code", "grid 6108 does not exist", "division.unknown", code="6108").to_dict("zh")
    assert "6108" in worded["detail"] and "不存在" in worded["detail"]
    unworded = invalid("grid_code", "grid 6108 does not exist", "division.unknown").to_dict("zh")
    assert unworded["detail"] == "grid_code: grid 6108 does not exist"  # never a raw "{code}"


def test_a_pushed_refusal_follows_accept_language(live_server, tokens):
    import httpx

    from schemas.validators import format_time
    from datetime import datetime, timezone

    token = tokens("gw-001")
    for lang, expect in (("zh-CN", "不在您的管辖范围内"), ("en", "outside your scope")):
        case = {"id": str(uuid.uuid4()), "title": "x", "category": "environment", "grid_code": "610822100200099"}
        mutation = {"id": str(uuid.uuid4()), "type": "case.report", "base_version": None, "payload": case,
                    "created_at": format_time(datetime.now(timezone.utc))}
        response = httpx.post(f"{live_server.url}/api/v1/sync/push", timeout=10,
                              json={"device_id": "test-device", "mutations": [mutation]},
                              headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})
        assert response.status_code == 200, response.text
        result = response.json()["results"][0]
        assert result["status"] == "rejected"
        assert expect in result["problem"]["detail"], result
        assert result["problem"]["code"] == "division.out_of_scope"
