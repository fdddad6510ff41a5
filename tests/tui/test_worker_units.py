"""The worker app's pure rules: form parsing, case ordering and filtering, visit priorities."""

from datetime import timedelta

import pytest

from gridctl import i18n
from schemas.validators import make_id_number
from datetime import date
from tui.common.i18n import fmt_age, fmt_time
from tui.worker.cases import due_sort_key, matches
from tui.worker.forms import FormError, parse_optional_date, parse_parties, parse_photos
from tui.worker.sync_screen import describe_server, server_side
from tui.worker.visits import due_sort_key as visit_key
from tests.tui.helpers import async_test


@pytest.fixture(autouse=True)
def english():
    i18n.set_lang("en")
    yield
    i18n.set_lang(None)


def test_parties_split_names_ids_and_phones():
    idn = make_id_number("610822", date(1980, 5, 1), 123)
    parties = parse_parties(f"王五,{idn},13800001111；李四, 0912-1234567\n赵六")
    assert parties == [
        {"name": "王五", "id_number": idn, "phone": "13800001111"},
        {"name": "李四", "phone": "0912-1234567"},
        {"name": "赵六"},
    ]


def test_a_bad_party_says_which_one_and_why():
    with pytest.raises(FormError) as err:
        parse_parties("王五,13800001111; 李四,123")
    assert "Party 2 (李四)" in str(err.value)
    assert err.value.widget == "#report-parties"


def test_a_bad_id_number_is_refused_not_kept():
    with pytest.raises(FormError, match="Party 1"):
        parse_parties("王五,610822198005011230")


def test_photos_must_exist(tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"\xff\xd8\xff")
    assert parse_photos(f"{photo}; ") == [str(photo)]
    with pytest.raises(FormError, match="not found"):
        parse_photos(str(tmp_path / "missing.jpg"))


def test_dates_are_checked():
    assert parse_optional_date(" 2026-12-01 ", "#x") == "2026-12-01"
    assert parse_optional_date("", "#x") is None
    with pytest.raises(FormError, match="YYYY-MM-DD"):
        parse_optional_date("next tuesday", "#x")


def test_cases_sort_by_due_with_undated_last():
    cases = [{"id": "c", "due_at": None}, {"id": "b", "due_at": "2026-11-23T09:00:00+08:00"},
             {"id": "a", "due_at": "2026-11-22T09:00:00+08:00"}]
    assert [c["id"] for c in sorted(cases, key=due_sort_key)] == ["a", "b", "c"]


def test_filter_matches_labels_in_the_users_language_and_codes():
    case = {"id": "x", "title": "Wall cracks", "status": "reported", "level": "grid",
            "category": "safety_hazard", "overdue": True}
    assert matches(case, "safety")
    assert matches(case, "overdue wall")
    assert matches(case, "reported grid")
    assert not matches(case, "closed")
    i18n.set_lang("zh")
    assert matches(case, "安全隐患 待受理")
    assert matches(case, "超期")


def test_elderly_living_alone_come_first():
    items = [{"household_no": "2", "tags": ["disabled"]}, {"household_no": "3"},
             {"household_no": "1", "tags": ["low_income", "elderly_alone"]}]
    assert [i["household_no"] for i in sorted(items, key=visit_key)] == ["1", "2", "3"]


def test_conflict_shows_the_servers_side():
    item = {"result": {"status": "conflict", "current": {"status": "accepted", "version": 3}}}
    assert server_side(item) == {"status": "accepted", "version": 3}
    assert "Accepted" in describe_server(server_side(item))
    assert server_side({"result": None}) is None


def test_times_show_in_china_time_and_ages_are_coarse():
    assert fmt_time("2026-11-22T01:30:00Z") == "2026-11-22 09:30"
    assert fmt_time(None) == ""
    assert fmt_age(None) == "never synced"
    assert fmt_age(timedelta(seconds=30)) == "just now"
    assert fmt_age(timedelta(minutes=5, seconds=10)) == "5 min ago"
    assert fmt_age(timedelta(hours=3)) == "3 h ago"
    assert fmt_age(timedelta(days=2)) == "2 d ago"


def test_no_color_is_honoured(monkeypatch):
    from textual.filter import Monochrome, NoColor

    from tests.tui.fixed_core import fixed_app

    monkeypatch.setenv("NO_COLOR", "1")
    app = fixed_app("en")
    assert app.no_color
    assert any(isinstance(f, (Monochrome, NoColor)) for f in app._filters)


@async_test
async def test_palette_lists_every_app_action():
    from tests.tui.fixed_core import fixed_app

    app = fixed_app("en")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"My cases", "Report", "Log visit", "Visits due", "Sync", "Sync now", "Help", "Quit",
                "Refresh", "Filter"} <= titles
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Case action: Accept" in titles


@async_test
async def test_bindings_have_ids_and_translated_descriptions():
    from tests.tui.fixed_core import fixed_app

    app = fixed_app("zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for node in (app, app.screen):
            for binding in type(node).BINDINGS:
                assert binding.id, f"binding {binding.key} of {type(node).__name__} has no id"
            for _key, binding in node._bindings:
                assert not binding.description.startswith("tui."), binding.description
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        assert "筛选" in str(app.screen.query_one("#help-keys").render())
