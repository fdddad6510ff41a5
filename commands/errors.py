"""One place that turns failures into messages and exit codes (DESIGN §7): never a traceback
for a user error; ``GRIDCTL_DEBUG=1`` shows one for a bug."""

from __future__ import annotations

import functools
import os
import sys
from typing import Callable

import typer

from gridctl.i18n import t

FIELD_FLAGS = {"note": "--note", "reason": "--reason", "to_level": "--to", "assignee": "--to",
               "supervision": "--level", "grid": "--grid", "grid_code": "--grid", "category": "--category",
               "title": "--title", "occurred_at": "--occurred-at", "photo": "--photo", "party": "--party",
               "purpose": "--purpose", "method": "--method", "next_visit": "--next-visit", "at": "--at", "person_ids": "--person",
               "profile": "--profile", "subcategory": "--subcategory", "scale": "--scale",
               "agreement_no": "--agreement-no", "participants": "--participant", "description": "--description",
               "parties": "--party", "concern": "--concern", "next_visit_due": "--next-visit",
               "out": "--out"}


def report_error(exc: BaseException) -> int:
    from gridctl.errors import GridctlError

    if isinstance(exc, GridctlError):
        print(t("cli.error.prefix") + exc.message(), file=sys.stderr)
        hint = exc.hint()
        if hint:
            print(hint, file=sys.stderr)
        elif exc.field and exc.exit_code == 2 and exc.field.split(".")[0] in FIELD_FLAGS:
            # ``participants.1``: one item of a repeatable flag names the flag
            print(t("cli.hint.flag", flag=FIELD_FLAGS[exc.field.split(".")[0]]), file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        print(t("cli.error.interrupted"), file=sys.stderr)
        return 130
    if os.environ.get("GRIDCTL_DEBUG"):
        raise exc
    print(t("cli.error.unexpected", kind=type(exc).__name__, text=str(exc)[:300]), file=sys.stderr)
    return 1


def reader_gone() -> int:
    """stdout's reader closed the pipe (``gridctl case list | head``): end quietly with 0.

    The reader had what it wanted, which is not an error (``export`` says the same). Python's
    advice: point stdout at /dev/null so the flush at exit does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def handled(fn: Callable) -> Callable:
    """Wrap a command: its failures become a message and the exit code, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            code = fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            raise typer.Exit(reader_gone()) from None
        except BaseException as exc:  # noqa: BLE001 - every failure gets an exit code
            if isinstance(exc, SystemExit):
                raise
            raise typer.Exit(report_error(exc)) from None
        if isinstance(code, int) and code:
            raise typer.Exit(code)

    return wrapper

# The register over time (DESIGN 17): fields named by the core, flags that fix them.
FIELD_FLAGS.update({"moved_to": "--to", "status_date": "--date", "risk_level": "--risk-level",
                    "previous_head_relation": "--previous-head-becomes", "relation_to_head": "--relation",
                    "household_no": "--household-no", "household_id": "--household", "address": "--address",
                    "tags": "--add/--remove"})
# The person and household fields a refusal names, and the flag each is given with (probe13: a
# too-long name or a lone --lat said what was wrong but not which flag fixes it).
FIELD_FLAGS.update({"lat": "--lat", "lon": "--lon", "name": "--name", "phone": "--phone",
                    "id_number": "--id-number", "sex": "--sex", "birth_date": "--birth-date",
                    "residence": "--residence", "care_level": "--care-level"})
