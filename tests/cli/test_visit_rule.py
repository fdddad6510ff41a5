"""Which visits count for whom (DESIGN 3 and 17), from the command line against the real server:
a visit counts for a person when the worker met them and it names them or no one; a severe
mental disorder at risk 3 or more is due every 14 days; a sooner planned next visit brings the
due date forward. ``visit due`` (computed by the CLI from its cache) and the station's coverage
figures (computed by the server) must agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from schemas.validators import CST
from tests.conftest import token_for
from tests.server.helpers import GW1_GRID, Api


@pytest.fixture()
def world(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")

    def ok(*args: str) -> dict:
        r = cli(*args, "-o", "json")
        assert r.code == 0, (args, r.err)
        assert r.json()["sync"] == "synced", (args, r.json())
        return r.json()

    return server, ok


def due_of(cli, person: dict) -> dict | None:
    r = cli("visit", "due", "--within", "400", "-o", "json")
    assert r.code == 0, r.err
    return next((i for i in r.json() if i["person_id"] == person["id"]), None)


def day(days_ago: int) -> str:
    return (datetime.now(CST).date() - timedelta(days=days_ago)).isoformat()


def at(days_ago: int) -> str:
    return (datetime.now(CST) - timedelta(days=days_ago)).isoformat(timespec="seconds")


def test_a_visit_counts_for_those_it_met_and_named(cli, world):
    server, ok = world
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0001", "--address", "府兴路20号")
    father = ok("person", "add", "V17-0001", "--name", "孙老汉", "--relation", "head", "--tag", "elderly_alone")
    son = ok("person", "add", "V17-0001", "--name", "孙八", "--relation", "son", "--tag", "severe_mental",
             "--risk-level", "4")
    # Never visited: the first visit is due one frequency after he came to be followed (today).
    first = day(-14)
    assert due_of(cli, son)["due"] == first and due_of(cli, son)["last_visit"] is None

    # The father was visited two days ago: due in five days; the son, not named, is still not visited.
    ok("visit", "log", "V17-0001", "--purpose", "care", "--person", father["id"], "--at", at(2))
    assert (due_of(cli, father)["due"], due_of(cli, father)["last_visit"]) == (day(-5), day(2))
    assert due_of(cli, son)["due"] == first
    # A phone call that did not reach the son is logged, and still no visit of him; the worker is told.
    r = cli("visit", "log", "V17-0001", "--purpose", "key_person", "--method", "phone", "--person", son["id"],
            "--not-met")
    assert r.code == 0 and "Not met: it does not count as anyone's visit" in r.err + r.out, (r.out, r.err)
    assert due_of(cli, son)["due"] == first
    # Met three days ago: at risk 4 he is due every 14 days, not quarterly.
    ok("visit", "log", "V17-0001", "--purpose", "key_person", "--person", son["id"], "--at", at(3))
    assert (due_of(cli, son)["due"], due_of(cli, son)["every_days"]) == (day(-11), 14)
    # A visit of the whole household yesterday counts for both; it planned the next in four days.
    ok("visit", "log", "V17-0001", "--purpose", "routine", "--at", at(1), "--next-visit", day(-4))
    assert due_of(cli, son)["due"] == day(-4)
    assert due_of(cli, father)["due"] == day(-4)  # sooner than his 7 days
    # A plan later than the rule does not postpone it.
    ok("visit", "log", "V17-0001", "--purpose", "routine", "--next-visit", day(-60))
    assert due_of(cli, son)["due"] == day(-14)

    # The station's figures count the same visits: both seen within their frequency.
    station = Api(server.url, token_for(server.url, "station-01"))
    coverage = {c["tag"]: c for c in station.get("/stats/overview", division=GW1_GRID[:9]).json()["visit_coverage"]}
    assert (coverage["severe_mental"]["people"], coverage["severe_mental"]["visited"]) == (1, 1)


def test_coverage_leaves_out_the_people_a_visit_did_not_meet(cli, world):
    server, ok = world
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0002", "--address", "府兴路21号")
    mother = ok("person", "add", "V17-0002", "--name", "周大娘", "--relation", "head", "--tag", "elderly_alone")
    daughter = ok("person", "add", "V17-0002", "--name", "周小红", "--relation", "daughter", "--tag", "disabled")
    station = Api(server.url, token_for(server.url, "station-01"))

    def visited() -> dict[str, tuple[int, int]]:
        cov = station.get("/stats/overview", division=GW1_GRID[:9]).json()["visit_coverage"]
        return {c["tag"]: (c["people"], c["visited"]) for c in cov if c["tag"] in ("elderly_alone", "disabled")}

    before = visited()
    ok("visit", "log", "V17-0002", "--purpose", "care", "--person", daughter["id"])
    ok("visit", "log", "V17-0002", "--purpose", "care", "--person", mother["id"], "--not-met")
    after = visited()
    assert after["disabled"] == (before["disabled"][0], before["disabled"][1] + 1)
    assert after["elderly_alone"] == (before["elderly_alone"][0], before["elderly_alone"][1])
    assert due_of(cli, mother)["last_visit"] is None


def test_a_visit_names_only_people_living_in_the_household_and_plans_a_later_day(cli, world):
    server, ok = world
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0003", "--address", "府兴路22号")
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0004", "--address", "府兴路23号")
    here = ok("person", "add", "V17-0003", "--name", "吴一", "--relation", "head", "--tag", "elderly_alone")
    there = ok("person", "add", "V17-0004", "--name", "吴二", "--relation", "head", "--tag", "elderly_alone")
    gone = ok("person", "add", "V17-0003", "--name", "吴三", "--relation", "son")
    ok("person", "decease", gone["id"], "--date", day(3))

    def refused(*args: str, lang: str = "en"):
        r = cli("--lang", lang, "visit", "log", "V17-0003", "--purpose", "care", *args)
        assert r.code == 2, (args, r.out, r.err)
        assert "Traceback" not in r.err
        return r.err

    # A visit that names someone of another household would count for no one: refused at once.
    err = refused("--person", there["id"])
    assert "吴二 does not live in household V17-0003" in err and "--person" in err.splitlines()[-1]
    assert "吴二 不在户 V17-0003 中" in refused("--person", there["id"], lang="zh")
    assert "吴三 is no longer in the register (Deceased)" in refused("--person", gone["id"])
    err = refused("--next-visit", day(1), "--at", at(0))
    assert f"the next visit {day(1)} is not after this visit ({day(0)})" in err and "--next-visit" in err
    assert "不晚于本次走访" in refused("--next-visit", day(0), lang="zh")
    # Nothing was queued by the refusals.
    assert cli("outbox", "list", "-o", "json").json() == []
    ok("visit", "log", "V17-0003", "--purpose", "care", "--person", here["id"], "--next-visit", day(-3))
    assert due_of(cli, here)["due"] == day(-3)


def test_every_household_is_due_a_visit_once_a_year(cli, world):
    """DESIGN 3: "any household 365 days" — a household with no tagged member is listed too, by
    the last visit that met anyone there."""
    server, ok = world
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0005", "--address", "府兴路24号")
    ok("person", "add", "V17-0005", "--name", "冯大", "--relation", "head", "--phone", "13800001111")

    def home() -> dict | None:
        r = cli("visit", "due", "-o", "json")
        assert r.code == 0, r.err
        return next((i for i in r.json() if i["household_no"] == "V17-0005"), None)

    item = home()
    assert (item["kind"], item["person_id"], item["name"], item["tags"], item["every_days"], item["due"],
            item["last_visit"]) == ("household", None, "冯大", [], 365, day(0), None)
    table = cli("--lang", "zh", "visit", "due")
    assert table.code == 0 and "全户（每年）" in next(line for line in table.out.splitlines() if "V17-0005" in line)

    ok("visit", "log", "V17-0005", "--purpose", "routine", "--at", at(400))
    assert (home()["last_visit"], home()["days_overdue"]) == (day(400), 35)
    ok("visit", "log", "V17-0005", "--purpose", "routine", "--not-met", "--method", "phone")
    assert home()["last_visit"] == day(400)  # nobody answered: still due
    ok("visit", "log", "V17-0005", "--purpose", "routine")
    assert home() is None

    # A household whose people all died or moved out has nobody left to visit.
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0006", "--address", "府兴路25号")
    alone = ok("person", "add", "V17-0006", "--name", "冯二", "--relation", "head")
    due = [i["household_no"] for i in cli("visit", "due", "-o", "json").json()]
    assert "V17-0006" in due
    ok("person", "decease", alone["id"], "--date", day(1))
    assert "V17-0006" not in [i["household_no"] for i in cli("visit", "due", "-o", "json").json()]


def test_tags_are_listed_in_the_readers_language(cli, world):
    server, ok = world
    ok("household", "add", "--grid", GW1_GRID, "--household-no", "V17-0007", "--address", "府兴路26号")
    ok("person", "add", "V17-0007", "--name", "韩七", "--relation", "head", "--tag", "elderly_alone",
       "--tag", "disabled")

    def row(lang: str) -> str:
        # (first visit due within the week of being followed)
        r = cli("--lang", lang, "visit", "due", "--within", "7")
        assert r.code == 0, r.err
        return next(line for line in r.out.splitlines() if "韩七" in line and "V17-0007" in line
                    and "yearly" not in line and "每年" not in line)

    assert "Elderly living alone, Disabled" in row("en")
    assert "独居老人、残疾人" in row("zh")
