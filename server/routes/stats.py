"""GET /api/v1/stats/overview?division=CODE — the station dashboard's figures."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from server.deps import current_user, get_engine
from server.services import stats

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats/overview")
def overview(division: str | None = None, user: dict = Depends(current_user), engine=Depends(get_engine)) -> dict:
    """Figures for one division in the caller's scope (outside it: 404).

    ``{division, generated_at, kpi: {open, overdue_unaccepted, overdue_unresolved, escalated_7d,
    closed_30d, on_time_rate}, open_by_status_level: {status: {level: n}}, overdue: [case...],
    grid_ranking: [{rank, grid_code, name, open, overdue, closed_30d, on_time_rate, reports_30d}],
    reports_per_day: [{date, count}] (30 days), visit_coverage: [{tag, every_days, people, visited,
    ratio}], latest_escalations: [{case_id, serial, title, at, actor, from_level, to_level, reason}]}``
    """
    return stats.overview(engine, user, division)
