"""Early warning (DESIGN 16): the alerts in the caller's scope, and acknowledging one.

``POST /alerts/{id}/ack`` is for clients that are online; gridctl itself acknowledges through the
outbox (mutation ``alert.ack``), so that an acknowledgement made offline is not lost. Both reach
``server.services.alerts.ack``. Reads trigger the time-based sweep lazily (at most once a minute).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from server.deps import current_user, get_engine, get_settings
from server.routes.api import IdPath  # the same typed id as every record path (no control characters)
from server.services import alerts as service
from server.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["alerts"])
# The OpenAPI document names the allowed values (kept equal to service.KINDS / STATES).
Kind = Literal["due_soon", "overdue", "repeat", "spike", "group", "visit_overdue", "unsatisfied", "follow_up_due"]
State = Literal["open", "acknowledged", "cleared"]
Me = Annotated[dict, Depends(current_user)]
Db = Annotated[Engine, Depends(get_engine)]
Conf = Annotated[Settings, Depends(get_settings)]


class Alert(BaseModel):
    id: str
    kind: str
    severity: str
    subject_type: str
    subject_id: str
    grid_code: str
    division: str
    level: str | None = None
    assignee: str | None = None
    state: str
    raised_at: str
    cleared_at: str | None = None
    acked_by: str | None = None
    acked_at: str | None = None
    ack_note: str | None = None
    updated_at: str
    version: int
    params: dict[str, Any]
    text: dict[str, str]


class AlertPage(BaseModel):
    items: list[Alert]
    next_cursor: str | None = None


class AckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


def _strict(request_params, allowed: set[str]) -> None:
    from server.errors import ApiProblem

    unknown = sorted(set(request_params) - allowed)
    if unknown:
        raise ApiProblem(422, "Invalid input", f"{unknown[0]}: unknown parameter; known: {', '.join(sorted(allowed))}",
                         code="invalid", errors=[{"field": unknown[0], "message": "unknown parameter"}])


@router.get("/alerts", response_model=AlertPage)
def list_alerts(user: Me, engine: Db, settings: Conf, request: Request,
                division: Annotated[str | None, Query(pattern=r"^[0-9]{6}([0-9]{3}){0,3}$")] = None,
                kind: Annotated[list[Kind] | None, Query()] = None,
                state: Annotated[list[State] | None, Query()] = None,
                cursor: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$")] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    _strict(request.query_params.keys(), {"division", "kind", "state", "cursor", "limit"})
    service.maybe_sweep(engine, dict(settings.visit_frequency_days))
    with engine.connect() as conn:
        return service.list_alerts(conn, user, division=division, kind=kind, state=state, cursor=cursor, limit=limit)


@router.get("/alerts/{alert_id}", response_model=Alert)
def get_alert(alert_id: IdPath, user: Me, engine: Db) -> dict:
    with engine.connect() as conn:
        return service.get(conn, user, alert_id)


@router.post("/alerts/{alert_id}/ack", response_model=Alert)
def ack_alert(alert_id: IdPath, user: Me, engine: Db, body: AckBody | None = None) -> dict:
    with engine.begin() as conn:
        service.ack(conn, user, alert_id, body.note if body else None)
        return service.get(conn, user, alert_id)

