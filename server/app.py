"""The FastAPI application: routers, and problem+json for every error."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server import __version__
from server.errors import ApiProblem, request_lang
from server.settings import Settings

PROBLEM = "application/problem+json"
log = logging.getLogger("gridctl.server")


def _problem(status: int, title: str, detail: str | None = None, errors=None, code=None, headers=None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body["errors"] = errors or []
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def create_app(db_url: str = "sqlite:///gridctl-server.db", *, settings: Settings | None = None, engine=None,
               migrate: bool = True) -> FastAPI:
    """The app over ``db_url``. ``settings`` default to GRIDCTL_SERVER_SETTINGS or DESIGN's values.

    ``migrate``: make or upgrade the schema first (server/migrate.py); False only checks that the
    database is at the head and raises ``server.migrate.SchemaOutdated`` if not.
    """
    from server import migrate as schema

    app = FastAPI(title="gridctl reference backend", version=__version__,
                  description="The HTTP API of DESIGN §5: grid governance cases, visits, register, sync.")
    app.state.engine = engine or schema.open_engine(db_url)
    app.state.settings = settings if settings is not None else Settings.from_env()
    if migrate:
        found = schema.upgrade(app.state.engine)
        if schema.predates_alerts(found):
            from server.services.alerts import rebuild

            # Alerts follow mutations and their timers; data older than the alert tables has
            # neither: derive its alerts once, as for the demo seed (DESIGN 13: nothing lost).
            rebuild(app.state.engine, dict(app.state.settings.visit_frequency_days))
    else:
        schema.check(app.state.engine)

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem):
        detail, errors = exc.worded(request_lang(request))
        return _problem(exc.status, exc.title, detail, errors, exc.code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors():
            raw = list(e.get("loc", ()))
            if raw and raw[0] in ("query", "path", "header"):
                raw = raw[:2]  # a parameter's name, not the union member that failed (since.date)
            loc = [str(p) for p in raw if p not in ("body", "query", "path", "header")]
            errors.append({"field": ".".join(loc) or "body", "message": str(e.get("msg", "")).removeprefix("Value error, ")})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem(422, "Invalid input", detail, errors, "invalid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Several routes share a path (HEAD/GET/PUT of a blob): allow what all of them allow.
            def leaves(routes):
                for route in routes:
                    inner = getattr(route, "original_router", route)  # FastAPI wraps included routers
                    nested = getattr(inner, "routes", None)
                    if nested is not None and not hasattr(inner, "methods"):
                        yield from leaves(nested)
                    else:
                        yield inner

            methods = set()
            for route in leaves(app.router.routes):
                regex = getattr(route, "path_regex", None)
                if regex is not None and regex.match(request.url.path):
                    methods |= set(getattr(route, "methods", ()) or ())
            if methods:
                headers["Allow"] = ", ".join(sorted(methods))
        title = "Not Found" if exc.status_code == 404 else str(exc.detail)
        return _problem(exc.status_code, title, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _problem(500, "Internal Server Error", "the server failed; the error is in its log")

    from schemas.models import Problem
    from server.routes import alerts, api, exports, governance, imports, register, stats

    problem = {"model": Problem, "content": {PROBLEM: {}}}
    documented = {code: {**problem, "description": text} for code, text in (
        (400, "Bad request"), (401, "Not logged in"), (403, "Not allowed"), (404, "Not found or outside your scope"),
        (409, "Conflict"), (413, "Too large"), (415, "Unsupported media type"), (422, "Invalid input"),
        (429, "Too many requests"))}
    for router in (api.router, stats.router, governance.router, imports.router, exports.router, alerts.router, register.router):
        app.include_router(router, responses=documented)
    from server.guard import Guard

    # Outermost of the app's own layers: body cap, control characters in parameters, nosniff.
    app.add_middleware(Guard)
    return app
