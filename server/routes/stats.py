"""GET /api/v1/stats/overview?division=CODE — the station dashboard's figures.

The response shape is the ``Overview`` model below (also in /openapi.json). It lives here, not in
``schemas``, because only the dashboard reads it; move it to ``schemas.models`` once a second
client does.
"""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from server.deps import current_user, get_engine
from server.services import stats

router = APIRouter(prefix="/api/v1", tags=["stats"])


class DivisionRef(BaseModel):
    code: str
    name: str
    level: str = Field(description="grid, village, town or county")


class Kpi(BaseModel):
    open: int = Field(description="cases reported, accepted, in progress or resolved (awaiting verification)")
    overdue_unaccepted: int = Field(description="reported and past due")
    overdue_unresolved: int = Field(description="accepted or in progress and past due")
    escalated_7d: int = Field(description="escalate steps in the last 7 days")
    closed_30d: int = Field(description="cases closed in the last 30 days")
    on_time_rate: Optional[float] = Field(description="share of closed_30d resolved by their due time; null when none closed")
    base_resolution_rate: Optional[float] = Field(
        None, description="closed dispute cases resolved at grid or village level ÷ all closed dispute cases (DESIGN §15)")


class StatusLevelCounts(BaseModel):
    grid: int
    village: int
    town: int
    county: int


class OpenByStatusLevel(BaseModel):
    reported: StatusLevelCounts
    accepted: StatusLevelCounts
    in_progress: StatusLevelCounts
    resolved: StatusLevelCounts
    dispatched: StatusLevelCounts = StatusLevelCounts(grid=0, village=0, town=0, county=0)


class OverdueCase(BaseModel):
    id: str
    serial: Optional[str]
    title: str
    grid_code: str
    status: str
    level: str
    due_at: Optional[str]
    supervision: str
    assignee: Optional[str]
    urgent: bool
    version: int


class GridRank(BaseModel):
    rank: int = Field(description="1 = best: fewest overdue, then highest on-time rate, then most closed")
    grid_code: str
    name: str
    open: int
    overdue: int
    closed_30d: int
    on_time_rate: Optional[float]
    reports_30d: int


class DayCount(BaseModel):
    date: str = Field(description="YYYY-MM-DD in field time (+08:00)")
    count: int


class TagCoverage(BaseModel):
    tag: str
    every_days: int = Field(description="the visit frequency for this tag")
    people: int
    visited: int = Field(description="people visited within every_days (met, by a visit naming them or the whole household)")
    ratio: Optional[float]


class Escalation(BaseModel):
    case_id: str
    serial: Optional[str]
    title: str
    grid_code: str
    at: str
    actor: str
    from_level: Optional[str]
    to_level: Optional[str]
    reason: Optional[str]


class Overview(BaseModel):
    division: DivisionRef
    generated_at: str
    kpi: Kpi
    base_resolution_rate: Optional[float] = Field(
        None, description="矛盾纠纷基层化解率: closed dispute cases resolved at grid or village level ÷ all closed dispute cases")
    open_by_status_level: OpenByStatusLevel
    overdue: list[OverdueCase] = Field(description=f"the {stats.OVERDUE_LISTED} most overdue open cases, oldest due first")
    grid_ranking: list[GridRank] = Field(description="every grid of the division, best first")
    reports_per_day: list[DayCount] = Field(description="the last 30 days, oldest first, today last")
    visit_coverage: list[TagCoverage]
    latest_escalations: list[Escalation] = Field(description=f"the {stats.ESCALATIONS_LISTED} latest, newest first")


@router.get("/stats/overview", response_model=Overview)
def overview(division: str | None = Query(
        None, description="a division code (6, 9, 12 or 15 digits) in your scope; your first scope code if left out",
        # Documented, not enforced by FastAPI: the service answers a malformed code with a clearer message.
        json_schema_extra={"pattern": r"^[0-9]{6}([0-9]{3}){0,3}$"}, max_length=15),
        user: dict = Depends(current_user), engine=Depends(get_engine)) -> dict:
    """Figures for one division in the caller's scope; the caller's first scope code by default.

    A division outside the caller's scope answers 404 (like a missing one); a malformed code 422.
    ``{division, generated_at, kpi: {open, overdue_unaccepted, overdue_unresolved, escalated_7d,
    closed_30d, on_time_rate}, open_by_status_level: {status: {level: n}}, overdue: [case...],
    grid_ranking: [{rank, grid_code, name, open, overdue, closed_30d, on_time_rate, reports_30d}],
    reports_per_day: [{date, count}] (30 days), visit_coverage: [{tag, every_days, people, visited,
    ratio}], latest_escalations: [{case_id, serial, title, grid_code, at, actor, from_level,
    to_level, reason}]}``
    """
    if division == "":
        from server.errors import invalid  # an empty code is a malformed one, not "the default"

        raise invalid("division", "expected a division code of 6, 9, 12 or 15 digits", "division.format")
    return stats.overview(engine, user, division)
