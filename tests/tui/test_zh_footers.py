"""Chinese footers and key lists (issue 8, item 12): no binding description in English, ours
or Textual's ("esc Dismiss menu", "^p palette"), on every worker screen and the dashboard."""

from __future__ import annotations

import re

from textual.widgets import Select
from textual.widgets._footer import FooterKey

from tests.tui.fixed_core import fixed_app
from tests.tui.helpers import async_test, settle
from tui.common.footer import textual_text

_LATIN = re.compile(r"[A-Za-z]{2,}")


def footer_texts(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if key.description]


def binding_texts(app) -> list[str]:
    # Shown ones (hidden ones, Textual's scrolling keys, appear nowhere on screen), as the
    # footer words them: a Textual text missing from its table would stay English.
    return [textual_text(b.description) for _k, (_n, b, _e, _t) in app.screen.active_bindings.items() if b.description and b.show]


def english(texts) -> list[str]:
    return [text for text in texts if _LATIN.search(text)]


async def check(app, pilot, where: str, seen: dict) -> None:
    await pilot.pause()
    texts = footer_texts(app)
    assert texts, f"{where}: no footer keys"
    seen[where] = english(texts + binding_texts(app))


@async_test
async def test_every_worker_screen_footer_is_chinese():
    app = fixed_app("zh")
    seen: dict[str, list[str]] = {}
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await check(app, pilot, "cases", seen)
        await pilot.press("enter")
        await settle(app, pilot)
        await check(app, pilot, "case", seen)
        await pilot.press("a")
        await check(app, pilot, "case actions", seen)
        await pilot.press("escape")
        await settle(app, pilot)
        for key, where in (("n", "report"), ("v", "visit"), ("d", "visits due"), ("s", "sync")):
            await pilot.press(key)
            await settle(app, pilot)
            await check(app, pilot, where, seen)
            if where == "report":
                # An open Select list brings Textual's own "Dismiss menu" binding.
                select = app.screen.query(Select).first()
                select.focus()
                await pilot.press("enter")
                await pilot.pause()
                assert select.expanded
                await check(app, pilot, "report, open list", seen)
                assert "收起列表" in footer_texts(app)
                await pilot.press("escape")
            await pilot.press("c")
            await settle(app, pilot)
    assert {where: found for where, found in seen.items() if found} == {}
    assert len(seen) == 8


@async_test
async def test_dashboard_footer_is_chinese_including_the_palette_key():
    from gridctl.i18n import set_lang
    from tests.tui.test_dashboard import FixedClient, FixedSource, wait_loaded
    from tui.dashboard.app import DashboardApp

    set_lang("zh")
    try:
        app = DashboardApp(FixedClient(), source=FixedSource(), auto_refresh=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_loaded(app, pilot)
            for _ in range(100):  # the footer composes its keys once the bindings settle
                texts = footer_texts(app)
                if texts:
                    break
                await pilot.pause(0.05)
            assert "命令面板" in texts  # Textual's own "palette"
            assert not english(texts), texts
    finally:
        set_lang(None)
