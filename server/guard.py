"""ASGI middleware in front of every route (DESIGN §14).

- Request bodies over ``MAX_BODY`` (20 MB) answer 413 before anything parses them: a declared
  Content-Length over the cap is refused at once, and a body streamed without one is counted
  as it arrives and cut off at the cap.
- Query strings and paths carrying control characters (NUL, C0, C1) answer 400: no database
  stores them faithfully (PostgreSQL refuses NUL in text) and no legitimate client sends them.
- Every response carries ``X-Content-Type-Options: nosniff`` so that a browser never runs a
  stored photo as HTML or script.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException

MAX_BODY = 20 * 1024 * 1024
PROBLEM = b"application/problem+json"


class _TooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes an HTTPException through its body parsing (any other
    error there becomes a 400), and the app's handler answers it as problem+json 413."""

    def __init__(self) -> None:
        super().__init__(413, "Payload Too Large")


def _has_control(raw: bytes) -> bool:
    # Percent-decoded bytes: C0 and DEL directly; C1 arrive as UTF-8 \xc2\x80-\xc2\x9f.
    if any(b < 0x20 or b == 0x7F for b in raw):
        return True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True  # not text at all: no parameter of this API is binary
    return any(0x80 <= ord(ch) <= 0x9F for ch in text)


async def _send_problem(send, status: int, title: str, detail: str, code: str, field: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code,
                       "errors": [{"field": field, "message": detail}]}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", PROBLEM), (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        query = scope.get("query_string") or b""
        if _has_control(unquote_to_bytes(query.replace(b"+", b" "))) or _has_control(scope.get("path", "").encode()):
            return await _send_problem(send, 400, "Bad Request", "a parameter holds control characters or is not UTF-8",
                                       "bad_parameter", "query")
        declared = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await _send_problem(send, 400, "Bad Request", "Content-Length is not a number",
                                               "bad_request", "content-length")
        too_large = f"the request body may be at most {self.max_body // (1024 * 1024)} MB"
        if declared is not None and declared > self.max_body:
            return await _send_problem(send, 413, "Payload Too Large", too_large, "too_large", "body")

        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def guarded_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLarge:
            if not started:
                await _send_problem(send, 413, "Payload Too Large", too_large, "too_large", "body")
