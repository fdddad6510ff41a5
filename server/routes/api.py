"""The routes of DESIGN §5: thin functions over the service layer."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.engine import Engine

from schemas import codes
from schemas.models import (
    Case,
    Division,
    Health,
    Household,
    Page,
    Person,
    PullResponse,
    PushRequest,
    PushResponse,
    TokenRequest,
    TokenResponse,
    Unit,
    User,
    UserBrief,
    Visit,
    AuditEntry,
    Level,
    Status,
)
from server import auth, __version__
from server import params
from server.deps import bearer_token, current_user, get_engine, get_settings, require_admin
from server.errors import ApiProblem
from server.deps import client_address
from server.services import audit, blobs, login_limits, records, special, sync
from server.settings import Settings

router = APIRouter(prefix="/api/v1")
Me = Annotated[dict, Depends(current_user)]
Db = Annotated[Engine, Depends(get_engine)]
Conf = Annotated[Settings, Depends(get_settings)]
Limit = Annotated[int | None, Query(ge=1, le=records.MAX_LIMIT)]
# Query parameters are typed and bounded here, so /openapi.json says what each accepts and a
# malformed one answers 422 before any service or SQL sees it (DESIGN §14).
CODE_PATTERN = r"^[0-9]{6}(?:[0-9]{3}){0,3}$"
CodeQ = Annotated[str | None, Query(pattern=CODE_PATTERN, max_length=15, description="a division or grid code")]
# No control characters or direction overrides (the Guard middleware refuses controls anywhere).
PLAIN = r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
TextQ = Annotated[str | None, Query(max_length=100, pattern=PLAIN)]
IdQ = Annotated[str | None, Query(max_length=64, pattern=PLAIN)]
IdPath = Annotated[str, Path(max_length=64, pattern=PLAIN, description="the record's id")]
# ':' joins txid and seq in a pull cursor on PostgreSQL (server/feed.py format_position).
CursorQ = Annotated[str | None, Query(max_length=records.MAX_CURSOR, pattern=r"^[A-Za-z0-9_.:=-]*$",
                                      description="opaque, from next_cursor")]
TagQ = Annotated[Literal[tuple(codes.TAGS)] | None, Query()]  # type: ignore[valid-type]
CategoryQ = Annotated[Literal[tuple(codes.CATEGORIES)] | None, Query()]  # type: ignore[valid-type]


def _date_text(value):
    # Without this, pydantic reads "123" as a Unix timestamp: a since that means nothing anyone typed.
    if isinstance(value, str) and not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a date such as 2026-11-22 or an RFC 3339 time")
    return value


SinceQ = Annotated[date | datetime | None, BeforeValidator(_date_text),
                   Query(description="a date (from the start of that day, +08:00) or an RFC 3339 time")]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="lowercase hex SHA-256 of the content")]


@router.get("/health", response_model=Health, tags=["meta"])
def health() -> dict:
    return {"status": "ok", "version": __version__}


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
def login(body: TokenRequest, engine: Db, settings: Conf, request: Request) -> dict:
    # Counted in the database before the password is checked: at most the limit of attempts
    # get through, however many arrive at once and whichever server process takes them.
    address = client_address(request)
    login_limits.reserve(engine, body.username, address, settings)
    try:
        with engine.begin() as conn:
            result = auth.login(conn, body.username, body.password, body.device_id, body.device_name, settings)
    except ApiProblem as exc:
        if exc.status == 401:
            login_limits.fail(engine, body.username, address, settings)
        else:
            login_limits.release(engine, body.username, address, settings)
        raise
    except BaseException:
        login_limits.release(engine, body.username, address, settings)
        raise
    login_limits.release(engine, body.username, address, settings)
    return result


@router.delete("/auth/token", status_code=204, tags=["auth"])
def logout(engine: Db, token: str = Depends(bearer_token), user: dict = Depends(current_user)) -> Response:
    with engine.begin() as conn:
        auth.revoke(conn, token)
    return Response(status_code=204)


@router.get("/me", response_model=User, tags=["auth"])
def me(user: Me) -> dict:
    return user


@router.get("/divisions", response_model=list[Division], tags=["register"])
def divisions(user: Me, engine: Db, parent: CodeQ = None) -> list[dict]:
    with engine.connect() as conn:
        return records.list_divisions(conn, user, parent)


def _audited(engine: Engine, user: dict, request: Request, entity: str, items: list[dict], *, listing: bool,
             reveal: bool = False) -> None:
    """One audit row for a response that carries full ID numbers or special-population people
    (DESIGN 17), or answers an export with reveal; the row names each such record once."""
    carried = [i for i in items if audit.carries_full_id(entity, i)]
    sensitive = set(special.special_ids(items)) if entity == "person" else set()
    if reveal:
        action, ids = f"{entity}.export_reveal", [i["id"] for i in items]
    elif carried:
        full = {i["id"] for i in carried}
        action = f"{entity}.{'list' if listing else 'read'}_full_id"
        ids = [i["id"] for i in items if i["id"] in full or i["id"] in sensitive]
    elif sensitive:
        action, ids = special.READ, [i["id"] for i in items if i["id"] in sensitive]
    else:
        return
    with engine.begin() as conn:
        audit.audit(conn, user, action, ids, request)


def _check_reveal(user: dict, reveal: bool) -> None:
    if reveal and user["role"] != "admin":
        raise ApiProblem(403, "Forbidden", "only an admin may reveal ID numbers and phones", code="forbidden",
                         says=("", "auth.reveal_admin_only", {}))


Reveal = Annotated[bool, Query(description="admin exports that reveal ID numbers and phones: audited")]


@router.get("/units", response_model=list[Unit], tags=["register"])
def units(user: Me, engine: Db, division: CodeQ = None,
          kind: Annotated[str | None, Query(pattern=r"^(department|police|mediation|other)$")] = None) -> list[dict]:
    """Units cases can be dispatched to, serving areas in the caller's scope (DESIGN §15)."""
    with engine.connect() as conn:
        return records.list_units(conn, user, division, kind)


