"""Parameters many commands share, declared once (STYLE §1): ``-o/--output`` and a case's ID.

One Typer ``OptionInfo`` may be the default of many commands: Typer reads it, never changes it.
"""

from __future__ import annotations

import typer

from commands.output import Output
from gridctl.i18n import t

OUTPUT = typer.Option(Output.table, "-o", "--output", help=t("cli.opt.output"))
CASE_ID = typer.Argument(..., metavar="ID", help=t("cli.arg.case"))
