"""Errors the service layer raises; the app turns each into application/problem+json."""

from __future__ import annotations


class ApiProblem(Exception):
    """An RFC 9457 problem: ``status``, a short ``title``, a ``detail`` and per-field ``errors``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        says: tuple[str, str, dict] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.errors = errors or []
        self.headers = headers or {}
        # (field, message code, params): lets the problem be worded in the request's language.
        self.says = says

    def worded(self, lang: str) -> tuple[str | None, list[dict]]:
        """Detail and errors in ``lang`` ('zh' or 'en'; Accept-Language) when the text has a code
        in schemas.messages; as raised otherwise."""
        if self.says is None or lang == "en":
            return self.detail, self.errors
        from schemas.messages import MESSAGES, message

        field, code, params = self.says
        if code not in MESSAGES:
            return self.detail, self.errors
        text = message(code, lang, **params)
        if "{" in text:  # a parameter the raiser did not give: keep the English it wrote
            return self.detail, self.errors
        # No internal field name in front: the message names what it is about.
        return text, [{**e, "message": text} if e.get("field") == field else e for e in self.errors]

    def to_dict(self, lang: str = "en") -> dict:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        detail, errors = self.worded(lang)
        if detail:
            body["detail"] = detail
        if self.code:
            body["code"] = self.code
        body["errors"] = errors
        said = self.said()
        if said is not None:
            body["says"] = said
        return body

    def said(self) -> dict | None:
        """The text's code and parameters (additive on the wire, DESIGN 6): a client keeps them
        with a refused write and says it again in the language of whoever reads it later."""
        if self.says is None:
            return None
        from schemas.messages import MESSAGES

        field, code, params = self.says
        if code not in MESSAGES:
            return None
        said = {"code": code, "params": jsonable(params)}
        if field and (self.detail or "").startswith(f"{field}: "):
            said["field"] = field  # the English detail names the field in front of the text
        return said


def jsonable(params: dict) -> dict:
    """Message parameters as JSON carries them: dates and the like as the text they read as."""
    def one(value: object) -> object:
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, (list, tuple)):
            return [one(v) for v in value]
        return str(value)

    return {str(k): one(v) for k, v in params.items()}


def not_found(what: str = "resource") -> ApiProblem:
    # Out-of-scope objects answer exactly like missing ones (DESIGN §5).
    return ApiProblem(404, "Not Found", f"{what} not found", code="not_found")


def invalid(field: str, message: str, code: str | None = None, /, *, says: str | None = None,
            **params: object) -> ApiProblem:
    """A refused field. ``says`` (default ``code``) names the schemas.messages text that words
    ``message`` in another language, with ``params``; ``code`` is what clients act on."""
    return ApiProblem(
        422, "Invalid input", f"{field}: {message}", code=code or "invalid",
        errors=[{"field": field, "message": message, "code": code}],
        says=(field, says or code or "invalid", params),
    )


def request_lang(request) -> str:
    """'zh' or 'en' from the request's Accept-Language."""
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def forbidden(detail: str, code: str = "forbidden") -> ApiProblem:
    return ApiProblem(403, "Forbidden", detail, code=code)


def coded(status: int, field: str, code: str, **params) -> ApiProblem:
    """A problem whose client code is a ``schemas.messages`` code: written in English here and
    worded in the request's language by ``ApiProblem.worded`` (``says``)."""
    from schemas.messages import message

    text = message(code, "en", **params)
    return ApiProblem(status, "Invalid input", f"{field}: {text}", code=code,
                      errors=[{"field": field, "message": text, "code": code}], says=(field, code, params))
