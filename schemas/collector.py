"""The cyclic garbage collector held off while a bulk import handles its rows (both sides).

An import makes hundreds of thousands of container objects (rows as lists, their clean dicts,
insert tuples, the client's index of keys already seen) that live for a batch or the whole file.
Every one of them that survives a young collection is walked again by each older one, and none of
them is in a reference cycle: reference counting frees them all. Measured on 50,000 people, the
server spent a quarter of its CPU and the client half of its reading and checking in collections
that found nothing to free. While any import holds the collector off, reference counting still
frees everything as usual; only garbage in cycles waits, and it is collected once the last
holder leaves (or, should imports overlap without end, whenever a lot may have piled up).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_holders = 0
_was_enabled = False
# Young objects (tracked since the last collection, still alive) past which a leaving holder
# collects them anyway while other imports still hold the collector off (a server answering
# imports back to back): a batch of 5,000 people keeps some 30,000 alive, 500,000 are ~40 MB.
_PILED_UP = 500_000


@contextmanager
def collector_held() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            others = _holders > 0
            if not others and _was_enabled:
                gc.enable()  # the next allocation collects what piled up
        if others and gc.get_count()[0] > _PILED_UP:
            gc.collect(0)
