"""Request dependencies: the engine and the calling user.

``current_user`` returns ``{"username", "display_name", "phone", "role", "scope": [codes]}``
from the bearer token, or answers 401 (problem+json). ``get_settings`` gives the server's
``server.settings.Settings`` (time limits, visit frequencies).
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from server import auth
from server.errors import ApiProblem
from server.settings import Settings

_bearer = HTTPBearer(auto_error=False)


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def bearer_token(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise ApiProblem(401, "Unauthorized", "log in first: send Authorization: Bearer <token>", code="no_token")
    return creds.credentials


def current_user(token: str = Depends(bearer_token), engine: Engine = Depends(get_engine)) -> dict:
    with engine.connect() as conn:
        return auth.authenticate(conn, token)


def require_admin(user: dict = Depends(current_user)) -> dict:
    if user["role"] != "admin":
        raise ApiProblem(403, "Forbidden", "only an admin may do this", code="forbidden",
                         says=("", "auth.admin_only", {}))
    return user


def client_address(request: Request) -> str:
    """The peer's address as the server sees it (no forwarding header is trusted here)."""
    return request.client.host if request.client else "unknown"
