"""Reads of the governance index and the periodic report's data (DESIGN §16).

Both are computed by the server over the whole division (no local cache holds the county), so
they need it online. Parameters are checked here first so a bad flag is named before any
request is made.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from gridctl.errors import InvalidInput
from gridctl.ops.client import Client

LEVELS = ("grid", "village", "town", "worker")
PERIODS = ("week", "month", "quarter")
CODE_LENGTH = {"town": 9, "village": 12, "grid": 15}  # division code digits at each level
REPORT_PERIODS = {"weekly": "week", "monthly": "month"}
FIRST_DAY = date(2000, 1, 1)  # no case or visit is dated before (DESIGN 14)


def _params(division: str | None, at: str | None, now: datetime | None = None, **more: str | None) -> dict:
    from schemas.validators import CST, InvalidValue, level_of_code

    params = {k: v for k, v in more.items() if v is not None}
    if division is not None:
        try:
            level_of_code(division, field="division")
        except InvalidValue:
            raise InvalidInput("governance.error.division", field="division", hint_key="governance.hint.division",
                               value=division) from None
        params["division"] = division.strip()
    if at is not None:
        try:
            day = date.fromisoformat(at.strip())
        except ValueError:
            raise InvalidInput("governance.error.at", field="at", hint_key="governance.hint.at", value=at) from None
        today = (now or datetime.now(timezone.utc)).astimezone(CST).date()
        if not FIRST_DAY <= day <= today:
            # The server refuses it too; said here first, naming the flag.
            raise InvalidInput("governance.error.at_range", field="at", hint_key="governance.hint.at_range",
                               value=day.isoformat(), first=FIRST_DAY.isoformat(), today=today.isoformat())
        params["at"] = day.isoformat()
    return params


def governance_index(client: Client, *, division: str | None = None, level: str = "grid", period: str = "month",
                     at: str | None = None) -> dict:
    """The ranked index: ``{division, level, period, start, end, weights, items: [{rank, code, name,
    score, components, rank_change, score_change, ...}]}`` (server/services/index.py)."""
    if level not in LEVELS:
        raise InvalidInput("governance.error.level", field="level", hint_key="governance.hint.level", value=level)
    if period not in PERIODS:
        raise InvalidInput("governance.error.period", field="period", hint_key="governance.hint.period", value=period)
    params = _params(division, at, client.now(), level=level, period=period)
    code = params.get("division") or next(iter(client.user.get("scope") or []), "")
    if level in CODE_LENGTH and code.isdigit() and len(code) > CODE_LENGTH[level]:
        # The server refuses it too ("level"); said here first, naming --by and what fits.
        from gridctl.i18n import get_lang
        from schemas.codes import label

        fits = [lvl for lvl in LEVELS if lvl == "worker" or CODE_LENGTH[lvl] >= len(code)]
        raise InvalidInput("centre.index.level_above", field="level", hint_key="centre.hint.level_above",
                           code=code, level=label("level", level, get_lang()), levels=", ".join(fits))
    return _get(client, "/stats/index", params)


def _get(client: Client, path: str, params: dict) -> dict:
    from gridctl.errors import NotFound

    try:
        return client.api.request("GET", path, params=params).json()
    except NotFound:
        # The only thing these reads look up is the division: name it, and the codes that would do.
        scope = ", ".join(client.user.get("scope") or []) or "—"
        raise NotFound("core.ref.not_found", field="division", hint_key="centre.hint.division",
                       ref=params.get("division", ""), scope=scope) from None


def report_data(client: Client, kind: str, *, division: str | None = None, at: str | None = None) -> dict:
    """The data of the weekly or monthly report (server/services/report.py)."""
    if kind not in REPORT_PERIODS:
        raise InvalidInput("governance.error.report_kind", field="kind", value=kind)
    params = _params(division, at, client.now(), period=REPORT_PERIODS[kind])
    return _get(client, "/stats/report", params)


def write_report(client: Client, kind: str, out: str, *, division: str | None = None, at: str | None = None,
                 lang: str = "zh") -> dict:
    """Fetch the report's data and write it to ``out`` (.xlsx or .html, by its suffix); returns the data."""
    suffix = out.lower().rsplit(".", 1)[-1] if "." in out else ""
    if suffix not in ("xlsx", "html", "htm"):
        raise InvalidInput("report.error.out", field="out", hint_key="report.hint.out", value=out)
    data = report_data(client, kind, division=division, at=at)
    try:
        if suffix == "xlsx":
            from gridctl.report_xlsx import write_xlsx

            write_xlsx(data, out, lang)
        else:
            from gridctl.report_html import write_html

            write_html(data, out, lang)
    except OSError as exc:
        # ``detail`` is the error's own suffix, not a parameter of the text: name it ``reason``.
        raise InvalidInput("report.error.write", field="out", path=out, reason=exc.strerror or str(exc)) from None
    return data
