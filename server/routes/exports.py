"""GET /api/v1/export/{kind}?grid=&reveal= — the register streamed in bulk (``server.services.exports``)."""

from __future__ import annotations

from typing import Annotated, Iterator, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse

from server.deps import current_user, get_engine
from server import params
from server.errors import forbidden, not_found
from server.routes.api import CodeQ
from server.services import audit, exports

# Typed, so /openapi.json says what is accepted and a malformed value answers 422 (DESIGN §14).
Kind = Annotated[Literal[tuple(exports.KINDS)], Path(description="what to export")]  # type: ignore[valid-type]

router = APIRouter(prefix="/api/v1", tags=["export"])


@router.get("/export/{kind}", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": 'JSON lines: {"columns": [...]}, then lists of rows'}})
def export_rows(request: Request, kind: Kind, grid: CodeQ = None, reveal: bool = False,
                user: dict = Depends(current_user), engine=Depends(get_engine)) -> StreamingResponse:
    """Everything of ``kind`` (divisions, grids, households, persons) in the caller's scope.

    ID numbers and phones are masked and special-population data left out unless ``reveal``,
    which only an admin may ask for; a revealed export leaves one audit row naming every record
    it sent (DESIGN 14), written when the stream ends or is cut.
    """
    if kind not in exports.KINDS:
        raise not_found(f"export kind {kind!r}")
    if reveal and user["role"] != "admin":
        raise forbidden("reveal is for admins only", code="reveal_admin_only")
    grid = params.division(grid, "grid")
    if not reveal:
        return StreamingResponse(exports.stream(engine, user, kind, grid=grid, reveal=False),
                                 media_type="application/x-ndjson")
    return StreamingResponse(_audited(engine, user, kind, grid, request), media_type="application/x-ndjson")


def _audited(engine, user: dict, kind: str, grid: str | None, request: Request) -> Iterator[bytes]:
    sent: list[str] = []
    try:
        yield from exports.stream(engine, user, kind, grid=grid, reveal=True, sent=sent)
    finally:
        with engine.begin() as conn:
            audit.audit(conn, user, f"{kind.rstrip('s')}.export_reveal", sent, request, cap=None)
