"""The server counts resolve limits in working days of its configured calendar (DESIGN §15): a case
reported before National Day, the natural calendar, a holidays file for 2027, the start-up line that
says which years have no schedule, and stored due dates left alone when the calendar changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from schemas.validators import parse_time
from server.workcalendar import load_calendar
from tests.conftest import ROOT, LiveServer, token_for
from tests.server.helpers import Api, act, report

DATA = ROOT / "tests" / "data" / "calendar"


def _report_and_accept(api: Api, reported_at: str) -> dict:
    m = report(reported_at=reported_at, occurred_at=reported_at)
    case_id = m["payload"]["id"]
    assert api.push(m)[0]["status"] == "applied"
    assert api.push(act(case_id, "accept", 1))[0]["status"] == "applied"
    return api.get(f"/cases/{case_id}").json()


def test_a_case_reported_before_national_day_is_due_after_the_make_up_saturday(live_server):
    gw = Api(live_server.url, token_for(live_server.url, "gw-001"))
    case = _report_and_accept(gw, "2026-09-30T15:00:00+08:00")
    # Grid limit 3 working days: Oct 8, Oct 9, make-up Saturday Oct 10 (calendar days would give Oct 3).
    assert case["due_at"] == "2026-10-10T15:00:00+08:00"
    friday = _report_and_accept(gw, "2026-11-27T18:00:00+08:00")
    assert friday["due_at"] == "2026-12-02T18:00:00+08:00"


def test_an_escalated_case_counts_from_when_it_entered_the_level(live_server):
    gw = Api(live_server.url, token_for(live_server.url, "gw-001"))
    village = Api(live_server.url, token_for(live_server.url, "village-01"))
    case = _report_and_accept(gw, "2026-09-30T15:00:00+08:00")
    assert gw.push(act(case["id"], "escalate", case["version"], reason="需村委会协调"))[0]["status"] == "applied"
    assert village.push(act(case["id"], "accept", case["version"] + 1))[0]["status"] == "applied"
    case = village.get(f"/cases/{case['id']}").json()
    entered = parse_time(case["steps"][-2]["at"])
    assert case["steps"][-2]["action"] == "escalate"
    assert parse_time(case["due_at"]) == load_calendar("cn").add(entered, 5)


def test_the_natural_calendar_counts_every_day(server_factory, tmp_path):
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"calendar": "natural"}))
    server = server_factory(env={"GRIDCTL_SERVER_SETTINGS": str(conf)})
    case = _report_and_accept(Api(server.url, token_for(server.url, "gw-001")), "2026-09-30T15:00:00+08:00")
    assert case["due_at"] == "2026-10-03T15:00:00+08:00"
    assert "calendar natural: limits in days count every day" in server.log_path.read_text("utf-8")


def test_a_holidays_file_gives_2027_its_spring_festival(server_factory, tmp_path):
    shutil.copy(DATA / "holidays-2027.txt", tmp_path / "holidays-2027.txt")
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"holidays_file": "holidays-2027.txt", "resolve_days": {"grid": 54}}))
    server = server_factory(env={"GRIDCTL_SERVER_SETTINGS": str(conf)})
    case = _report_and_accept(Api(server.url, token_for(server.url, "gw-001")), "2026-11-27T10:00:00+08:00")
    # Nov 30 - Dec 31 are 24 working days, Jan 1 off, Jan 4 - Feb 5 bring 49, make-up Sat Feb 6 (50),
    # Feb 7-13 off, make-up Sun Feb 14 (51), Feb 15-17 (54). Without the file: Feb 12.
    assert case["due_at"] == "2027-02-17T10:00:00+08:00"
    log = server.log_path.read_text("utf-8")
    assert f"2027 from {tmp_path / 'holidays-2027.txt'}" in log and "no official holiday schedule for 2027" not in log


def test_without_a_file_the_start_up_line_says_2027_has_no_schedule(live_server):
    log = live_server.log_path.read_text("utf-8")
    assert "gridctl server: calendar cn: 2004-2026 from chinesecalendar" in log
    assert "no official holiday schedule for 2027" in log and "set holidays_file in the settings" in log


def test_a_bad_holidays_file_stops_the_server_naming_its_line(tmp_path):
    (tmp_path / "h.txt").write_text("2027-01-01 holiday\n2027-02-30 holiday\n", encoding="utf-8")
    conf = tmp_path / "settings.json"
    conf.write_text(json.dumps({"holidays_file": "h.txt"}))
    r = subprocess.run([sys.executable, "-m", "server", "--db", f"sqlite:///{tmp_path}/x.db", "--settings", str(conf)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{tmp_path / 'h.txt'}, line 2: '2027-02-30' is not a date" in r.stderr


def test_changing_the_calendar_leaves_stored_due_dates_alone(tmp_path):
    natural = tmp_path / "natural.json"
    natural.write_text(json.dumps({"calendar": "natural"}))
    db = tmp_path / "server.db"
    server = LiveServer(db, env={"GRIDCTL_SERVER_SETTINGS": str(natural)}).start()
    try:
        gw = Api(server.url, token_for(server.url, "gw-001"))
        case = _report_and_accept(gw, "2026-09-30T15:00:00+08:00")
        assert case["due_at"] == "2026-10-03T15:00:00+08:00"
    finally:
        server.stop()
    # The same database (on PostgreSQL too: a new LiveServer would make a new one), the default
    # cn calendar now.
    server = LiveServer(db, db=server.db).start()
    try:
        gw = Api(server.url, token_for(server.url, "gw-001"))
        assert gw.get(f"/cases/{case['id']}").json()["due_at"] == "2026-10-03T15:00:00+08:00"
        fresh = _report_and_accept(gw, "2026-09-30T15:00:00+08:00")
        assert fresh["due_at"] == "2026-10-10T15:00:00+08:00"
    finally:
        server.close()
