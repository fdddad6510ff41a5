"""GET /api/v1/export/{kind}?grid=&reveal= — the register streamed in bulk (``server.services.exports``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from server.deps import current_user, get_engine
from server.errors import forbidden, invalid, not_found
from server.services import exports

router = APIRouter(prefix="/api/v1", tags=["export"])


@router.get("/export/{kind}", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": 'JSON lines: {"columns": [...]}, then lists of rows'}})
def export_rows(kind: str, grid: str | None = None, reveal: bool = False, user: dict = Depends(current_user),
                engine=Depends(get_engine)) -> StreamingResponse:
    """Everything of ``kind`` (divisions, grids, households, persons) in the caller's scope.

    ID numbers and phones are masked and special-population data left out unless ``reveal``,
    which only an admin may ask for.
    """
    if kind not in exports.KINDS:
        raise not_found(f"export kind {kind!r}")
    if reveal and user["role"] != "admin":
        raise forbidden("reveal is for admins only", code="reveal_admin_only")
    if grid is not None and not grid.isdigit():
        raise invalid("grid", "a grid or division code has digits only")
    return StreamingResponse(exports.stream(engine, user, kind, grid=grid, reveal=reveal),
                             media_type="application/x-ndjson")
