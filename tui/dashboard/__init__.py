"""The town station's live dashboard (`gridctl dashboard`)."""

from __future__ import annotations


def check_division(code: str | None, scope: list[str]) -> str | None:
    """The division to show, checked before the screen opens: a bad --division is a usage
    error with its fix, not an empty dashboard."""
    if code is None:
        if not scope:
            # A unit account's scope is the cases dispatched to it, not a division: there are no
            # figures to show, and an empty division only drew a refusal about code formats.
            from gridctl.errors import Forbidden

            raise Forbidden("figures.no_division", hint_key="figures.no_division.hint")
        return None
    from gridctl.errors import InvalidInput
    from gridctl.i18n import get_lang
    from schemas.validators import InvalidValue, in_scope, normalize_division_code

    example = scope[0] if scope else "610822100"
    try:
        code = normalize_division_code(code, field="division")
    except InvalidValue as exc:
        raise InvalidInput("tui.dashboard.division_invalid", field="division", hint_key="tui.dashboard.division_hint",
                           code=code, reason=exc.message(get_lang()), example=example) from None
    if not in_scope(code, scope):
        raise InvalidInput("tui.dashboard.division_out_of_scope", field="division",
                           hint_key="tui.dashboard.division_hint", code=code, scope=", ".join(scope) or "—",
                           example=example)
    return code


def run(profile: str | None = None, division: str | None = None, refresh: float = 30.0, lang: str | None = None) -> int:
    """Open the dashboard on a profile; returns the process exit code (never a traceback)."""
    import sys

    from gridctl.i18n import set_lang

    set_lang(lang)
    try:
        from gridctl import ops

        client = ops.Client.open(profile)
        # A profile that never logged in says so here, before the screen opens.
        division = check_division(division, list(client.user.get("scope") or []))
    except Exception as exc:
        print(str(exc), file=sys.stderr)
        return getattr(exc, "exit_code", None) or 1
    from tui.dashboard.app import DashboardApp

    app = DashboardApp(client, division=division, refresh=max(2.0, float(refresh)))
    # Everything imported so far lives as long as the process: moved out of the collector's
    # sight, a full collection during a refresh no longer walks it (it was a 100 ms freeze).
    import gc

    gc.freeze()
    try:
        app.run()
    finally:
        client.close()
    return app.return_code or 0
