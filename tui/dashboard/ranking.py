"""The ranking panel by the governance index (DESIGN §16): rank, ▲▼ change since the previous
month, grid, score and its two most watched components. Falls back to the overview's simple
grid ranking when the server gives no index (an older server, or a grid-level division)."""

from __future__ import annotations

from textual.widgets import DataTable

from gridctl.report_model import arrow
from tui.common.i18n import tr


def index_columns() -> list[str]:
    return ["#", "±", tr("tui.dashboard.grid"), tr("governance.col.score"), tr("governance.component.on_time"),
            tr("governance.component.visit_coverage")]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def index_rows(index: dict, limit: int) -> list[tuple]:
    return [(str(r["rank"]), arrow(r.get("rank_change")), r["name"],
             "—" if r["score"] is None else f"{r['score']:.1f}",
             _pct(r["components"].get("on_time")), _pct(r["components"].get("visit_coverage")))
            for r in index["items"][:limit]]


def use_index_columns(table: DataTable) -> None:
    """Switch the panel's columns to the index's once (the first time an index arrives)."""
    if getattr(table, "_index_columns", False):
        return
    table.clear(columns=True)
    table.add_columns(*index_columns())
    table._dashboard_rows = None  # what fill() compares against is gone with the columns
    table._index_columns = True
