"""Issue 13 leftover: a refused write's reason is shown in the language of whoever reads the
outbox, not of the sync that got it (DESIGN 6 and 12): the server adds the text's code and
parameters to its answer, the client keeps them and words the reason again at display time.
Real CLI, real server (SQLite, or PostgreSQL under GRIDCTL_TEST_DB)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from schemas.validators import make_id_number

TAKEN_EN = "id_number: this ID number is already registered; ask the station to check it"
TAKEN_ZH = "该身份证号已登记，请联系乡镇（街道）综治中心核实"


def _refused_person(cli) -> tuple[str, str]:
    """A person added offline with an ID number the register already holds: the server refuses it."""
    listing = cli("household", "list", "-o", "json").json()
    hh = cli("household", "show", next(h for h in listing if h["members"] >= 1)["id"], "-o", "json").json()
    taken = next(p for p in hh["persons"] if p.get("id_number"))
    # the worker sees it masked; its full number comes from the server's database in the test
    return hh["id"], taken["id"]


def _sex(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def test_a_refusal_got_in_english_reads_in_chinese_and_back(cli, login, server_factory, tmp_path):
    server = server_factory()
    login(server, "gw-001")
    hh_id, taken_pid = _refused_person(cli)
    with server.db.connect() as db:
        (taken,) = db.execute("SELECT id_number FROM persons WHERE id = ?", (taken_pid,)).fetchone()
    added = cli("--offline", "person", "add", hh_id, "--name", "重号", "--id-number", taken, "--sex", _sex(taken),
                "-o", "json")
    assert added.code == 0, added.err

    synced = cli("--lang", "en", "sync")
    assert synced.code == 3, synced.err
    assert TAKEN_EN in synced.err

    zh = cli("--lang", "zh", "outbox", "list", "-o", "json").json()
    assert [(i["state"], i["last_error"]) for i in zh] == [("rejected", TAKEN_ZH)]
    table = cli("--lang", "zh", "outbox", "list")
    assert table.code == 0 and TAKEN_ZH in table.out and "already registered" not in table.out
    # sync names what is left, in its reader's language too
    again = cli("--lang", "zh", "sync", "--push-only")
    assert again.code == 3 and TAKEN_ZH in again.err and "already registered" not in again.err
    en = cli("--lang", "en", "outbox", "list", "-o", "json").json()
    assert en[0]["last_error"] == TAKEN_EN
    shown = cli("--lang", "zh", "outbox", "show", en[0]["id"], "-o", "json").json()
    assert shown["last_error"] == TAKEN_ZH


def test_a_refusal_got_in_chinese_reads_in_english(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    hh_id, taken_pid = _refused_person(cli)
    with server.db.connect() as db:
        (taken,) = db.execute("SELECT id_number FROM persons WHERE id = ?", (taken_pid,)).fetchone()
    assert cli("--offline", "person", "add", hh_id, "--name", "重号", "--id-number", taken,
               "--sex", _sex(taken)).code == 0
    synced = cli("--lang", "zh", "sync")
    assert synced.code == 3 and TAKEN_ZH in synced.err
    assert cli("--lang", "en", "outbox", "list", "-o", "json").json()[0]["last_error"] == TAKEN_EN


def test_an_answer_without_codes_keeps_its_own_words(cli, login, server_factory, tmp_path):
    """An older server sends no codes (and a newer one may send a code this client does not
    know): the text it sent is shown as it is, in whatever language it came."""
    server = server_factory()
    login(server, "gw-001")
    hh_id, taken_pid = _refused_person(cli)
    with server.db.connect() as db:
        (taken,) = db.execute("SELECT id_number FROM persons WHERE id = ?", (taken_pid,)).fetchone()
    assert cli("--offline", "person", "add", hh_id, "--name", "重号", "--id-number", taken,
               "--sex", _sex(taken)).code == 0
    assert cli("--lang", "en", "sync").code == 3
    store = tmp_path / "data" / "profiles" / "default" / "store.sqlite3"
    with sqlite3.connect(store) as db:
        (result,) = db.execute("SELECT result FROM outbox WHERE state = 'rejected'").fetchone()
        old = json.loads(result)
        assert old["problem"]["says"] == {"code": "register.taken_id_number", "params": {}, "field": "id_number"}
        del old["problem"]["says"]
        db.execute("UPDATE outbox SET result = ? WHERE state = 'rejected'", (json.dumps(old),))
    assert cli("--lang", "zh", "outbox", "list", "-o", "json").json()[0]["last_error"] == TAKEN_EN
    with sqlite3.connect(store) as db:
        db.execute("UPDATE outbox SET result = ? WHERE state = 'rejected'",
                   (json.dumps({**old, "problem": {**old["problem"], "says": {"code": "a.newer.code"}}}),))
    assert cli("--lang", "zh", "outbox", "list", "-o", "json").json()[0]["last_error"] == TAKEN_EN
