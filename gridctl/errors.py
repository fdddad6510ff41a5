"""The errors of the client core, each with its exit code (DESIGN §7) and a localized message.

A message is an i18n key plus parameters, so the same error reads in Chinese or English; a
``hint_key`` names the command or flag that fixes the problem.
"""

from __future__ import annotations


class GridctlError(Exception):
    exit_code = 1
    default_key = "core.error.unexpected"

    def __init__(self, key: str | None = None, /, *, field: str | None = None, hint_key: str | None = None,
                 detail: str | None = None, **params: object) -> None:
        self.key = key or self.default_key
        self.field = field
        self.hint_key = hint_key
        self.detail = detail
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str | None = None) -> str:
        from gridctl.i18n import t

        text = t(self.key, lang=lang, **self.params)
        if self.detail:
            text = f"{text}: {self.detail}"
        return text

    def hint(self, lang: str | None = None) -> str | None:
        if not self.hint_key:
            return None
        from gridctl.i18n import t

        return t(self.hint_key, lang=lang, **self.params)

    def __str__(self) -> str:
        hint = self.hint()
        return self.message() + (f"\n{hint}" if hint else "")


class UsageError(GridctlError):
    exit_code = 2
    default_key = "core.error.usage"


class InvalidInput(GridctlError):
    exit_code = 2
    default_key = "core.error.invalid"


class PartlyDone(GridctlError):
    exit_code = 3
    default_key = "core.error.partly_done"


class NotLoggedIn(GridctlError):
    exit_code = 4
    default_key = "core.error.not_logged_in"

    def __init__(self, key: str | None = None, /, **kw: object) -> None:
        kw.setdefault("hint_key", "core.hint.login")
        super().__init__(key, **kw)


class AuthFailed(GridctlError):
    exit_code = 4
    default_key = "core.error.auth_failed"


class Forbidden(GridctlError):
    exit_code = 4
    default_key = "core.error.forbidden"


class NotFound(GridctlError):
    exit_code = 5
    default_key = "core.error.not_found"


class Unreachable(GridctlError):
    exit_code = 8
    default_key = "core.error.unreachable"


class ServerError(GridctlError):
    exit_code = 1
    default_key = "core.error.server"


class Conflict(GridctlError):
    exit_code = 3
    default_key = "core.error.conflict"
