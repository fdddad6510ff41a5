"""/stats/report agrees with /stats/overview and /stats/index for the same division and period
(over HTTP, on the demo server), and its own figures with hand counts of the same rows."""

from __future__ import annotations

import httpx
import pytest

from server.services.index import period_bounds
from tests.conftest import token_for


def get(server, path, user="station-01", **params):
    r = httpx.get(server.url + "/api/v1" + path, params=params,
                  headers={"Authorization": f"Bearer {token_for(server.url, user)}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("period", ["week", "month"])
def test_report_agrees_with_overview_and_index(live_server, period):
    report = get(live_server, "/stats/report", division="610822100", period=period)
    overview = get(live_server, "/stats/overview", division="610822100")
    index = get(live_server, "/stats/index", division="610822100", level="grid", period=period, at=report["at"])
    assert report["now"]["kpi"] == overview["kpi"]
    assert report["now"]["visit_coverage"] == overview["visit_coverage"]
    assert [c["id"] for c in report["now"]["overdue"]] == [c["id"] for c in overview["overdue"]]
    assert [(r["code"], r["score"], r["rank"]) for r in report["index"]["items"]] == \
        [(r["code"], r["score"], r["rank"]) for r in index["items"]]
    cur = report["kpi"]["current"]
    # The division's rates are the sums of the index's per-grid counts.
    for component in ("on_time", "base_resolution"):
        counts = [r["counts"].get(component) for r in index["items"] if r["counts"].get(component)]
        assert cur[component]["numerator"] == sum(c["numerator"] for c in counts)
        assert cur[component]["denominator"] == sum(c["denominator"] for c in counts)
    start, end = period_bounds(period, __import__("datetime").date.fromisoformat(report["at"]))
    assert len(report["trend"]) == (end - start).days
    assert report["trend"][0]["date"] == report["start"] and report["trend"][-1]["date"] == report["end"]
    assert sum(d["reported"] for d in report["trend"]) == cur["reported"] == sum(c["count"] for c in report["by_category"])
    assert sum(c["count"] for c in report["by_level"]) == cur["reported"]
    assert sum(d["closed"] for d in report["trend"]) == cur["closed"]


def test_report_counts_by_hand(live_server):
    report = get(live_server, "/stats/report", division="610822100", period="month")
    lo, hi = report["start"] + "T00:00:00+08:00", report["end"] + "T23:59:59+08:00"
    db = live_server.db
    reported = db.scalar("SELECT count(*) FROM cases WHERE grid_code LIKE '610822100%' AND reported_at BETWEEN :lo "
                         "AND :hi", lo=lo, hi=hi)
    resolved, on_time = db.rows(
        "SELECT count(*), coalesce(sum(CASE WHEN resolved_at <= due_at THEN 1 ELSE 0 END), 0) FROM cases "
        "WHERE grid_code LIKE '610822100%' AND resolved_at BETWEEN :lo AND :hi", lo=lo, hi=hi)[0]
    assert reported > 0 and report["kpi"]["current"]["reported"] == reported
    assert report["kpi"]["current"]["on_time"] == {"numerator": on_time, "denominator": resolved,
                                                  "rate": round(on_time / resolved, 4) if resolved else None}


@pytest.mark.parametrize("params, field", [({"period": "quarter"}, "period"), ({"level": "grid"}, "level"),
                                           ({"at": "yesterday"}, "at")])
def test_report_parameters_are_strict(live_server, params, field):
    r = httpx.get(live_server.url + "/api/v1/stats/report", params=params,
                  headers={"Authorization": f"Bearer {token_for(live_server.url, 'station-01')}"}, timeout=30)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


def test_report_scope(live_server):
    r = httpx.get(live_server.url + "/api/v1/stats/report", params={"division": "610822101"},
                  headers={"Authorization": f"Bearer {token_for(live_server.url, 'station-01')}"}, timeout=30)
    assert r.status_code == 404
