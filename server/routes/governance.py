"""GET /api/v1/stats/index and /stats/report — the governance index and the periodic report's
data (DESIGN §16). Both refuse a query parameter they do not know (a misspelt ``levle=`` would
otherwise silently answer the default level)."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from server.deps import current_user, get_engine, get_settings
from server.errors import invalid
from server.services import index as index_service

router = APIRouter(prefix="/api/v1", tags=["stats"])

DIVISION = Query(None, description="a division code in your scope; your first scope code if left out",
                 json_schema_extra={"pattern": r"^[0-9]{6}([0-9]{3}){0,3}$"})
PERIOD = Query(None, description="week (Monday-based, +08:00), month or quarter; month if left out",
               json_schema_extra={"enum": list(index_service.PERIODS)})
# The report comes weekly or monthly only (DESIGN §16): its schema says so, as the service checks.
REPORT_PERIOD = Query(None, description="week (Monday-based, +08:00) or month; month if left out",
                      json_schema_extra={"enum": ["week", "month"]})
AT = Query(None, description="a date YYYY-MM-DD inside the period, from 2000-01-01 to today (+08:00); "
                             "today if left out (a date outside that range answers 422: it has no figures)",
           json_schema_extra={"format": "date"})


def _strict(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise invalid(unknown[0], f"unknown query parameter; known: {', '.join(sorted(allowed))}",
                      "stats.unknown_param", name=unknown[0], allowed=", ".join(sorted(allowed)))
    # An empty value is a mistake, not "the default": leaving the parameter out gives the default.
    for name, value in request.query_params.multi_items():
        if not value.strip():
            raise invalid(name, "empty; leave the parameter out for its default", "stats.empty_param", name=name)


class Weights(BaseModel):
    on_time: float = 0
    accepted_on_time: float = 0
    satisfaction: float = 0
    base_resolution: float = 0
    visit_coverage: float = 0
    discovery: float = 0


class Components(BaseModel):
    on_time: Optional[float]
    accepted_on_time: Optional[float]
    satisfaction: Optional[float]
    base_resolution: Optional[float]
    visit_coverage: Optional[float]
    discovery: Optional[float]


class IndexRow(BaseModel):
    rank: int = Field(description="1 = highest score; units without any data last")
    code: str = Field(description="division code, or username at worker level")
    name: str
    score: Optional[float] = Field(description="0-100; null when no component has data")
    components: Components = Field(description="rates in [0, 1]; null = no data (denominator 0), excluded")
    weights_used: dict[str, float] = Field(description="the weights of the components with data, renormalised")
    penalty: float
    cards: dict[str, int]
    counts: dict[str, dict[str, float]]
    previous_rank: Optional[int]
    previous_score: Optional[float]
    rank_change: Optional[int] = Field(description="positive = moved up since the previous period")
    score_change: Optional[float]


class Span(BaseModel):
    start: str
    end: str


class DivisionRef(BaseModel):
    code: str
    name: str
    level: str


class GovernanceIndex(BaseModel):
    division: DivisionRef
    level: str
    period: str
    at: str
    start: str = Field(description="first day of the period")
    end: str = Field(description="last day of the period")
    previous: Span
    weights: Weights
    discovery_target: float
    penalties: dict[str, float]
    zero_denominator: str
    has_satisfaction: bool
    items: list[IndexRow]


@router.get("/stats/index", response_model=GovernanceIndex)
def governance_index(request: Request, division: str | None = DIVISION,
                     level: str | None = Query(None, description="grid (default), village, town or worker",
                                               json_schema_extra={"enum": list(index_service.LEVELS)}),
                     period: str | None = PERIOD, at: str | None = AT,
                     user: dict = Depends(current_user), engine=Depends(get_engine),
                     settings=Depends(get_settings)) -> dict:
    """The governance index (社会治理指数) of every unit of ``level`` in ``division`` for the period
    holding ``at``, best first, with components, the weights used and the change since the
    previous period. Definitions: server/services/index.py."""
    _strict(request, {"division", "level", "period", "at"})
    return index_service.governance_index(engine, user, division, level, period, at, settings=settings)


@router.get("/stats/report")
def report(request: Request, division: str | None = DIVISION, period: str | None = REPORT_PERIOD, at: str | None = AT,
           user: dict = Depends(current_user), engine=Depends(get_engine), settings=Depends(get_settings)) -> dict:
    """The weekly or monthly report's data for a station or county (period ``week`` or ``month``)."""
    from server.services import report as report_service

    _strict(request, {"division", "period", "at"})
    return report_service.report(engine, user, division, period, at, settings=settings)
