"""Photos: content-addressed, hash verified, at most 10 MB, JPEG/PNG/WebP decoded by Pillow.

Scoped (DESIGN §14): a blob is readable by whoever uploaded it and by users whose scope holds a
record naming it (``blob_refs``, written when a case or visit that names it is applied).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from schemas.validators import format_time
from server.db import blob_refs, blob_uploads, blobs, cases
from server.errors import ApiProblem, coded, not_found
from server.scope import case_scope, scope_clause

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def sniff_image(data: bytes) -> str | None:
    """The image type by decoding it with Pillow, never by magic bytes or a name the client gives.

    A file that starts like a JPEG and goes on as HTML fails to decode and is refused. Decoding
    stops at ``MAX_PIXELS`` so that a small file cannot unpack into gigabytes.
    """
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(_FORMATS)) as img:
                if img.width * img.height > MAX_PIXELS:
                    return None
                kind = _FORMATS.get(img.format or "")
                img.load()  # decode every pixel: a truncated or forged body fails here
            with Image.open(io.BytesIO(data), formats=list(_FORMATS)) as again:
                again.verify()  # checksums (PNG CRCs) the decoder does not look at
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for bad input; all mean "not an image"
        return None
    return kind


def check_hash(sha: str) -> None:
    if not _SHA.match(sha):
        raise ApiProblem(422, "Invalid input", "a blob is named by its lowercase hex SHA-256", code="invalid",
                         errors=[{"field": "sha256", "message": "expected 64 lowercase hex digits"}])


def may_read(engine: Engine, user: dict, sha: str) -> bool:
    """The caller uploaded the blob, or a case/visit/person in the caller's scope names it."""
    check_hash(sha)
    with engine.connect() as conn:
        if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is None:
            return False
        mine = conn.execute(select(blob_uploads.c.sha256).where(
            blob_uploads.c.sha256 == sha, blob_uploads.c.username == user["username"])).first()
        if mine is not None:
            return True
        return conn.execute(select(blob_refs.c.sha256).where(
            blob_refs.c.sha256 == sha, _refs_in_scope(user))).first() is not None


def _refs_in_scope(user: dict):
    """The photo references a user's scope holds. A unit's scope is the cases dispatched to it
    (DESIGN 15), not grids: it sees the photos of those cases, to find the stall it must clear."""
    if user.get("role") == "unit":
        return (blob_refs.c.entity == "case") & blob_refs.c.entity_id.in_(
            select(cases.c.id).where(case_scope(cases, user)))
    return scope_clause(blob_refs.c.grid_code, user["scope"])


def exists(engine: Engine, user: dict, sha: str) -> bool:
    # Out of scope answers exactly like missing (DESIGN §5, §14).
    return may_read(engine, user, sha)


def put(engine: Engine, user: dict, sha: str, data: bytes) -> bool:
    """Store the blob and note the uploader; True when new. Idempotent: the same bytes again
    change nothing but let this uploader read them (they evidently hold the photo already)."""
    check_hash(sha)
    if len(data) > MAX_BYTES:
        mb = MAX_BYTES // (1024 * 1024)
        raise ApiProblem(413, "Payload Too Large", f"a photo may be at most {mb} MB", code="too_large",
                         says=("photo", "blob.too_large", {"mb": mb}))
    if hashlib.sha256(data).hexdigest() != sha:
        raise ApiProblem(422, "Invalid input", "the content does not match its SHA-256", code="hash_mismatch",
                         errors=[{"field": "sha256", "message": "content hash differs"}])
    content_type = sniff_image(data)
    if content_type is None:
        raise ApiProblem(415, "Unsupported Media Type", "photos must be JPEG, PNG or WebP images that decode",
                         code="not_an_image", says=("photo", "blob.not_an_image", {}))
    at = format_time(datetime.now(timezone.utc))
    created = True
    try:
        with engine.begin() as conn:
            if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is None:
                conn.execute(insert(blobs).values(sha256=sha, content_type=content_type, size=len(data), data=data,
                                                  created_at=at))
            else:
                created = False
    except IntegrityError:
        created = False
    try:
        with engine.begin() as conn:
            if conn.execute(select(blob_uploads.c.sha256).where(
                    blob_uploads.c.sha256 == sha, blob_uploads.c.username == user["username"])).first() is None:
                conn.execute(insert(blob_uploads).values(sha256=sha, username=user["username"], at=at))
    except IntegrityError:
        pass  # a concurrent upload of the same photo by the same user recorded it
    return created


def get(engine: Engine, user: dict, sha: str) -> tuple[bytes, str]:
    if not may_read(engine, user, sha):
        raise not_found("blob")
    with engine.connect() as conn:
        row = conn.execute(select(blobs.c.data, blobs.c.content_type).where(blobs.c.sha256 == sha)).first()
    if row is None:
        raise not_found("blob")
    return bytes(row.data), row.content_type


def check_named(conn: Connection, user: dict, photos: list[str], field: str = "photos") -> None:
    """A mutation may name only photos the server holds and the writer may read (uploaded by
    them, or already on a record in their scope): naming a hash never grants access to it."""
    for sha in photos:
        held = conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is not None
        ok = held and (
            conn.execute(select(blob_uploads.c.sha256).where(
                blob_uploads.c.sha256 == sha, blob_uploads.c.username == user["username"])).first() is not None
            or conn.execute(select(blob_refs.c.sha256).where(
                blob_refs.c.sha256 == sha, _refs_in_scope(user))).first() is not None)
        if not ok:
            raise coded(422, field, "photo.not_held", sha=sha)


def record_refs(conn: Connection, photos: list[str], entity: str, entity_id: str, grid_code: str) -> None:
    for sha in dict.fromkeys(photos):
        conn.execute(insert(blob_refs).values(sha256=sha, entity=entity, entity_id=entity_id, grid_code=grid_code))
