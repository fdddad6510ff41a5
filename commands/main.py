"""The ``gridctl`` entry point: the root command, global options, and the nouns.

``--version`` is answered before Typer is imported; the app itself imports only Typer and our
own light modules, and each command imports the heavy ones it needs when it runs.
"""

from __future__ import annotations

import os
import sys

PROG = "gridctl"
COMPLETE_VAR = "_GRIDCTL_COMPLETE"


def _configured_lang() -> str | None:
    """``lang`` from config.toml, read without importing the rest of the core."""
    from gridctl.paths import config_dir

    path = config_dir() / "config.toml"
    if not path.exists():
        return None
    import tomllib

    try:
        with path.open("rb") as fh:
            value = tomllib.load(fh).get("lang")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None


GLOBAL_OPTIONS = (("--profile NAME", "cli.opt.profile"), ("--offline", "cli.opt.offline"),
                  ("--lang zh|en", "cli.opt.lang"), ("--version", "cli.opt.version"))


def split_global_options(argv: list[str]) -> tuple[dict, list[str]]:
    """Take ``--profile``, ``--offline`` and ``--lang`` out of argv, wherever they are.

    They are parsed here rather than by Typer because Typer 0.29 coerces every declared option
    through pydantic, which would put pydantic on the path of every command, ``--help`` and
    completion included.
    """
    found: dict = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        name, eq, value = arg.partition("=")
        if name in ("--profile", "--lang"):
            if not eq:
                if i + 1 >= len(argv):
                    found["missing"] = name
                    break
                value = argv[i + 1]
                i += 1
            found[name[2:]] = value
        elif arg == "--offline":
            found["offline"] = True
        else:
            rest.append(arg)
        i += 1
    return found, rest


def build_app():
    import typer
    from typer.core import TyperGroup

    from commands import parser_texts, typer_light

    typer_light.install()
    parser_texts.install()

    from commands import nouns
    from gridctl.i18n import t

    class Root(TyperGroup):
        def format_options(self, ctx, formatter) -> None:
            super().format_options(ctx, formatter)
            with formatter.section(t("cli.global_options")):
                formatter.write_dl([(flag, t(key)) for flag, key in GLOBAL_OPTIONS])

    app = typer.Typer(name=PROG, help=t("cli.app.help"), no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None, cls=Root,
                      context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def root() -> None:
        """The global options are taken out of the arguments before Typer sees them."""

    nouns.register(app)
    return app


def run(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        from gridctl import __version__

        print(f"{PROG} {__version__}")
        return
    from commands.state import state
    from gridctl.i18n import set_lang, t

    options, argv = split_global_options(argv)
    state.profile = options.get("profile")
    state.offline = bool(options.get("offline"))
    lang = options.get("lang")
    set_lang(lang or os.environ.get("GRIDCTL_LANG") or _configured_lang())
    if "missing" in options:
        print(t("cli.error.prefix") + t("cli.opt.needs_value", flag=options["missing"]), file=sys.stderr)
        sys.exit(2)
    if lang is not None and lang not in ("zh", "en"):
        print(t("cli.error.prefix") + t("cli.opt.lang_bad", lang=lang), file=sys.stderr)
        sys.exit(2)
    if argv and argv[0] == "--version":
        from gridctl import __version__

        print(f"{PROG} {__version__}")
        return
    app = build_app()
    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()
    import typer

    from typer._click.exceptions import ClickException
    from typer.exceptions import Abort

    command = typer.main.get_command(app)
    try:
        # Not standalone: click would print its own English for usage errors (issue 8, item 12);
        # parser_texts renders them from their parts in the user's language instead.
        code = command.main(args=argv, prog_name=PROG, complete_var=COMPLETE_VAR, standalone_mode=False)
    except ClickException as exc:
        from commands.parser_texts import show_usage_error

        sys.exit(show_usage_error(exc))
    except Abort:
        print(t("usage.aborted"), file=sys.stderr)
        sys.exit(1)
    except SystemExit as done:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # Typer met EPIPE itself (e.g. printing --help) and exits 1; the reader left, not an error.
            from commands.errors import reader_gone

            sys.exit(reader_gone())
        _flush_stdout()
        raise done
    except BrokenPipeError:
        from commands.errors import reader_gone

        sys.exit(reader_gone())
    except (KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - never a traceback for the user
        from commands.errors import report_error

        sys.exit(report_error(exc))
    _flush_stdout()
    if isinstance(code, int) and code:
        sys.exit(code)


def _flush_stdout() -> None:
    """Flush now, so a reader that left early (``| head -c 10``) ends us quietly with 0 instead
    of Python's "Exception ignored ... BrokenPipeError" at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        from commands.errors import reader_gone

        sys.exit(reader_gone())
    except (OSError, ValueError):
        pass
