"""Typer's own texts (help headings, usage errors) in the user's language.

Typer 0.29 vendors click with its messages written in English in the code (``Usage:``,
``Error: No such option: --x``, ``Show this message and exit.``), and takes a few more through
gettext in ``typer.core``. A Chinese user must not meet them (issue 8, item 12), so:

- ``install()`` routes ``typer.core``'s gettext calls, the usage prefix and the help option's
  text through our catalogue (domain ``usage``);
- ``show_usage_error()`` renders a click usage error from its parts (option name, parameter,
  kind) rather than from click's English sentence; ``commands.main.run`` calls it instead of
  letting click print.

Only the light catalogue is touched here, so ``--help`` stays as fast as before.
"""

from __future__ import annotations

import re
import sys

from gridctl.i18n import t

# typer.core's gettext msgids -> our keys. An msgid not listed is shown as it is.
_GETTEXT = {"Options": "usage.section.options", "Arguments": "usage.section.arguments",
            "Commands": "usage.section.commands", "default: {default}": "usage.default",
            "required": "usage.required", "env var: {var}": "usage.envvar", "(dynamic)": "usage.dynamic",
            "Aborted!": "usage.aborted"}
# "Missing command." and "No such command" stay English here: usage_message() recognises them.


def _gettext(msgid: str) -> str:
    key = _GETTEXT.get(msgid)
    if key is None:
        return msgid
    # Keep click's own placeholders ({default}, {name!r}) for its .format() call.
    return t(key, default="{default}", var="{var}")


def install() -> None:
    import typer.core
    from typer._click import core as click_core
    from typer._click.formatting import HelpFormatter

    if getattr(typer.core, "_gridctl_texts", False):
        return
    typer.core._ = _gettext

    class Formatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, t("usage.prefix") if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            self.write(f"{'':>{self.current_indent}}{t('usage.heading', heading=heading)}\n")

    click_core.Context.formatter_class = Formatter
    original = click_core.Command.get_help_option

    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = t("usage.help_option")
        return option

    click_core.Command.get_help_option = get_help_option
    typer.core._gridctl_texts = True


_EXTRA_ARGS = re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)$", re.S)
_NO_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'\.?(?: Did you mean (?P<near>.*)\?)?$", re.S)
_NO_VALUE = re.compile(r"Option '(?P<flag>[^']*)' does not take a value\.$")
_NEEDS = re.compile(r"Option '(?P<flag>[^']*)' requires (?:an argument|(?P<n>\d+) arguments)\.$")


def _hint(param, ctx) -> str:
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return (getattr(param, "display_name_raw", None) or param.name or "").upper()
    opts = getattr(param, "opts", None) or [param.name]
    return " / ".join(opts)


def usage_message(exc) -> str:
    """The sentence of a click usage error, in the user's language."""
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        text = t("usage.no_such_option", flag=exc.option_name)
        if exc.possibilities:
            text += t("usage.possible_options", flags=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, ce.MissingParameter):
        name = _hint(exc.param, exc.ctx)
        kind = exc.param_type or getattr(exc.param, "param_type_name", "parameter")
        key = "usage.missing_argument" if kind == "argument" else "usage.missing_option"
        return t(key, name=name)
    if isinstance(exc, ce.BadParameter):
        name = _hint(exc.param, exc.ctx) if exc.param_hint is None else str(exc.param_hint)
        return t("usage.invalid_value", name=name, text=exc.message) if name else exc.message
    message = exc.message or ""
    for pattern, key in ((_NO_VALUE, "usage.takes_no_value"), (_NEEDS, "usage.needs_value")):
        match = pattern.match(message)
        if match:
            return t(key, flag=match["flag"])
    match = _EXTRA_ARGS.match(message)
    if match:
        return t("usage.extra_args", args=match["args"])
    match = _NO_COMMAND.match(message)
    if match:
        text = t("usage.no_such_command", name=repr(match["name"]))
        if match["near"]:
            text += t("usage.did_you_mean", near=match["near"])
        return text
    if message == "Missing command.":
        return t("usage.missing_command")
    return message


def show_usage_error(exc, file=None) -> int:
    """Print a click error the way click would, but in the user's language; its exit code."""
    from typer._click import exceptions as ce

    file = file or sys.stderr
    if isinstance(exc, ce.NoArgsIsHelpError):
        print(exc.format_message(), file=file)
        return exc.exit_code
    if isinstance(exc, ce.UsageError) and exc.ctx is not None:
        print(exc.ctx.get_usage(), file=file)
        if exc.ctx.command.get_help_option(exc.ctx) is not None:
            print(t("usage.try_help", command=f"{exc.ctx.command_path} {exc.ctx.help_option_names[0]}"),
                  file=file)
        print(file=file)
        print(t("cli.error.prefix") + usage_message(exc), file=file)
        return exc.exit_code
    if isinstance(exc, ce.UsageError):
        print(t("cli.error.prefix") + usage_message(exc), file=file)
        return exc.exit_code
    print(t("cli.error.prefix") + exc.format_message(), file=file)
    return exc.exit_code
