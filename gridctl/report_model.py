"""The periodic report (周报/月报, DESIGN §16) as language-ready sections, from the server's
``/stats/report`` data; ``report_xlsx`` and ``report_html`` lay the same sections out.

A section is a title, headers, rows (plain values: numbers stay numbers so Excel can chart them)
and, where it has one, a chart description ``{kind, category column, value columns}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gridctl.i18n import t

COMPONENTS = ("on_time", "accepted_on_time", "satisfaction", "base_resolution", "visit_coverage", "discovery")


@dataclass
class Chart:
    kind: str  # line | column | bar | pie
    categories: int  # the column holding the category labels
    values: list[int]  # the columns charted, one series each
    percent: bool = False


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: Chart | None = None
    note: str | None = None
    percent_columns: set[int] = field(default_factory=set)
    percent_rows: set[int] = field(default_factory=set)  # the KPI rows that are rates
    chart_rows: int | None = None  # chart only the first N rows (the index's top units)
    none: str = ""  # what an empty table says instead of rows


def _rate(block: dict | None) -> float | None:
    return None if not block else block.get("rate")


def _change(now: Any, before: Any) -> Any:
    if isinstance(now, (int, float)) and isinstance(before, (int, float)):
        return round(now - before, 4)
    return None


def title(data: dict, lang: str) -> str:
    kind = "weekly" if data["period"] == "week" else "monthly"
    return t(f"report.title.{kind}", lang=lang, name=data["division"]["name"], start=data["start"], end=data["end"])


def sections(data: dict, lang: str) -> list[Section]:
    from schemas.codes import label

    def h(*keys: str) -> list[str]:
        return [t(f"report.col.{k}", lang=lang) for k in keys]

    cur, prev = data["kpi"]["current"], data["kpi"]["previous"]
    kpi_rows = []
    for key, now, before, pct in (
            ("reported", cur["reported"], prev["reported"], False),
            ("resolved", cur["resolved"], prev["resolved"], False),
            ("closed", cur["closed"], prev["closed"], False),
            ("on_time", _rate(cur["on_time"]), _rate(prev["on_time"]), True),
            ("base_resolution", _rate(cur["base_resolution"]), _rate(prev["base_resolution"]), True),
            ("satisfaction", _rate(cur["satisfaction"]), _rate(prev["satisfaction"]), True)):
        kpi_rows.append([t(f"report.kpi.{key}", lang=lang), now, before, _change(now, before), pct])
    snap = data["now"]["kpi"]
    for key in ("open", "overdue_unaccepted", "overdue_unresolved"):
        kpi_rows.append([t(f"report.kpi.now_{key}", lang=lang), snap[key], None, None, False])
    out = [Section("kpi", t("report.section.kpi", lang=lang, start=data["previous"]["start"],
                            end=data["previous"]["end"]),
                   h("indicator", "this_period", "previous_period", "change"), [r[:4] for r in kpi_rows],
                   note=None if cur["satisfaction"] is not None else t("report.note.no_satisfaction", lang=lang))]
    out[0].percent_rows = {i for i, r in enumerate(kpi_rows) if r[4]}
    out.append(Section("trend", t("report.section.trend", lang=lang), h("date", "reported", "closed", "overdue"),
                       [[d["date"], d["reported"], d["closed"], d["overdue"]] for d in data["trend"]],
                       Chart("line", 0, [1, 2, 3])))
    out.append(Section("category", t("report.section.category", lang=lang), h("category", "count"),
                       [[label("category", c["category"], lang), c["count"]] for c in data["by_category"]],
                       Chart("bar", 0, [1])))
    out.append(Section("level", t("report.section.level", lang=lang), h("level", "count"),
                       [[label("level", c["level"], lang), c["count"]] for c in data["by_level"]],
                       Chart("column", 0, [1])))
    index = data.get("index")
    if index:
        rows = []
        for r in index["items"]:
            rows.append([r["rank"], arrow(r.get("rank_change")), r["code"], r["name"], r["score"]]
                        + [r["components"].get(c) for c in COMPONENTS])
        top = [row for row in rows if row[4] is not None][:15]
        sec = Section("index", t("report.section.index", lang=lang,
                                 level=t(f"governance.level.{index['level']}", lang=lang)),
                      h("rank", "change", "code", "name", "score")
                      + [t(f"governance.component.{c}", lang=lang) for c in COMPONENTS], rows,
                      Chart("bar", 3, [4]) if top else None,
                      note=t("report.note.index", lang=lang), percent_columns=set(range(5, 5 + len(COMPONENTS))))
        sec.chart_rows = len(top)
        out.append(sec)
    out.append(Section("coverage", t("report.section.coverage", lang=lang),
                       h("group", "every_days", "people", "visited", "ratio"),
                       [[label("tag", c["tag"], lang), c["every_days"], c["people"], c["visited"], c["ratio"]]
                        for c in data["now"]["visit_coverage"]], Chart("bar", 0, [4], percent=True),
                       percent_columns={4}))
    alerts = data.get("alerts")
    if alerts is None:
        out.append(Section("alerts", t("report.section.alerts", lang=lang), [], [],
                           note=t("report.note.no_alerts", lang=lang)))
    else:
        out.append(Section("alerts", t("report.section.alerts", lang=lang), h("kind", "raised", "cleared"),
                           [[t(f"alert.kind.{a['kind']}", lang=lang), a["raised"], a["cleared"]] for a in alerts["by_kind"]]
                           + [[t("report.col.total", lang=lang), alerts["raised"], alerts["cleared"]]]))
    out.append(Section("overdue", t("report.section.overdue", lang=lang),
                       h("serial", "title", "grid", "status", "level", "due_at"),
                       [[c["serial"], c["title"], c["grid_code"], label("status", c["status"], lang),
                         label("level", c["level"], lang), (c["due_at"] or "")[:16].replace("T", " ")]
                        for c in data["now"]["overdue"]],
                       note=t("report.note.overdue", lang=lang, at=data["generated_at"][:16].replace("T", " "))))
    for section in out:
        section.none = t("centre.report.none", lang=lang)
    return out


def arrow(change: int | None) -> str:
    if change is None:
        return "·"
    return f"▲{change}" if change > 0 else (f"▼{-change}" if change < 0 else "=")
