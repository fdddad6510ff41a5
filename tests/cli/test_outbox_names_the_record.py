"""`outbox list`, `outbox show` and `sync` name the record each waiting or refused write is about —
"person.upsert rejected" alone does not say WHICH person. A person by name with the ID number
masked (the full number is never printed to a grid worker, not even from a refused write that
still carries it), a household by number and address, a report by title, a case action by its
case, a visit by household. JSON keeps every field it had and adds ``about``. gw-001, zh and en,
piped and at a terminal (pseudo-terminal)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli.outbox_scene import outbox, refused_household_day
from tests.cli.test_terminal_output import ROOT, run_in_terminal

OLD_FIELDS = {"id", "type", "entity", "entity_id", "state", "attempts", "created_at", "base_version", "last_error",
              "payload", "server", "waits_for"}


@pytest.fixture()
def day(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    return server, refused_household_day(cli, server)


def test_each_write_is_named_by_its_record(cli, day):
    server, ids = day
    items = outbox(cli)
    assert all(OLD_FIELDS <= set(i) for i in items.values())  # additive: nothing renamed or dropped
    no = ids["taken_no"]
    about = {k: items[(ids[k]["id"], t)]["about"] for k, t in (
        ("household", "household.upsert"), ("person", "person.upsert"), ("visit", "visit.log"),
        ("report", "case.report"), ("dup", "person.upsert"), ("dup_visit", "visit.log"))}
    assert about["household"] == f"household {no}, 新建的户1号"
    assert about["person"] == f"person 新来的人, household {no}"
    assert about["visit"] == f"visit to household {no} (新来的人)"
    assert about["report"] == "report “新户门口漏水”"
    masked = ids["dup_number"][:4] + "*" * 10 + ids["dup_number"][-4:]
    assert about["dup"] == f"person 乙某 ({masked}), household {ids['existing']['household_no']}"
    accept = next(i for i in items.values() if i["type"] == "case.act")
    assert accept["about"] == "Accept: case “新户门口漏水”"

    zh = outbox(cli, "--lang", "zh")
    assert zh[(ids["person"]["id"], "person.upsert")]["about"] == f"人员 新来的人，户号 {no}"
    assert zh[(ids["visit"]["id"], "visit.log")]["about"] == f"走访 户号 {no}（新来的人）"
    assert zh[(ids["dup"]["id"], "person.upsert")]["about"].startswith(f"人员 乙某（{masked}）")


@pytest.mark.parametrize("lang, person", [("en", "person 乙某"), ("zh", "人员 乙某")])
def test_piped_list_show_and_sync_name_the_person_never_the_full_id_number(cli, day, lang, person):
    server, ids = day
    full = ids["dup_number"]
    dup_mutation = outbox(cli)[(ids["dup"]["id"], "person.upsert")]["id"]
    outputs = {
        "list": cli("--lang", lang, "outbox", "list"),
        "list-json": cli("--lang", lang, "outbox", "list", "-o", "json"),
        "show": cli("--lang", lang, "outbox", "show", dup_mutation),
        "show-json": cli("--lang", lang, "outbox", "show", dup_mutation, "-o", "json"),
        "sync": cli("--lang", lang, "sync"),
    }
    for name, r in outputs.items():
        assert full not in r.out + r.err, name
    assert person in outputs["list"].out and person in outputs["show"].out
    assert outputs["show-json"].json()["about"].startswith(person)
    # sync names each refused or waiting item by its record as well.
    line = next(ln for ln in outputs["sync"].err.splitlines() if dup_mutation in ln)
    assert person in line, outputs["sync"].err


def test_at_a_terminal_the_table_has_the_column(cli, day, tmp_path):
    server, ids = day
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "config"), "GRIDCTL_DATA_DIR": str(tmp_path / "data"),
           "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    for lang, column, person in (("zh", "涉及", "乙某"), ("en", "about", "乙某")):
        code, screen = run_in_terminal(["--lang", lang, "outbox", "list"], env)
        assert code == 0, screen
        assert column in screen and person in screen and ids["dup_number"] not in screen, screen
        # The added column takes no room from the ids, which are copied into `outbox retry|discard`.
        assert all(item["id"] in screen for item in outbox(cli).values()), screen
    piped = subprocess.run([sys.executable, "-m", "gridctl", "outbox", "list"], capture_output=True, text=True,
                           cwd=ROOT, env=env)
    assert piped.returncode == 0 and "\tperson 乙某 (" in piped.stdout and ids["dup_number"] not in piped.stdout
