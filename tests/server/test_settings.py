"""Server settings: DESIGN's defaults, a settings file that changes time limits and login limits on
a real server, and bad files refused with the key and the fix named."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

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
    ({"calendar": "gregorian"}, "calendar must be one of cn, natural, got 'gregorian'"),
    ({"holidays_file": 2027}, "holidays_file must be the path of a holidays file, got 2027"),
    ({"holidays_file": "/nonexistent/holidays.txt"}, "holidays_file: /nonexistent/holidays.txt: cannot read"),
    ({"resolve_days": {"grid": 0.5}}, 'resolve_days.grid must be a whole number of working days up to 3660 with "calendar": "cn"'),
    ({"resolve_days": {"town": 5000}}, "resolve_days.town must be a whole number of working days up to 3660"),
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
    conf.write_text(json.dumps({"accept_hours": 6, "resolve_days": {"grid": 1}, "login_max_failures": 2,
                                "calendar": "natural"}))  # working days: tests/server/test_workdays_server.py
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
    # What is left of the 5-minute block (times are kept to the second, and a slow machine takes
    # a second or more between the block and this request).
    assert r.status_code == 429 and 290 <= int(r.headers["Retry-After"]) <= 300, r.headers
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_calendar_is_cn_by_default_and_natural_on_request():
    assert Settings().limits.calendar.name == "cn" and Settings.from_mapping({}).limits.calendar.name == "cn"
    natural = Settings.from_mapping({"calendar": "natural", "resolve_days": {"grid": 0.5}})
    assert natural.limits.calendar.natural and natural.limits.resolve["grid"] == timedelta(hours=12)


def test_a_relative_holidays_file_lies_beside_the_settings_file(tmp_path):
    (tmp_path / "holidays.txt").write_text("2027-01-01 holiday 元旦\n2027-02-06 班\n", encoding="utf-8")
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"holidays_file": "holidays.txt"}))
    calendar = Settings.from_file(conf).limits.calendar
    assert calendar.knows(2027) and calendar.kind(date(2027, 2, 6)) == "makeup"


def test_a_bad_holidays_file_names_its_line(tmp_path):
    (tmp_path / "holidays.txt").write_text("2027-01-01 holiday\n2027-02-08 workday\n", encoding="utf-8")
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"holidays_file": "holidays.txt"}))
    with pytest.raises(SettingsError) as caught:
        Settings.from_file(conf)
    assert str(caught.value) == (f"{conf}: holidays_file: {tmp_path / 'holidays.txt'}, line 2: 2027-02-08 is a "
                                 "Monday-Friday, already a working day; make-up working days fall on a Saturday "
                                 "or Sunday")


def test_index_weights_are_validated():
    from server.settings import Settings, SettingsError

    s = Settings.from_mapping({"index_weights": {"discovery": 0.3}, "index_discovery_target": 4})
    assert s.index_weights["discovery"] == 0.3 and s.index_weights["on_time"] == 0.25
    assert s.index_discovery_target == 4
    assert Settings().index_weights["satisfaction"] == 0.2
    for bad, says in (({"index_weights": {"speed": 1}}, "index_weights.speed is not one of"),
                      ({"index_weights": {"on_time": -1}}, "must be a number 0 or more"),
                      ({"index_weights": dict.fromkeys(("on_time", "accepted_on_time", "satisfaction",
                                                        "base_resolution", "visit_coverage", "discovery"), 0)},
                       "all 0"),
                      ({"index_weights": [0.25]}, "must be an object"),
                      ({"index_discovery_target": 0}, "index_discovery_target must be a positive number")):
        with pytest.raises(SettingsError, match=says):
            Settings.from_mapping(bad)
