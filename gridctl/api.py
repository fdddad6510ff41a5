"""The HTTP client of DESIGN §5 (httpx, imported on first use).

Timeouts everywhere; idempotent requests (GET, HEAD, PUT of a blob, and push — idempotent by
mutation id) are retried with exponential backoff and jitter, honouring Retry-After. Problem
responses become the typed errors of ``gridctl.errors``; a server that cannot be reached is
``Unreachable`` (exit 8).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any, Iterator

from gridctl import __version__
from gridctl.errors import (
    AuthFailed,
    Forbidden,
    GridctlError,
    InvalidInput,
    NotFound,
    NotLoggedIn,
    ServerError,
    Unreachable,
)

RETRY_STATUS = {429, 502, 503, 504}


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 10.0,
                 connect_timeout: float = 3.0, retries: int = 3, lang: str | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self._token = token
        self.retries = retries
        self.lang = lang  # the language the server words its answers in (None: its default, English)
        headers = {"User-Agent": f"gridctl/{__version__}", "Accept": "application/json"}
        if lang:
            headers["Accept-Language"] = "zh-CN" if lang == "zh" else "en"
        self._http = httpx.Client(base_url=self.base_url + "/api/v1", headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=connect_timeout))

    def __repr__(self) -> str:  # never show the token
        return f"ApiClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    # --- plumbing ------------------------------------------------------------------------

    def request(self, method: str, path: str, *, idempotent: bool | None = None, auth: bool = True,
                json_body: bool = False, **kw: Any):
        """The response (or, with ``json_body``, its parsed JSON). A cut, reset or truncated
        answer — a 200 whose body does not parse included — is a transport fault: retried like
        a timeout when the request is idempotent, else (or if it persists) ``Unreachable``."""
        import httpx

        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        headers = kw.pop("headers", {})
        if auth:
            if not self._token:
                raise NotLoggedIn()
            headers["Authorization"] = f"Bearer {self._token}"
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, headers=headers, **kw)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                # TransportError: connect/read/write errors and timeouts, a reset connection, a
                # body shorter than its Content-Length (RemoteProtocolError).
                if attempt + 1 < attempts and not isinstance(exc, httpx.ConnectError):
                    self._sleep(attempt, None)
                    continue
                raise Unreachable(server=self.base_url) from None
            if response.status_code in RETRY_STATUS and attempt + 1 < attempts:
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code >= 400:
                raise self._error(response)
            if not json_body:
                return response
            try:
                return response.json()
            except ValueError:  # JSONDecodeError and UnicodeDecodeError: a garbled or cut body
                if attempt + 1 < attempts:
                    self._sleep(attempt, None)
                    continue
                raise Unreachable(server=self.base_url) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _sleep(attempt: int, retry_after: str | None) -> None:
        delay = min(8.0, 0.25 * 2**attempt) * (0.5 + random.random())
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), 30.0))
            except ValueError:
                pass
        time.sleep(delay)

    def _error(self, response) -> GridctlError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        detail = body.get("detail") or body.get("title") or response.reason_phrase
        status = response.status_code
        errors = body.get("errors") or []
        field = errors[0].get("field") if errors else None
        if status == 401:
            if response.request.url.path.endswith("/auth/token") and response.request.method == "POST":
                return AuthFailed(detail=None)
            return NotLoggedIn("core.error.session_expired")
        if status == 403:
            return Forbidden(detail=detail)
        if status == 404:
            return NotFound(detail=None)
        if status == 429:
            return AuthFailed("core.error.rate_limited", after=response.headers.get("Retry-After", "?"))
        if status in (400, 409, 413, 415, 422):
            return InvalidInput("core.error.server_refused", field=field, detail=detail)
        if status in (502, 503, 504):
            # A gateway that cannot reach the server, or a server not taking requests: the
            # server is unreachable (exit 8), not broken.
            return Unreachable(server=self.base_url)
        return ServerError(detail=f"HTTP {status}")

    # --- endpoints -----------------------------------------------------------------------

    def health(self) -> dict:
        return self.request("GET", "/health", auth=False, json_body=True)

    def login(self, username: str, password: str, device_id: str | None = None, device_name: str | None = None) -> dict:
        body = {"username": username, "password": password, "device_id": device_id, "device_name": device_name}
        return self.request("POST", "/auth/token", auth=False, json=body, json_body=True)

    def logout(self) -> None:
        self.request("DELETE", "/auth/token")

    def me(self) -> dict:
        return self.request("GET", "/me", json_body=True)

    def divisions(self, parent: str | None = None) -> list[dict]:
        return self.request("GET", "/divisions", params=_params(parent=parent), json_body=True)

    def list(self, kind: str, **filters: Any) -> dict:
        """One page of ``/households``, ``/persons``, ``/cases`` or ``/visits``."""
        return self.request("GET", f"/{kind}", params=_params(**filters), json_body=True)

    def iterate(self, kind: str, page_size: int = 1000, **filters: Any) -> Iterator[dict]:
        """Every item of a list endpoint, page by page (exports stream through this)."""
        cursor = None
        while True:
            page = self.list(kind, cursor=cursor, limit=page_size, **filters)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def get(self, kind: str, ref: str) -> dict:
        return self.request("GET", f"/{kind}/{ref}", json_body=True)

    def push(self, device_id: str, mutations: list[dict]) -> dict:
        return self.request("POST", "/sync/push", idempotent=True, json={"device_id": device_id, "mutations": mutations}, json_body=True)

    def pull(self, cursor: str | None, limit: int = 1000) -> dict:
        return self.request("GET", "/sync/pull", params=_params(cursor=cursor, limit=limit), json_body=True)

    def blob_exists(self, sha256: str) -> bool:
        try:
            self.request("HEAD", f"/blobs/{sha256}")
            return True
        except NotFound:
            return False

    def put_blob(self, sha256: str, data: bytes) -> None:
        self.request("PUT", f"/blobs/{sha256}", content=data, headers={"Content-Type": "application/octet-stream"})

    def get_blob(self, sha256: str) -> bytes:
        return self.request("GET", f"/blobs/{sha256}").content

    def import_rows(self, kind: str, rows: list, dry_run: bool = False, columns: list[str] | None = None) -> dict:
        """``rows``: objects of column: value, or lists of values in the order of ``columns``."""
        body = {"rows": rows} if columns is None else {"columns": columns, "rows": rows}
        # UTF-8 as is, no spaces: Chinese text escaped as \uXXXX would be three times the bytes.
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        # One transaction per request on the server, and rows are upserts: safe to repeat.
        # The key is the same for every attempt of this batch: a retry after a lost answer is told
        # what the first attempt did (created), not what the retry found (unchanged).
        return self.request("POST", f"/import/{kind}", idempotent=True, params={"dry_run": str(dry_run).lower()},
                            content=content, headers={"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"},
                            json_body=True)

    def export_lines(self, kind: str, **params: Any) -> Iterator[bytes]:
        """The JSON lines of ``/export/{kind}`` as they arrive (a generator: the request is made on
        the first ``next``). Errors before the first line raise like any request; a connection
        that breaks later raises ``Unreachable``."""
        import httpx

        if not self._token:
            raise NotLoggedIn()
        query = _params(**{k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items()})
        try:
            with self._http.stream("GET", f"/export/{kind}", params=query,
                                   headers={"Authorization": f"Bearer {self._token}"}) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response)
                yield from response.iter_lines()
        except (httpx.TransportError, httpx.StreamError):
            raise Unreachable(server=self.base_url) from None

    def stats_overview(self, division: str) -> dict:
        return self.request("GET", "/stats/overview", params={"division": division}, json_body=True)


def _params(**values: Any) -> dict:
    return {k: v for k, v in values.items() if v is not None}
