"""gridctl calendar add | show, exactly: the due date a limit of working days gives, a month as a grid at a
terminal (zh and en) and as date<TAB>kind lines when piped, JSON, a holidays file, and bad input named."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "calendar"


@pytest.fixture()
def at_terminal(monkeypatch):
    """Make stdout look like a terminal (capsys' stream, patched in the test body, is not one)."""
    monkeypatch.setenv("NO_COLOR", "1")
    return lambda: monkeypatch.setattr(sys.stdout, "isatty", lambda: True)


@pytest.mark.parametrize("start, days, end", [
    ("2026-09-30T15:00:00+08:00", "3", "2026-10-10T15:00:00+08:00"),  # over National Day, make-up Saturday
    ("2026-11-27T18:00", "3", "2026-12-02T18:00:00+08:00"),  # Friday evening counts as Friday
    ("2026-02-13T10:00", "10", "2026-03-05T10:00:00+08:00"),  # Spring Festival
    ("2026-09-30T07:00:00Z", "1", "2026-10-08T15:00:00+08:00"),  # UTC in, +08:00 out
    ("2026-10-10", "0", "2026-10-10T00:00:00+08:00"),  # a date is its first moment; make-up Saturday works
])
def test_add_prints_the_end(cli, start, days, end):
    r = cli("calendar", "add", start, days)
    assert (r.code, r.out, r.err) == (0, end + "\n", "")


def test_add_from_a_day_off_says_when_counting_starts(cli):
    r = cli("calendar", "add", "2026-11-28T10:00", "3")
    assert r.out == "2026-12-03T09:00:00+08:00\n"
    assert r.err == "Reported on a day off: counting starts 2026-11-30T09:00:00+08:00\n"
    r = cli("--lang", "zh", "calendar", "add", "2026-10-01T10:00", "1")
    assert r.out == "2026-10-09T09:00:00+08:00\n" and r.err == "非工作日上报：自 2026-10-08T09:00:00+08:00 起算\n"


def test_add_as_json(cli):
    r = cli("calendar", "add", "2026-09-30T15:00", "3", "-o", "json")
    assert r.json() == {"start": "2026-09-30T15:00:00+08:00", "days": 3, "counting_from": "2026-09-30T15:00:00+08:00",
                        "end": "2026-10-10T15:00:00+08:00", "calendar": "cn", "unofficial_years": []}


def test_add_into_a_year_without_schedule_says_so_and_a_holidays_file_fixes_it(cli):
    r = cli("calendar", "add", "2027-02-05T10:00", "3", "-o", "json")
    assert r.json()["end"] == "2027-02-10T10:00:00+08:00" and r.json()["unofficial_years"] == [2027]
    r = cli("calendar", "add", "2027-02-05T10:00", "3")
    assert r.err.startswith("* 2027: no official holiday schedule known;") and "--holidays-file FILE" in r.err
    r = cli("calendar", "add", "2027-02-05T10:00", "3", "--holidays-file", str(DATA / "holidays-2027.txt"))
    assert (r.out, r.err) == ("2027-02-15T10:00:00+08:00\n", "")
    r = cli("calendar", "add", "2027-02-05T10:00", "3", "--holidays-file", str(DATA / "holidays-2027.json"))
    assert r.out == "2027-02-15T10:00:00+08:00\n"


@pytest.mark.parametrize("args, lang, says", [
    (("add", "yesterday", "3"), "en", "error: 'yesterday' is not a date or time; write 2026-09-30 or "
                                      "2026-09-30T15:00:00+08:00\n"),
    (("add", "2026-10-01", "three"), "en", "error: DAYS must be a whole number from 0 to 3660, got 'three'\n"),
    (("add", "2026-10-01", "1.5"), "zh", "错误：DAYS 应为0至3660之间的整数，实际为“1.5”\n"),
    (("show", "2026-13"), "zh", "错误：“2026-13”不是月份，应写作 YYYY-MM，如 2026-10\n"),
    (("show", "october"), "en", "error: 'october' is not a month; write YYYY-MM, e.g. 2026-10\n"),
])
def test_bad_input_is_named(cli, args, lang, says):
    r = cli("--lang", lang, "calendar", *args)
    assert (r.code, r.out, r.err) == (2, "", says)


def test_a_bad_holidays_file_is_named_with_its_line(cli, tmp_path):
    bad = tmp_path / "h.txt"
    bad.write_text("2027-01-01 holiday\n2027-02-08 班\n", encoding="utf-8")
    r = cli("calendar", "show", "2027-02", "--holidays-file", str(bad))
    assert r.code == 2 and r.err == (f"error: bad holidays file: {bad}, line 2: 2027-02-08 is a Monday-Friday, "
                                     "already a working day; make-up working days fall on a Saturday or Sunday\n")
    r = cli("--lang", "zh", "calendar", "show", "2027-02", "--holidays-file", str(tmp_path / "none.txt"))
    assert r.code == 2 and r.err.startswith(f"错误：无法读取节假日文件 {tmp_path / 'none.txt'}（")


def test_show_piped_is_one_line_per_day(cli):
    r = cli("calendar", "show", "2026-10")
    lines = r.out.splitlines()
    assert len(lines) == 31 and r.err == ""
    assert lines[:11] == ["2026-10-01\tholiday", "2026-10-02\tholiday", "2026-10-03\tholiday", "2026-10-04\tholiday",
                          "2026-10-05\tholiday", "2026-10-06\tholiday", "2026-10-07\tholiday", "2026-10-08\tworkday",
                          "2026-10-09\tworkday", "2026-10-10\tmakeup", "2026-10-11\tweekend"]
    assert cli("--lang", "zh", "calendar", "show", "2026-10").out == r.out  # codes, not labels, when piped


def test_show_at_a_terminal_in_chinese(cli, at_terminal):
    at_terminal()
    r = cli("--lang", "zh", "calendar", "show", "2026-10")
    assert r.out == (
        "2026年10月\n"
        "一   二   三   四   五   六   日\n"
        "                1休  2休  3休  4休\n"
        " 5休  6休  7休  8    9   10班 11\n"
        "12   13   14   15   16   17   18\n"
        "19   20   21   22   23   24   25\n"
        "26   27   28   29   30   31\n"
        "休 法定节假日   班 调休上班   其余周六、周日休息\n")


def test_show_at_a_terminal_in_english(cli, at_terminal):
    at_terminal()
    r = cli("--lang", "en", "calendar", "show", "2026-02")
    assert r.out == (
        "2026-02\n"
        "Mo   Tu   We   Th   Fr   Sa   Su\n"
        "                               1\n"
        " 2    3    4    5    6    7    8\n"
        " 9   10   11   12   13   14W  15H\n"
        "16H  17H  18H  19H  20H  21H  22H\n"
        "23H  24   25   26   27   28W\n"
        "H public holiday (off)   W make-up working day   Sa, Su off otherwise\n")


def test_a_month_without_official_schedule_is_marked(cli, at_terminal):
    at_terminal()
    r = cli("--lang", "zh", "calendar", "show", "2027-05")
    assert r.out.startswith("2027年5月 *\n")
    assert " 1休  2休" in r.out  # 1-2 May are off by law even before the schedule is out
    assert r.err.startswith("* 2027年尚无官方放假安排")
    r = cli("--lang", "zh", "calendar", "show", "2027-02", "--holidays-file", str(DATA / "holidays-2027.txt"))
    assert r.out.startswith("2027年2月\n") and " 6班  7休" in r.out and r.err == ""


def test_show_as_json_jsonl_and_csv(cli):
    data = cli("calendar", "show", "2026-09", "-o", "json").json()
    assert data["month"] == "2026-09" and data["official"] is True and len(data["days"]) == 30
    assert data["days"][19] == {"date": "2026-09-20", "weekday": 7, "kind": "makeup", "working": True}
    assert data["days"][24] == {"date": "2026-09-25", "weekday": 5, "kind": "holiday", "working": False}
    jsonl = cli("calendar", "show", "2026-09", "-o", "jsonl").out.splitlines()
    assert len(jsonl) == 30 and '"kind": "makeup"' in jsonl[19]
    csv = cli("calendar", "show", "2026-09", "-o", "csv").out.splitlines()
    assert csv[0] == "date,weekday,kind,working" and csv[20] == "2026-09-20,7,makeup,true"


def test_an_offline_accept_caches_the_working_day_due_date_the_server_then_sets(cli, login, live_server):
    from tests.conftest import token_for
    from tests.server.helpers import Api, report

    m = report(reported_at="2026-09-30T15:00:00+08:00", occurred_at="2026-09-30T15:00:00+08:00")
    assert Api(live_server.url, token_for(live_server.url, "gw-001")).push(m)[0]["status"] == "applied"
    login(live_server, "gw-001")
    assert cli("sync").code == 0
    case_id = m["payload"]["id"]
    offline = cli("--offline", "case", "accept", case_id, "-o", "json")
    assert offline.code == 0 and offline.json()["sync"] == "pending"
    assert offline.json()["due_at"] == "2026-10-10T15:00:00+08:00"  # Oct 8, 9, make-up Saturday 10
    assert cli("sync").code == 0
    synced = cli("case", "show", case_id, "-o", "json").json()
    assert synced["status"] == "accepted" and synced["due_at"] == offline.json()["due_at"]
