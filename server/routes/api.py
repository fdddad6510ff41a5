"""The routes of DESIGN §5: thin functions over the service layer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.engine import Engine

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
)
from server import auth, __version__
from server.deps import bearer_token, current_user, get_engine, get_settings
from server.errors import ApiProblem
from server.services import blobs, records, sync
from server.settings import Settings

router = APIRouter(prefix="/api/v1")
Me = Annotated[dict, Depends(current_user)]
Db = Annotated[Engine, Depends(get_engine)]
Conf = Annotated[Settings, Depends(get_settings)]
Limit = Annotated[int | None, Query(ge=1, le=records.MAX_LIMIT)]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="lowercase hex SHA-256 of the content")]


@router.get("/health", response_model=Health, tags=["meta"])
def health() -> dict:
    return {"status": "ok", "version": __version__}


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
def login(body: TokenRequest, engine: Db, settings: Conf) -> dict:
    try:
        with engine.begin() as conn:
            return auth.login(conn, body.username, body.password, body.device_id, body.device_name, settings)
    except ApiProblem as exc:
        if exc.code == "bad_credentials":
            with engine.begin() as conn:
                auth.record_failure(conn, body.username)
        raise


@router.delete("/auth/token", status_code=204, tags=["auth"])
def logout(engine: Db, token: str = Depends(bearer_token), user: dict = Depends(current_user)) -> Response:
    with engine.begin() as conn:
        auth.revoke(conn, token)
    return Response(status_code=204)


@router.get("/me", response_model=User, tags=["auth"])
def me(user: Me) -> dict:
    return user


@router.get("/divisions", response_model=list[Division], tags=["register"])
def divisions(user: Me, engine: Db, parent: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        return records.list_divisions(conn, user, parent)


@router.get("/units", response_model=list[Unit], tags=["register"])
def units(user: Me, engine: Db, division: Annotated[str | None, Query(pattern=r"^\d{6,15}$")] = None,
          kind: Annotated[str | None, Query(pattern=r"^(department|police|mediation|other)$")] = None) -> list[dict]:
    """Units cases can be dispatched to, serving areas in the caller's scope (DESIGN §15)."""
    with engine.connect() as conn:
        return records.list_units(conn, user, division, kind)


@router.get("/users", response_model=list[UserBrief], tags=["register"])
def users(user: Me, engine: Db,
          role: Annotated[str | None, Query(pattern=r"^(gridworker|village|station|county|admin|unit)$")] = None,
          division: Annotated[str | None, Query(pattern=r"^\d{6,15}$")] = None) -> list[dict]:
    """Who can be assigned within the caller's scope (DESIGN §15)."""
    with engine.connect() as conn:
        return records.list_users(conn, user, role, division)


@router.get("/households", response_model=Page[Household], tags=["register"])
def households(user: Me, engine: Db, grid: str | None = None, q: str | None = None, tag: str | None = None,
               cursor: str | None = None, limit: Limit = None) -> dict:
    with engine.connect() as conn:
        return records.list_households(conn, user, grid=grid, q=q, tag=tag, cursor=cursor, limit=limit)


@router.get("/households/{hid}", response_model=Household, tags=["register"])
def household(hid: str, user: Me, engine: Db) -> dict:
    with engine.connect() as conn:
        return records.get_household(conn, user, hid)


@router.get("/persons", response_model=Page[Person], tags=["register"])
def persons(user: Me, engine: Db, household: str | None = None, q: str | None = None, tag: str | None = None,
            grid: str | None = None, cursor: str | None = None, limit: Limit = None) -> dict:
    with engine.connect() as conn:
        return records.list_persons(conn, user, household=household, q=q, tag=tag, grid=grid, cursor=cursor,
                                    limit=limit)


@router.get("/persons/{pid}", response_model=Person, tags=["register"])
def person(pid: str, user: Me, engine: Db) -> dict:
    with engine.connect() as conn:
        return records.get_person(conn, user, pid)


@router.get("/cases", response_model=Page[Case], tags=["cases"])
def cases(user: Me, engine: Db, status: Annotated[list[str] | None, Query()] = None, level: str | None = None,
          grid: str | None = None, assignee: str | None = None, overdue: bool | None = None,
          category: str | None = None, q: str | None = None, cursor: str | None = None, limit: Limit = None) -> dict:
    with engine.connect() as conn:
        return records.list_cases(conn, user, status=status, level=level, grid=grid, assignee=assignee,
                                  overdue=overdue, category=category, q=q, cursor=cursor, limit=limit)


@router.get("/cases/{ref}", response_model=Case, tags=["cases"])
def case(ref: str, user: Me, engine: Db) -> dict:
    with engine.connect() as conn:
        return records.get_case(conn, user, ref)


@router.get("/visits", response_model=Page[Visit], tags=["register"])
def visits(user: Me, engine: Db, household: str | None = None, worker: str | None = None, since: str | None = None,
           cursor: str | None = None, limit: Limit = None) -> dict:
    with engine.connect() as conn:
        return records.list_visits(conn, user, household=household, worker=worker, since=since, cursor=cursor, limit=limit)


@router.post("/sync/push", response_model=PushResponse, tags=["sync"])
def push(body: PushRequest, user: Me, engine: Db, settings: Conf, request: Request) -> dict:
    lang = "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"
    return sync.push(engine, user, body.device_id, body.mutations, lang, settings=settings)


@router.get("/sync/pull", response_model=PullResponse, tags=["sync"])
def pull(user: Me, engine: Db, cursor: str | None = None,
         limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict:
    return sync.pull(engine, user, cursor, limit)


@router.head("/blobs/{sha256}", tags=["blobs"])
def blob_head(sha256: Sha256, user: Me, engine: Db) -> Response:
    # No body for HEAD, but the headers a GET would carry.
    if blobs.exists(engine, sha256):
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

    created = await run_in_threadpool(blobs.put, engine, sha256, bytes(data))
    return Response(status_code=201 if created else 200)


@router.get("/blobs/{sha256}", tags=["blobs"], response_class=Response)
def blob_get(sha256: Sha256, user: Me, engine: Db) -> Response:
    data, content_type = blobs.get(engine, sha256)
    return Response(content=data, media_type=content_type)
