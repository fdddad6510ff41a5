"""GET /api/v1/export/{kind}?grid=&reveal= — the register streamed in bulk (``server.services.exports``)."""

from __future__ import annotations

from typing import Annotated, Iterator, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse

from server.deps import current_user, get_engine
from server import params
from server.errors import forbidden, not_found
from server.routes.api import CodeQ, IdQ, TagQ, TextQ
from server.services import audit, exports

# Typed, so /openapi.json says what is accepted and a malformed value answers 422 (DESIGN §14).
Kind = Annotated[Literal[tuple(exports.KINDS)], Path(description="what to export")]  # type: ignore[valid-type]

router = APIRouter(prefix="/api/v1", tags=["export"])


@router.get("/export/{kind}", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": 'JSON lines: {"columns": [...]}, then lists of rows'}})
def export_rows(request: Request, kind: Kind, grid: CodeQ = None, reveal: bool = False, q: TextQ = None,
                tag: TagQ = None, household: IdQ = None,
                user: dict = Depends(current_user), engine=Depends(get_engine)) -> StreamingResponse:
    """Everything of ``kind`` (divisions, grids, households, persons) in the caller's scope; ``q``,
    ``tag`` (households, persons) and ``household`` (persons) filter as the list endpoints do, and
    the first line names the filters applied (``"filters"``), so that a client can tell a server
    that knows them from one that would ignore them.

    ID numbers and phones are masked and special-population data left out unless ``reveal``,
    which only an admin may ask for; a revealed export leaves one audit row naming every record
    it sent (DESIGN 14), written when the stream ends or is cut. Filtering by a special
    population (DESIGN 17) is itself revealing: it needs ``reveal``.
    """
    if kind not in exports.KINDS:
        raise not_found(f"export kind {kind!r}")
    if reveal and user["role"] != "admin":
        raise forbidden("reveal is for admins only", code="reveal_admin_only")
    grid = params.division(grid, "grid")
    filters = {k: v for k, v in (("q", params.text(q, "q")), ("tag", params.tag(tag)),
                                 ("household", params.text(household, "household"))) if v}
    # A filter that does not apply to ``kind`` (q on grids) is not applied, and the first line,
    # which names the filters applied, says so: the one request schema serves every kind.
    filters = {k: v for k, v in filters.items() if k in exports.FILTERS[kind]}
    if filters.get("tag") in exports.SENSITIVE_TAGS and not reveal:
        raise forbidden("exporting by a special population needs reveal (admins only)",
                        code="sensitive_tag_needs_reveal")
    if not reveal:
        return StreamingResponse(exports.stream(engine, user, kind, grid=grid, reveal=False, filters=filters),
                                 media_type="application/x-ndjson")
    return StreamingResponse(_audited(engine, user, kind, grid, filters, request), media_type="application/x-ndjson")


def _audited(engine, user: dict, kind: str, grid: str | None, filters: dict, request: Request) -> Iterator[bytes]:
    sent: list[str] = []
    try:
        yield from exports.stream(engine, user, kind, grid=grid, reveal=True, sent=sent, filters=filters)
    finally:
        with engine.begin() as conn:
            audit.audit(conn, user, f"{kind.rstrip('s')}.export_reveal", sent, request, cap=None)
