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
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.errors = errors or []
        self.headers = headers or {}

    def to_dict(self) -> dict:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.code:
            body["code"] = self.code
        body["errors"] = self.errors
        return body


def not_found(what: str = "resource") -> ApiProblem:
    # Out-of-scope objects answer exactly like missing ones (DESIGN §5).
    return ApiProblem(404, "Not Found", f"{what} not found", code="not_found")


def invalid(field: str, message: str, code: str | None = None) -> ApiProblem:
    return ApiProblem(
        422, "Invalid input", f"{field}: {message}", code=code or "invalid",
        errors=[{"field": field, "message": message, "code": code}],
    )


def forbidden(detail: str, code: str = "forbidden") -> ApiProblem:
    return ApiProblem(403, "Forbidden", detail, code=code)
