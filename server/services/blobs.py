"""Photos: content-addressed, hash verified, at most 10 MB, JPEG/PNG/WebP by content."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from schemas.validators import format_time
from server.db import blobs
from server.errors import ApiProblem, not_found

MAX_BYTES = 10 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


def sniff_image(data: bytes) -> str | None:
    """The image type by its first bytes, not by any name the client gives."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_hash(sha: str) -> None:
    if not _SHA.match(sha):
        raise ApiProblem(422, "Invalid input", "a blob is named by its lowercase hex SHA-256", code="invalid",
                         errors=[{"field": "sha256", "message": "expected 64 lowercase hex digits"}])


def exists(engine: Engine, sha: str) -> bool:
    check_hash(sha)
    with engine.connect() as conn:
        return conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is not None


def put(engine: Engine, sha: str, data: bytes) -> bool:
    """Store the blob; True when new. Idempotent: the same bytes again change nothing."""
    check_hash(sha)
    if len(data) > MAX_BYTES:
        raise ApiProblem(413, "Payload Too Large", f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB", code="too_large")
    if hashlib.sha256(data).hexdigest() != sha:
        raise ApiProblem(422, "Invalid input", "the content does not match its SHA-256", code="hash_mismatch",
                         errors=[{"field": "sha256", "message": "content hash differs"}])
    content_type = sniff_image(data)
    if content_type is None:
        raise ApiProblem(415, "Unsupported Media Type", "photos must be JPEG, PNG or WebP images", code="not_an_image")
    if exists(engine, sha):
        return False
    try:
        with engine.begin() as conn:
            conn.execute(insert(blobs).values(sha256=sha, content_type=content_type, size=len(data), data=data,
                                              created_at=format_time(datetime.now(timezone.utc))))
    except IntegrityError:
        return False
    return True


def get(engine: Engine, sha: str) -> tuple[bytes, str]:
    check_hash(sha)
    with engine.connect() as conn:
        row = conn.execute(select(blobs.c.data, blobs.c.content_type).where(blobs.c.sha256 == sha)).first()
    if row is None:
        raise not_found("blob")
    return bytes(row.data), row.content_type
