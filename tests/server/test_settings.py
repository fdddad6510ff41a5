"""Server settings: DESIGN's defaults, a settings file that changes time limits and login limits on
a real server, and bad files refused with the key and the fix named."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from schemas.validators import parse_time
from server.settings import DEFAULT_VISIT_FREQUENCY_DAYS, Settings, SettingsError
from tests.conftest import ROOT, token_for
from tests.server.helpers import Api, act, report


def test_defaults_are_the_design_values():
    s = Settings()
    assert s.limits.accept == timedelta(hours=24) and s.limits.accept_urgent == timedelta(hours=2)
    assert {k: v.days for k, v in s.limits.resolve.items()} == {"grid": 3, "village": 5, "town": 10, "county": 15}
    assert s.limits.resolve_urgent == timedelta(hours=24)
    assert s.visit_frequency_days == DEFAULT_VISIT_FREQUENCY_DAYS
    assert DEFAULT_VISIT_FREQUENCY_DAYS["elderly_alone"] == 7 and DEFAULT_VISIT_FREQUENCY_DAYS["household"] == 365
    assert (s.token_lifetime, s.login_max_failures, s.login_window) == (timedelta(days=30), 5, timedelta(minutes=5))


def test_partial_settings_keep_the_other_defaults():
    s = Settings.from_mapping({"resolve_days": {"town": 7}, "visit_frequency_days": {"disabled": 60}})
    assert s.limits.resolve["town"] == timedelta(days=7) and s.limits.resolve["grid"] == timedelta(days=3)
    assert s.visit_frequency_days["disabled"] == 60 and s.visit_frequency_days["elderly_alone"] == 7


@pytest.mark.parametrize("data, says", [
    ({"accept_hour": 1}, "unknown key 'accept_hour'"),
    ({"accept_hours": 0}, "accept_hours must be a positive number"),
    ({"accept_hours": "2"}, "accept_hours must be a positive number"),
    ({"resolve_days": {"province": 3}}, "resolve_days.province is not one of county, grid, town, village"),
    ({"resolve_days": 3}, "resolve_days must be an object"),
    ({"visit_frequency_days": {"elderly_alone": -7}}, "visit_frequency_days.elderly_alone must be a positive number"),
    ({"login_max_failures": 2.5}, "login_max_failures must be a positive whole number"),
    ([1, 2], "expected a JSON object"),
])
def test_bad_settings_name_the_key_and_what_it_accepts(data, says):
    with pytest.raises(SettingsError, match=says.replace(".", r"\.")):
        Settings.from_mapping(data)


def test_a_bad_settings_file_stops_the_server_with_its_line(tmp_path):
    bad = tmp_path / "settings.json"
    bad.write_text('{"accept_hours": 2,\n "resolve_days": }', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "server", "--db", f"sqlite:///{tmp_path}/x.db", "--settings", str(bad)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}, line 2" in r.stderr and "not valid JSON" in r.stderr


def test_a_settings_file_sets_time_limits_and_login_limits_on_the_server(server_factory, tmp_path):
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"accept_hours": 6, "resolve_days": {"grid": 1}, "login_max_failures": 2}))
    server = server_factory(env={"GRIDCTL_SERVER_SETTINGS": str(conf)})
    gw = Api(server.url, token_for(server.url, "gw-001"))

    m = report()
    case_id = m["payload"]["id"]
    assert gw.push(m)[0]["status"] == "applied"
    case = gw.get(f"/cases/{case_id}").json()
    assert parse_time(case["due_at"]) - parse_time(case["reported_at"]) == timedelta(hours=6)

    assert gw.push(act(case_id, "accept", 1))[0]["status"] == "applied"
    case = gw.get(f"/cases/{case_id}").json()
    assert parse_time(case["due_at"]) - parse_time(case["reported_at"]) == timedelta(days=1)

    for _ in range(2):
        r = httpx.post(server.url + "/api/v1/auth/token", json={"username": "gw-002", "password": "wrong"})
        assert r.status_code == 401
    r = httpx.post(server.url + "/api/v1/auth/token", json={"username": "gw-002", "password": "demo-pass"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "300"
    assert r.headers["content-type"].startswith("application/problem+json")
