"""gridctl tui and gridctl dashboard: start the Textual apps (imported only when run)."""

from __future__ import annotations

import typer

from commands.errors import handled
from commands.state import state
from gridctl.i18n import get_lang, t


def register(app: typer.Typer) -> None:
    @app.command("tui", help=t("cli.tui.help"))
    @handled
    def tui() -> int:
        from tui.worker import run

        return run(profile=state.profile, lang=get_lang(), offline=state.offline) or 0

    @app.command("dashboard", help=t("cli.dashboard.help"))
    @handled
    def dashboard(division: str = typer.Option(None, "--division", help=t("cli.opt.division")),
                  refresh: float = typer.Option(30.0, "--refresh", min=2.0, help=t("cli.opt.refresh"))) -> int:
        try:
            from tui.dashboard import run
        except ImportError:
            from gridctl.errors import UsageError

            raise UsageError("cli.dashboard.missing") from None
        return run(profile=state.profile, division=division, refresh=refresh, lang=get_lang()) or 0
