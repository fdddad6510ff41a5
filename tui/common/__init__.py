"""Pieces both Textual apps share: the status header, i18n helpers and the base styles."""

from tui.common.header import StatusHeader
from tui.common.i18n import code_label, fmt_age, fmt_time, localize_bindings, tr

__all__ = ["StatusHeader", "code_label", "fmt_age", "fmt_time", "localize_bindings", "tr"]
