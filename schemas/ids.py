"""UUIDv7 (RFC 9562): time-ordered ids that a client makes offline and the server accepts.

Python 3.11 has no ``uuid.uuid7``; this is the layout: 48-bit Unix milliseconds, version 7,
12 random bits, variant 10, 62 random bits.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7(ms: int | None = None, rand: bytes | None = None) -> str:
    ms = int(time.time() * 1000) if ms is None else ms
    rand = rand if rand is not None else os.urandom(10)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(rand[:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(rand[2:10], "big") & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
