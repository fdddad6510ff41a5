"""Record and mutation ids made on the client (UUIDv7), and telling an id from a short ref.

The UUIDv7 layout itself lives in ``schemas.ids`` because the server checks the same ids; this
module adds what only the client needs: reading the moment an id was made (the outbox shows it)
and deciding whether a command-line ref is a full id, an id prefix or something else (a serial).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from schemas.ids import uuid7

__all__ = ["uuid7", "new_id", "made_at", "is_full_id", "is_id_prefix", "MIN_PREFIX"]

MIN_PREFIX = 8  # shorter prefixes collide too often among a worker's few thousand records
_FULL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PREFIX = re.compile(r"^[0-9a-f-]+$")


def new_id() -> str:
    return uuid7()


def made_at(record_id: str) -> datetime | None:
    """When a UUIDv7 was made (its first 48 bits are Unix milliseconds); None for other ids."""
    if not is_full_id(record_id) or record_id[14] != "7":
        return None
    ms = int(record_id.replace("-", "")[:12], 16)
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def is_full_id(ref: str) -> bool:
    return bool(_FULL.match(ref.lower()))


def is_id_prefix(ref: str) -> bool:
    """A ref that can only be the start of an id: hex digits and dashes, long enough to be unique."""
    return len(ref) >= MIN_PREFIX and bool(_PREFIX.match(ref.lower()))
