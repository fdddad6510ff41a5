"""A fixed, offline data source with the worker app's ``Core`` interface, for snapshots and the
paint benchmark: same cases every run, fixed cache age, nothing read from the clock or network.

It stands in for the local store only; the flow tests drive the real core against the real
server. The workflow decisions still come from ``schemas.workflow``, as in the core.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas import workflow
from tui.worker.core import Core, Rows, Seen

USER = {"username": "gw-001", "display_name": "张建国", "role": "gridworker", "scope": ["610822100200001"]}
GRID = "610822100200001"

_TITLES = (
    ("公园墙体裂缝有落石", "safety_hazard", "01"),
    ("邻里因排水管道发生争执", "dispute", "0201"),
    ("小区路灯损坏三盏", "city_management", None),
    ("河道垃圾堆积散发异味", "environment", None),
    ("独居老人家中漏水无人修", "livelihood", None),
    ("夜间烧烤摊占道经营", "city_management", None),
    ("楼道堆放电动车充电", "safety_hazard", "01"),
    ("赡养纠纷老人无人照料", "dispute", "0102"),
)
_STATUSES = ("reported", "accepted", "in_progress", "reported", "accepted", "in_progress", "resolved", "reported")


def make_case(n: int) -> dict:
    title, category, sub = _TITLES[n % len(_TITLES)]
    base = datetime(2026, 11, 20, 9, 30) + timedelta(hours=7 * n)
    status = _STATUSES[n % len(_STATUSES)]
    steps = [{"action": "report", "actor": "gw-001", "from_status": None, "to_status": "reported",
              "from_level": None, "to_level": "grid", "note": None, "at": base.isoformat() + "+08:00"}]
    if status != "reported":
        steps.append({"action": "accept", "actor": "gw-001", "from_status": "reported", "to_status": "accepted",
                      "from_level": "grid", "to_level": "grid", "note": "已联系当事人",
                      "at": (base + timedelta(hours=1)).isoformat() + "+08:00"})
    if status in ("in_progress", "resolved"):
        steps.append({"action": "start", "actor": "gw-001", "from_status": "accepted", "to_status": "in_progress",
                      "from_level": "grid", "to_level": "grid", "note": None,
                      "at": (base + timedelta(hours=2)).isoformat() + "+08:00"})
    return {
        "id": f"0193a5c2-7b1e-7c4d-9a10-{n:012d}",
        "serial": f"610822-202611{20 + n // 4 % 10:02d}-{n % 10000:04d}" if n % 9 != 5 else None,
        "title": title if n < len(_TITLES) else f"{title} #{n}",
        "description": "黄河下沉公园东侧墙体裸露，有裂缝和落石，已设置警示带。",
        "category": category, "subcategory": sub, "scale": "individual", "urgent": n % 5 == 2,
        "parties": [{"name": "王秀兰", "phone": "13800001111", "role": "reporter"}] if n % 2 == 0 else [],
        "occurred_at": base.isoformat() + "+08:00", "reported_at": base.isoformat() + "+08:00",
        "grid_code": GRID, "address": f"府兴路{12 + n}号", "lat": None, "lon": None, "source": "field",
        "reporter": "gw-001", "status": status, "level": "grid", "assignee": None,
        "due_at": (base + timedelta(days=3)).isoformat() + "+08:00", "overdue": n % 3 == 0,
        "supervision": "yellow" if n == 3 else "none", "version": len(steps), "steps": steps,
        "photos": ["3f2b8e61d0aa9c4e1b7a4a1c2e5d7f90b1c3e5a7d9f1b3c5e7a9b1d3f5a7c9e1"] if n == 0 else [],
        "sync": "pending" if n % 9 == 5 else "synced",
    }


class FixedCore(Core):
    def __init__(self, count: int = 8) -> None:
        super().__init__(client=None, offline=True)
        self.cases = [make_case(n) for n in range(count)]
        self._user = dict(USER)

    def list_cases(self) -> Rows:
        return Rows(list(self.cases), Seen(cache_age=timedelta(minutes=12)))

    def show_case(self, ref: str):
        case = next(c for c in self.cases if c["id"] == ref or c.get("serial") == ref)
        return case, workflow.allowed_actions(case, USER)

    def visits_due(self, within: int = 0) -> Rows:
        return Rows([
            {"household_id": "h-2", "household_no": "610822100200001-0002", "address": "府兴路2号",
             "name": "赵德顺", "tags": ["disabled"], "due_at": "2026-11-19"},
            {"household_id": "h-1", "household_no": "610822100200001-0001", "address": "府兴路1号",
             "name": "李秀英", "tags": ["low_income", "elderly_alone"], "due_at": "2026-11-21"},
        ], Seen(cache_age=timedelta(minutes=12)))

    def status(self) -> Seen:
        return Seen(pending=sum(1 for c in self.cases if c["sync"] == "pending"), cache_age=timedelta(minutes=12))


def fixed_app(lang: str, count: int = 8):
    from tui.worker.app import WorkerApp

    app = WorkerApp(object(), lang=lang, offline=True)
    app._core = FixedCore(count)
    return app
