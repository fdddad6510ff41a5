"""A worker's day that leaves refused writes with writes built on them (shared by the outbox tests).

gw-001, offline, registers a household under a number the server already holds (gw-002's), a
person in it, edits that person, logs a visit naming them, reports an incident at the household
and accepts it; also one unrelated report and a person with an ID number already registered.
The sync then refuses the household and the duplicate person; what builds on them waits."""

from __future__ import annotations

from datetime import date

from schemas.validators import make_id_number


def rows(server, sql: str, *params):
    with server.db.connect() as db:
        return db.execute(sql, params).fetchall()


def id_number(seq: int) -> tuple[str, str]:
    number = make_id_number("610822", date(1961, 3, 9), 800 + seq)
    return number, "male" if int(number[16]) % 2 else "female"


def refused_household_day(cli, server) -> dict:
    taken_no = rows(server, "SELECT household_no FROM households WHERE grid_code = '610822100200002' "
                            "ORDER BY household_no LIMIT 1")[0][0]
    existing = cli("household", "list", "-o", "json").json()[0]

    def made(*args: str) -> dict:
        r = cli("--offline", *args, "-o", "json")
        assert r.code == 0, r.err
        return r.json()

    ids = {"existing": existing}
    ids["household"] = made("household", "add", "--grid", "610822100200001", "--household-no", taken_no,
                            "--address", "新建的户1号")
    ids["person"] = made("person", "add", ids["household"]["id"], "--name", "新来的人", "--sex", "female")
    ids["person_edit"] = made("person", "update", ids["person"]["id"], "--phone", "13900000002")
    ids["visit"] = made("visit", "log", ids["household"]["id"], "--purpose", "routine", "--person", ids["person"]["id"])
    ids["report"] = made("incident", "report", "--category", "other", "--title", "新户门口漏水",
                         "--household", ids["household"]["id"])
    ids["accept"] = made("case", "accept", ids["report"]["id"])
    ids["unrelated"] = made("incident", "report", "--category", "other", "--title", "无关的上报")
    # A person whose ID number is already registered (the first is sent and applied at once).
    number, sex = id_number(1)
    assert cli("person", "add", existing["id"], "--name", "甲", "--id-number", number, "--sex", sex).code == 0
    ids["dup"] = made("person", "add", existing["id"], "--name", "乙某", "--id-number", number, "--sex", sex)
    ids["dup_number"] = number
    ids["dup_visit"] = made("visit", "log", existing["id"], "--purpose", "care", "--person", ids["dup"]["id"])
    ids["taken_no"] = taken_no
    synced = cli("sync")
    assert synced.code == 3, synced.err
    return ids


def outbox(cli, *args: str) -> dict[str, dict]:
    """The outbox by entity id and type: {(entity_id, type): item}."""
    return {(i["entity_id"], i["type"]): i for i in cli(*args, "outbox", "list", "-o", "json").json()}