@router.get("/users", response_model=list[UserBrief], tags=["register"])
def users(user: Me, engine: Db,
          role: Annotated[str | None, Query(pattern=r"^(gridworker|village|station|county|admin|unit)$")] = None,
          division: CodeQ = None) -> list[dict]:
    """Who can be assigned within the caller's scope (DESIGN §15)."""
    with engine.connect() as conn:
        return records.list_users(conn, user, role, division)


@router.get("/households", response_model=Page[Household], tags=["register"])
def households(user: Me, engine: Db, request: Request, grid: CodeQ = None, q: TextQ = None,
               tag: TagQ = None, cursor: CursorQ = None, limit: Limit = None, reveal: Reveal = False) -> dict:
    _check_reveal(user, reveal)
    with engine.connect() as conn:
        page = records.list_households(conn, user, grid=grid, q=q, tag=tag, cursor=cursor, limit=limit)
    _audited(engine, user, request, "household", page["items"], listing=True, reveal=reveal)
    return page


@router.get("/households/{hid}", response_model=Household, tags=["register"])
def household(hid: IdPath, user: Me, engine: Db) -> dict:
    with engine.connect() as conn:
        return records.get_household(conn, user, hid)


@router.get("/persons", response_model=Page[Person], tags=["register"])
def persons(user: Me, engine: Db, request: Request, household: IdQ = None, q: TextQ = None,
            tag: TagQ = None, grid: CodeQ = None, cursor: CursorQ = None, limit: Limit = None,
            reveal: Reveal = False) -> dict:
    _check_reveal(user, reveal)
    with engine.connect() as conn:
        page = records.list_persons(conn, user, household=household, q=q, tag=tag, grid=grid, cursor=cursor,
                                    limit=limit)
    _audited(engine, user, request, "person", page["items"], listing=True, reveal=reveal)
    return page


@router.get("/persons/{pid}", response_model=Person, tags=["register"])
def person(pid: IdPath, user: Me, engine: Db, request: Request) -> dict:
    with engine.connect() as conn:
        found = records.get_person(conn, user, pid)
    _audited(engine, user, request, "person", [found], listing=False)
    return found


@router.get("/cases", response_model=Page[Case], tags=["cases"])
def cases(user: Me, engine: Db, request: Request, status: Annotated[list[Status] | None, Query()] = None,
          level: Level | None = None, grid: CodeQ = None, assignee: IdQ = None, overdue: bool | None = None,
          category: CategoryQ = None, q: TextQ = None, cursor: CursorQ = None, limit: Limit = None,
          reveal: Reveal = False) -> dict:
    _check_reveal(user, reveal)
    with engine.connect() as conn:
        page = records.list_cases(conn, user, status=status, level=level, grid=grid, assignee=assignee,
                                  overdue=overdue, category=category, q=q, cursor=cursor, limit=limit)
    _audited(engine, user, request, "case", page["items"], listing=True, reveal=reveal)
    return page


