"""The ``gridctl`` entry point: the root command, global options, and the nouns.

``--version`` is answered before Typer is imported; the app itself imports only Typer and our
own light modules, and each command imports the heavy ones it needs when it runs.
"""

from __future__ import annotations

import os
import sys

PROG = "gridctl"
COMPLETE_VAR = "_GRIDCTL_COMPLETE"


def _lang_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


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


def build_app():
    import typer

    from commands import nouns
    from commands.state import state
    from gridctl.i18n import set_lang, t

    app = typer.Typer(name=PROG, help=t("cli.app.help"), no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})

    def show_version(value: bool) -> None:
        if value:
            from gridctl import __version__

            print(f"{PROG} {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        profile: str = typer.Option(None, "--profile", envvar="GRIDCTL_PROFILE", help=t("cli.opt.profile")),
        offline: bool = typer.Option(False, "--offline", help=t("cli.opt.offline")),
        lang: str = typer.Option(None, "--lang", help=t("cli.opt.lang")),
        version: bool = typer.Option(False, "--version", help=t("cli.opt.version"), is_eager=True,
                                     callback=show_version),
    ) -> None:
        state.profile, state.offline, state.lang = profile, offline, lang
        if lang:
            if lang not in ("zh", "en"):
                raise typer.BadParameter(t("cli.opt.lang_bad", lang=lang), param_hint="--lang")
            set_lang(lang)

    nouns.register(app)
    return app


def run(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        from gridctl import __version__

        print(f"{PROG} {__version__}")
        return
    from gridctl.i18n import set_lang

    set_lang(_lang_from_argv(argv) or os.environ.get("GRIDCTL_LANG") or _configured_lang())
    app = build_app()
    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()
    import typer

    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name=PROG, complete_var=COMPLETE_VAR)
    except KeyboardInterrupt:
        from commands.errors import report_error

        sys.exit(report_error(KeyboardInterrupt()))
