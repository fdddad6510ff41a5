"""Discarding a refused create names the waiting writes that cannot be sent without it, and drops
them with it only when the user agrees: a prompt at a terminal, ``--yes`` when piped (without it:
refused, exit 2, naming the flag, nothing discarded). Before, the discard went alone and each
dependent write was later sent and refused one by one. gw-001, zh and en, real server."""

from __future__ import annotations

import os

import pytest

from tests.cli.outbox_scene import outbox, refused_household_day, rows
from tests.cli.test_terminal_output import ROOT

FOLLOWERS = ("person", "person_edit", "visit", "report", "accept")


@pytest.fixture()
def day(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    return server, refused_household_day(cli, server)


def _household_mutation(cli, ids) -> str:
    return outbox(cli)[(ids["household"]["id"], "household.upsert")]["id"]


@pytest.mark.parametrize("lang, words", [("en", "cannot be sent without"), ("zh", "无法发送")])
def test_piped_without_yes_names_the_dependents_and_discards_nothing(cli, day, lang, words):
    server, ids = day
    before = cli("outbox", "list", "-o", "json").json()
    blocker = _household_mutation(cli, ids)
    r = cli("--lang", lang, "outbox", "discard", blocker)
    assert r.code == 2, r.err
    assert words in r.err and "--yes" in r.err, r.err
    followers = [i for i in before if i["waits_for"] == blocker]
    assert len(followers) == 5  # person, its edit, the visit, the report, its acceptance
    assert all(item["id"] in r.err for item in followers), r.err
    if lang == "en":
        assert all(f"[{item['about']}]" in r.err for item in followers), r.err
    assert "新来的人" in r.err and "新户门口漏水" in r.err and ids["taken_no"] in r.err
    assert cli("outbox", "list", "-o", "json").json() == before  # nothing discarded


def test_yes_discards_the_write_with_its_dependents_and_nothing_is_stuck(cli, day):
    server, ids = day
    blocker = _household_mutation(cli, ids)
    r = cli("outbox", "discard", blocker, "--yes", "-o", "json")
    assert r.code == 0, r.err
    gone = {d["entity_id"] for d in r.json()["dependents"]}
    assert gone == {ids[k]["id"] for k in ("person", "visit", "report")}
    assert len(r.json()["dependents"]) == 5 and "5" in r.err
    left = outbox(cli)
    assert {k for k in left} == {(ids["dup"]["id"], "person.upsert"), (ids["dup_visit"]["id"], "visit.log")}
    # Gone from the cache with it: no household, person, visit or report of it is shown.
    assert ids["taken_no"] not in {h["household_no"] for h in cli("--offline", "household", "list", "-o", "json").json()}
    assert cli("--offline", "person", "show", ids["person"]["id"]).code == 5
    assert cli("--offline", "case", "show", ids["report"]["id"]).code == 5
    # The refused duplicate person and the visit naming them, the same way; then all is sent.
    dup = outbox(cli)[(ids["dup"]["id"], "person.upsert")]["id"]
    assert cli("outbox", "discard", dup).code == 2
    assert cli("outbox", "discard", dup, "--yes").code == 0
    synced = cli("sync")
    assert synced.code == 0, synced.err
    assert cli("outbox", "list", "-o", "json").json() == []
    # On the server: the unrelated report, and nothing of what was discarded.
    assert rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", ids["unrelated"]["id"]) == [(1,)]
    assert rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", ids["report"]["id"]) == [(0,)]
    assert rows(server, "SELECT COUNT(*) FROM persons WHERE id IN (?, ?)", ids["person"]["id"], ids["dup"]["id"]) == [(0,)]
    assert rows(server, "SELECT COUNT(*) FROM visits WHERE id IN (?, ?)", ids["visit"]["id"], ids["dup_visit"]["id"]) == [(0,)]


def _rejected_report_with_a_comment(cli, tmp_path) -> tuple[dict, str, str]:
    """An incident report whose photo the server will not take (a PNG signature, then noise)."""
    bad = tmp_path / "not-really.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    report = cli("--offline", "incident", "report", "--category", "safety_hazard", "--title", "墙体裂缝有落石",
                 "--photo", str(bad), "-o", "json")
    assert report.code == 0, report.err
    assert cli("--offline", "case", "comment", report.json()["id"], "已拉警戒线").code == 0
    assert cli("sync").code == 3
    items = {i["type"]: i for i in cli("outbox", "list", "-o", "json").json()}
    assert items["case.report"]["state"] == "rejected" and items["case.act"]["state"] == "waiting"
    return report.json(), items["case.report"]["id"], items["case.act"]["id"]


def test_a_refused_incident_report_goes_with_the_actions_on_it(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "gw-001")
    report, blocker, comment = _rejected_report_with_a_comment(cli, tmp_path)
    r = cli("outbox", "discard", blocker)
    assert r.code == 2 and comment in r.err and "墙体裂缝有落石" in r.err and "--yes" in r.err, r.err
    r = cli("--lang", "zh", "outbox", "discard", blocker, "--yes")
    assert r.code == 0 and "已丢弃" in r.err, r.err
    assert cli("outbox", "list", "-o", "json").json() == []
    assert cli("sync").code == 0
    assert rows(server, "SELECT COUNT(*) FROM cases WHERE id = ?", report["id"]) == [(0,)]


def _discard_at_a_terminal(env: dict, mutation_id: str, answer: str) -> tuple[int, str]:
    """`gridctl outbox discard` in a pseudo-terminal, answering its question."""
    import pty
    import select
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "outbox", "discard", mutation_id], stdin=slave,
                            stdout=slave, stderr=slave, cwd=ROOT, env={**env, "TERM": "xterm", "NO_COLOR": "1"},
                            close_fds=True)
    os.close(slave)
    screen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            screen += data
            if not answered and b"[y/N]" in screen:
                os.write(master, answer.encode() + b"\r")
                answered = True
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, screen.decode("utf-8", "replace")


def test_at_a_terminal_it_asks_first(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "gw-001")
    report, blocker, comment = _rejected_report_with_a_comment(cli, tmp_path)
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "config"), "GRIDCTL_DATA_DIR": str(tmp_path / "data"),
           "GRIDCTL_LANG": "zh", "PYTHONPATH": str(ROOT)}
    code, screen = _discard_at_a_terminal(env, blocker, "n")
    assert code == 0 and comment in screen and "全部 2 条都丢弃吗" in screen and "未丢弃任何内容" in screen, screen
    assert len(cli("outbox", "list", "-o", "json").json()) == 2
    code, screen = _discard_at_a_terminal({**env, "GRIDCTL_LANG": "en"}, blocker, "y")
    assert code == 0 and "Discard all 2?" in screen and "discarded" in screen, screen
    assert cli("outbox", "list", "-o", "json").json() == []
