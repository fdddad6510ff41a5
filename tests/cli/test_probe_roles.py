"""Faults found by probing the real CLI against the real server as each role would use it
(grid worker, station, unit, admin): each test failed before its fix."""

from __future__ import annotations

import json

from schemas import workflow as wf
from tests.cli.test_closed_loop import _report_to_town


def test_every_case_action_has_its_words_in_both_languages():
    # The closed-loop actions printed "case X: cli.case.action.dispatch." (a catalogue key).
    for lang in ("en", "zh"):
        words = json.loads((__import__("pathlib").Path(__file__).resolve().parents[2]
                            / "gridctl" / "locales" / lang / "cli.json").read_text(encoding="utf-8"))
        missing = [a for a in wf.ACTIONS if f"cli.case.action.{a}" not in words]
        assert not missing, (lang, missing)


def test_closed_loop_verbs_say_what_they_did(cli, login, server_factory):
    server = server_factory()
    made = _report_to_town(cli, login, server, "占道经营")
    st = ("--profile", "station")
    r = cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF")
    assert r.code == 0 and "dispatched" in r.err and "cli.case" not in r.err, r.err
    login(server, "unit-zf", profile="zf")
    r = cli("--profile", "zf", "--lang", "zh", "case", "sign", made["serial"])
    assert r.code == 0 and "已签收" in r.err and "cli.case" not in r.err, r.err
    r = cli("--profile", "zf", "case", "mediate", made["serial"], "--result", "failed", "--participant", "王某")
    assert r.code == 0 and "mediat" in r.err and "cli.case" not in r.err, r.err


def test_a_retry_the_server_refuses_again_says_so_and_exits_3(cli, login, server_factory):
    # `outbox retry` of a write the server refused again printed "saved here; queued to sync"
    # and exited 0 while the server was up.
    server = server_factory()
    login(server, "gw-001")
    person = cli("person", "list", "-o", "json").json()[0]
    wrong = "female" if person["sex"] == "male" else "male"
    r = cli("person", "update", person["id"], "--sex", wrong, "-o", "json")
    assert r.code == 3 and r.json()["sync"] == "rejected", r.err
    [item] = cli("outbox", "list", "-o", "json").json()
    r = cli("outbox", "retry", item["id"], "-o", "json")
    assert r.code == 3, (r.out, r.err)
    assert r.json()["sync"] == "rejected"
    assert "queued" not in r.err and "ID number" in r.err, r.err
    r = cli("--lang", "zh", "outbox", "retry", item["id"])
    assert r.code == 3 and "身份证号" in r.err and "待联网" not in r.err, r.err
    assert [i["state"] for i in cli("outbox", "list", "-o", "json").json()] == ["rejected"]
