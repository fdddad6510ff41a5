"""Reading the server's audit trail (admins): ``gridctl audit list`` calls ``list_audit``."""

from __future__ import annotations

from typing import Any

from gridctl.errors import InvalidInput

PAGE = 500


def list_audit(client: Any, *, user: str | None = None, since: str | None = None, limit: int = 200) -> list[dict]:
    """The newest ``limit`` audit rows, filtered by username and/or a start date or time."""
    if since:
        from gridctl.i18n import get_lang
        from schemas.validators import InvalidValue, format_time, parse_time

        try:
            since = format_time(parse_time(since, "--since"))
        except InvalidValue as exc:
            raise InvalidInput("core.error.invalid_field", field="--since", name="--since",
                               text=exc.message(get_lang())) from None
    if limit < 1:
        raise InvalidInput("core.error.invalid_field", field="--limit", name="--limit", text="≥ 1")
    api = client.api
    rows: list[dict] = []
    cursor = None
    while len(rows) < limit:
        params = {k: v for k, v in {"user": user, "since": since, "cursor": cursor,
                                    "limit": min(PAGE, limit - len(rows))}.items() if v is not None}
        page = api.request("GET", "/audit", params=params).json()
        rows += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return rows[:limit]
