"""Passwords (scrypt), opaque bearer tokens stored hashed, and limits on failed logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from schemas.validators import format_time
from server.db import tokens, users
from server.errors import ApiProblem
from server.settings import Settings

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), **_SCRYPT)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


def user_dict(row) -> dict:
    return {
        "username": row.username,
        "display_name": row.display_name,
        "phone": row.phone,
        "role": row.role,
        # A unit user has no division scope (DESIGN 15: its cases alone, not the register), whatever
        # the row says: scope codes on such an account would open the register to it.
        "scope": [] if row.role == "unit" else json.loads(row.scope),
        "unit": row.unit,
    }


def login(conn: Connection, username: str, password: str, device_id: str | None, device_name: str | None,
          settings: Settings | None = None) -> dict:
    """Check the password and issue a token. The caller counts attempts first
    (``server.services.login_limits``: 429 when too many failed), so only failures count and
    scripts that log in often are never limited."""
    settings = settings or Settings()
    row = conn.execute(select(users).where(users.c.username == username)).first()
    # Hash even for unknown users so that timing does not tell which usernames exist.
    ok = verify_password(password, row.password_hash if row else "scrypt$AAAA$AAAA")
    if not row or not ok:
        raise ApiProblem(401, "Unauthorized", "wrong username or password", code="bad_credentials")
    token = secrets.token_urlsafe(32)
    expires = now() + settings.token_lifetime
    conn.execute(
        insert(tokens).values(
            token_hash=_token_hash(token), username=username, device_id=device_id, device_name=device_name,
            created_at=format_time(now()), expires_at=format_time(expires), revoked=False,
        )
    )
    return {"access_token": token, "token_type": "bearer", "expires_at": format_time(expires), "user": user_dict(row)}


def authenticate(conn: Connection, token: str) -> dict:
    row = conn.execute(
        select(users, tokens.c.expires_at, tokens.c.revoked)
        .join(tokens, tokens.c.username == users.c.username)
        .where(tokens.c.token_hash == _token_hash(token))
    ).first()
    if row is None or row.revoked or row.expires_at < format_time(now()):
        raise ApiProblem(401, "Unauthorized", "the token is missing, expired or revoked; log in again", code="bad_token")
    return user_dict(row)


def revoke(conn: Connection, token: str) -> None:
    conn.execute(update(tokens).where(tokens.c.token_hash == _token_hash(token)).values(revoked=True))
