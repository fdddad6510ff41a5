"""Snapshots of a unit user's worker app (DESIGN §15), zh and en: the unit's list and a signed,
mediated case with its unit, co-unit and the actions a unit may take. A real offline profile
whose store the test fills, with the core's clock fixed (tests/tui/store_seed.py)."""

from __future__ import annotations

import pytest

from tests.tui.fixed_core import make_case
from tests.tui.store_seed import LAST_PULL, freeze_clock

UNIT_USER = {"username": "unit-zf", "display_name": "城关镇综合执法队值班员", "role": "unit", "scope": [],
             "unit": "610822100-ZF"}


def unit_case(n: int) -> dict:
    case = make_case(n)
    case.pop("sync"), case.pop("overdue")
    at = case["steps"][-1]["at"]
    case.update(level="town", unit="610822100-ZF", co_units=["610822100-TWH"] if n == 0 else [],
                status="dispatched" if n % 2 else "in_progress", satisfaction=None, followed_up_at=None,
                mediations=[])
    case["steps"] = [*case["steps"], {"action": "dispatch", "actor": "station-01", "from_status": "accepted",
                                      "to_status": "dispatched", "from_level": "town", "to_level": "town",
                                      "note": "请执法队现场处置", "at": at, "unit": "610822100-ZF"}]
    if n == 0:
        case["steps"].append({"action": "sign", "actor": "unit-zf", "from_status": "dispatched",
                              "to_status": "in_progress", "from_level": "town", "to_level": "town", "note": None,
                              "at": at})
        case["mediations"] = [{"result": "agreed", "method": "people", "participants": ["王秀兰", "李建军"],
                               "agreement_no": "城调字〔2026〕7号", "note": "双方同意各退一步", "actor": "unit-zf",
                               "at": at}]
    return case


def unit_app(lang: str):
    from gridctl import config, ops
    from tui.worker.app import WorkerApp

    cfg = config.load_config()
    cfg.add_profile("unit", "http://127.0.0.1:9", "unit-zf")
    config.save_config(cfg)
    client = ops.Client.open("unit", offline=True)
    with client.store.transaction() as conn:
        client.store.set_meta("user", UNIT_USER, conn)
        client.store.set_meta("last_pull_at", LAST_PULL.isoformat(), conn)
        for n in range(4):
            client.store.put("case", unit_case(n), conn)
    return WorkerApp(client, lang=lang, offline=True)


async def _loaded(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _open_signed_case(pilot) -> None:
    from tui.worker.case_detail import CaseDetailScreen

    await _loaded(pilot)
    pilot.app.push_screen(CaseDetailScreen(unit_case(0)["id"]))
    await _loaded(pilot)


@pytest.fixture
def frozen(isolated, monkeypatch):
    freeze_clock(monkeypatch)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_cases(snap_compare, frozen, lang):
    assert snap_compare(unit_app(lang), terminal_size=(120, 32), run_before=_loaded)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_case_detail(snap_compare, frozen, lang):
    assert snap_compare(unit_app(lang), terminal_size=(160, 48), run_before=_open_signed_case)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_case_detail_content(frozen, lang):
    """What the snapshot must show, said in words (a snapshot alone would accept any change)."""
    import asyncio

    async def run():
        app = unit_app(lang)
        async with app.run_test(size=(160, 48)) as pilot:
            await _loaded(pilot)
            assert {c["id"] for c in app.screen.cases} == {unit_case(n)["id"] for n in range(4)}
            await _open_signed_case(pilot)
            detail = app.screen
            fields = str(detail.query_one("#detail-fields").render())
            assert "610822100-ZF" in fields and "610822100-TWH" in fields and "城调字〔2026〕7号" in fields
            assert ("调解成功" if lang == "zh" else "Agreed") in fields
            assert set(detail.allowed) == {"resolve", "comment", "mediate"}

    asyncio.run(run())
