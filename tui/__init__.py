"""The Textual apps: `tui.worker` (grid worker, `gridctl tui`) and `tui.dashboard` (town station).

They import `gridctl` and `schemas` only, and are started lazily by the CLI so that
`gridctl --help` never loads Textual.
"""
