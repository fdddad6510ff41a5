"""The town station's live dashboard (`gridctl dashboard`)."""

from __future__ import annotations


def run(profile: str | None = None, division: str | None = None, refresh: float = 30.0, lang: str | None = None) -> int:
    """Open the dashboard on a profile; returns the process exit code (never a traceback)."""
    import sys

    from gridctl.i18n import set_lang

    set_lang(lang)
    try:
        from gridctl import ops

        client = ops.Client.open(profile)
        client.user  # a profile that never logged in says so here, before the screen opens
    except Exception as exc:
        code = getattr(exc, "exit_code", None)
        print(str(exc), file=sys.stderr)
        return code or 1
    from tui.dashboard.app import DashboardApp

    app = DashboardApp(client, division=division, refresh=refresh)
    app.run()
    return app.return_code or 0