@router.get("/cases/{ref}", response_model=Case, tags=["cases"])
def case(ref: IdPath, user: Me, engine: Db, request: Request) -> dict:
    with engine.connect() as conn:
        found = records.get_case(conn, user, ref)
    _audited(engine, user, request, "case", [found], listing=False)
    return found


@router.get("/visits", response_model=Page[Visit], tags=["register"])
def visits(user: Me, engine: Db, request: Request, household: IdQ = None, worker: IdQ = None,
           since: SinceQ = None, cursor: CursorQ = None, limit: Limit = None, reveal: Reveal = False) -> dict:
    _check_reveal(user, reveal)
    with engine.connect() as conn:
        page = records.list_visits(conn, user, household=household, worker=worker, since=since, cursor=cursor,
                                   limit=limit)
    _audited(engine, user, request, "visit", page["items"], listing=True, reveal=reveal)
    return page


@router.post("/sync/push", response_model=PushResponse, tags=["sync"])
def push(body: PushRequest, user: Me, engine: Db, settings: Conf, request: Request) -> dict:
    lang = "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"
    result = sync.push(engine, user, body.device_id, body.mutations, lang, settings=settings)
    # A conflicting person.upsert answers with the person as stored: a read like any other, so a
    # special-population person or a full ID number in it is audited (DESIGN 14, 17).
    people = [r["current"] for m, r in zip(body.mutations, result["results"])
              if m.type == "person.upsert" and r.get("status") == "conflict" and isinstance(r.get("current"), dict)]
    _audited(engine, user, request, "person", people, listing=True)
    return result


@router.get("/sync/pull", response_model=PullResponse, tags=["sync"])
def pull(user: Me, engine: Db, request: Request, cursor: CursorQ = None,
         limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict:
    result = sync.pull(engine, user, cursor, limit)
    carried = [c["id"] for c in result["changes"] if audit.carries_full_id(c["entity"], c.get("data"))]
    # DESIGN 17: the feed carries special-population people too; still one row per response.
    sensitive = special.special_ids(c.get("data") for c in result["changes"] if c["entity"] == "person")
    if carried or sensitive:
        with engine.begin() as conn:
            audit.audit(conn, user, "sync.pull_full_id" if carried else special.READ,
                        list(dict.fromkeys(carried + sensitive)), request)
    return result


@router.get("/audit", response_model=Page[AuditEntry], tags=["audit"])
def audit_list(engine: Db, user: Annotated[dict, Depends(require_admin)], user_: Annotated[
        str | None, Query(alias="user", max_length=64, pattern=PLAIN, description="only this username")] = None,
        since: SinceQ = None, cursor: CursorQ = None, limit: Limit = None) -> dict:
    """The audit trail, newest first (admin only)."""
    who, since = params.text(user_, "user", 64), params.since(since)
    with engine.connect() as conn:
        return audit.list_rows(conn, user=who, since=since, cursor=cursor, limit=limit)


@router.head("/blobs/{sha256}", tags=["blobs"])
def blob_head(sha256: Sha256, user: Me, engine: Db) -> Response:
    # No body for HEAD, but the headers a GET would carry.
    if blobs.exists(engine, user, sha256):
        return Response(status_code=200, media_type="application/octet-stream")
    return Response(status_code=404, media_type="application/problem+json")


@router.put("/blobs/{sha256}", status_code=201, tags=["blobs"],
            responses={200: {"description": "already stored"}, 201: {"description": "stored"}})
async def blob_put(sha256: Sha256, request: Request, user: Me, engine: Db) -> Response:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > blobs.MAX_BYTES:
            raise ApiProblem(413, "Payload Too Large", "a photo may be at most 10 MB", code="too_large")
    from starlette.concurrency import run_in_threadpool

    created = await run_in_threadpool(blobs.put, engine, user, sha256, bytes(data))
    return Response(status_code=201 if created else 200)


@router.get("/blobs/{sha256}", tags=["blobs"], response_class=Response)
def blob_get(sha256: Sha256, user: Me, engine: Db) -> Response:
    data, content_type = blobs.get(engine, user, sha256)
    # Even opened in a browser, a stored file can run nothing and load nothing.
    return Response(content=data, media_type=content_type,
                    headers={"Content-Security-Policy": "default-src 'none'; sandbox"})
