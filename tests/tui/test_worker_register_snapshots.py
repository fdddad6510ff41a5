"""Snapshots of the household screen (members, a special population with its risk level, one
moved out shown with 'a'), zh and en, from a fixed offline store and a fixed clock. Update after
an intended change with `pytest tests/tui --snapshot-update` and review the SVGs."""

from __future__ import annotations

import pytest

from tests.tui.store_seed import freeze_clock, seeded_client

HOUSEHOLD = {"id": "0193a5c2-7b1e-7c4d-9a10-00000000a001", "household_no": "610822100200001-0042",
             "grid_code": "610822100200001", "address": "府兴路12号院3单元", "lat": None, "lon": None,
             "head_person_id": "0193a5c2-7b1e-7c4d-9a10-00000000b001", "version": 2}


def _person(n: int, name: str, relation: str, sex: str, birth: str, tags=(), **extra) -> dict:
    return {"id": f"0193a5c2-7b1e-7c4d-9a10-00000000b00{n}", "household_id": HOUSEHOLD["id"],
            "grid_code": HOUSEHOLD["grid_code"], "name": name, "id_number": "6108**********123X", "sex": sex,
            "birth_date": birth, "phone": None, "relation_to_head": relation, "residence": "registered",
            "tags": list(tags), "key_person_type": None, "care_level": None, "version": 1, "status": "active",
            "moved_to": None, "status_date": None, "risk_level": None, **extra}


PEOPLE = [
    _person(1, "王建国", "head", "male", "1956-03-02", ["elderly_alone", "veteran"]),
    _person(2, "李秀英", "spouse", "female", "1958-07-19", ["severe_mental"], risk_level=3),
    _person(3, "王磊", "son", "male", "1985-11-30", status="moved_out", moved_to="西安市雁塔区",
            status_date="2026-10-08"),
]


def _app(lang: str):
    from tui.worker.app import WorkerApp

    client = seeded_client(0, profile=f"register-{lang}")
    with client.store.transaction() as conn:
        client.store.put("household", HOUSEHOLD, conn)
        for p in PEOPLE:
            client.store.put("person", p, conn)
    return WorkerApp(client, lang=lang, offline=True)


async def _open(pilot, show_all: bool = False) -> None:
    from tui.worker.households import HouseholdScreen

    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    pilot.app.push_screen(HouseholdScreen(HOUSEHOLD["id"]))
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    if show_all:
        await pilot.press("a")
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_household_screen(snap_compare, isolated, monkeypatch, lang):
    freeze_clock(monkeypatch)
    assert snap_compare(_app(lang), terminal_size=(120, 30), run_before=_open)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_household_screen_everyone(snap_compare, isolated, monkeypatch, lang):
    freeze_clock(monkeypatch)

    async def everyone(pilot):
        await _open(pilot, show_all=True)

    assert snap_compare(_app(lang), terminal_size=(120, 30), run_before=everyone)
