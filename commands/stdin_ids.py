"""Full ID numbers from standard input, so they never need to be in argv (DESIGN §14).

``--id-number -`` and a ``-`` in place of a party's ID number (``--party "NAME,-,PHONE"``) each
take one line of standard input, in command-line order: ``--id-number`` first, then the parties
as given. On a terminal each is asked for without echo. Argument lists are visible to every
local user in /proc and end up in shell history; standard input is neither.
"""

from __future__ import annotations

import sys

from gridctl.i18n import t

STDIN = "-"


def read_id_numbers(flags: list[str]) -> list[str]:
    """One ID number per entry of ``flags`` (each names the flag it is for, for prompts and errors)."""
    if not flags:
        return []
    from gridctl.errors import UsageError

    values: list[str] = []
    tty = sys.stdin is not None and sys.stdin.isatty()
    for flag in flags:
        if tty:
            import getpass

            value = getpass.getpass(t("secure.id_prompt", flag=flag))
        else:
            line = sys.stdin.readline() if sys.stdin is not None else ""
            value = line.rstrip("\r\n") if line else ""
        if not value.strip():
            raise UsageError("secure.id_missing", field=flag, flag=flag, got=len(values), wanted=len(flags))
        values.append(value.strip())
    return values


def party_slots(parties: list[str]) -> list[int]:
    """Indexes of the parties whose ID number is ``-``."""
    slots = []
    for i, text in enumerate(parties):
        parts = [p.strip() for p in text.replace("，", ",").split(",")]
        if STDIN in parts[1:]:
            slots.append(i)
    return slots


def fill_party(text: str, id_number: str) -> str:
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    return ",".join(id_number if (i > 0 and p == STDIN) else p for i, p in enumerate(parts))
