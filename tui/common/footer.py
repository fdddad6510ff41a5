"""A footer that speaks the user's language for Textual's own bindings too.

Our bindings carry catalogue keys (``localize_bindings``), but Textual's widgets bring English
ones: the Select menu's "Dismiss menu", the default "palette" binding of an app without its own
ctrl+p. They would show as "esc Dismiss menu" in a Chinese footer (issue 8, item 12), so the
footer translates the ones Textual 8 shows through the catalogue (``tui.textual.*``).
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from gridctl.i18n import t

# Every binding description Textual 8's own widgets show in a footer, and its tooltip.
TEXTUAL_TEXTS = {
    "palette": "tui.textual.palette",
    "Open the command palette": "tui.textual.palette_tooltip",
    "Dismiss menu": "tui.textual.dismiss_menu",
    "Open link": "tui.textual.open_link",
    "Exit the command palette": "tui.textual.exit_palette",
}


def textual_text(text: str) -> str:
    key = TEXTUAL_TEXTS.get(text)
    if key is not None:
        return t(key)
    return t(text) if text.startswith("tui.") else text


class LocalFooter(Footer):
    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = textual_text(widget.description)
                if isinstance(widget.tooltip, str):
                    widget.tooltip = textual_text(widget.tooltip)
            yield widget
