"""The grid worker's Textual app (`gridctl tui`)."""

from __future__ import annotations


def run(profile: str | None = None, lang: str | None = None, offline: bool = False) -> int:
    """Open the worker app on a profile; returns the process exit code.

    The profile is opened before the terminal switches to full screen, so a missing login is a
    plain message with its fix (exit 4), not a broken screen.
    """
    import sys

    from gridctl.i18n import set_lang

    set_lang(lang)
    try:
        from tui.worker.core import Core

        core = Core.open(profile, offline=offline)
    except Exception as exc:
        # A GridctlError carries its exit code and a message naming the fix (e.g. log in first).
        code = getattr(exc, "exit_code", None)
        if code is None:
            from gridctl.i18n import t

            print(t("tui.unexpected", error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
            return 1
        print(str(exc), file=sys.stderr)
        return code
    from tui.worker.app import WorkerApp

    app = WorkerApp(core.client, lang=lang, offline=offline)
    app.run()
    return app.return_code or 0
