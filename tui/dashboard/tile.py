"""One KPI tile of the dashboard: a figure and its name, marked when it is a problem."""

from __future__ import annotations

from textual.widgets import Static


class Tile(Static):
    """One KPI: a figure and its name."""

    shown: str | None = None

    def show(self, value: str, name: str, alert: bool = False) -> None:
        text = f"[b]{value}[/b]\n{name}"
        if text != self.shown:  # an unchanged tile costs no repaint
            self.shown = text
            self.update(text)
        self.set_class(alert, "-alert")
