"""Tick boxes that say ticked or not in text, not only in colour.

Textual draws a ticked and an unticked box alike (``▐X▌``) and tells them apart by colour alone:
under NO_COLOR or on a monochrome terminal every box read as ticked. Here a ticked box shows
``X`` and an unticked one a blank (``▐ ▌``), in colour or not.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "X", " "  # one cell each, as Textual's own inner character


class TickBox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads the class constant's name
        return TICKED if self.value else UNTICKED


class TickList(SelectionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        mark = TICKED if selection.value in self._selected else UNTICKED
        segments[1] = Segment(mark, segments[1].style, segments[1].control)
        return Strip(segments, strip.cell_length)
