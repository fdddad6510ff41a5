"""Files that may hold personal data (rejected import rows, revealed exports, initial passwords)
are created readable by the user alone, whatever the umask (DESIGN §14)."""

from __future__ import annotations

import os
from pathlib import Path


def open_private(path: Path, mode: str = "w", **kw):
    """Open ``path`` for writing, created (or truncated) with mode 0600 whatever the umask."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode through os.open
        return os.fdopen(fd, mode, **kw)
    except BaseException:
        os.close(fd)
        raise


def keep_private(stream) -> None:
    """A revealed export sent to standard output that the shell redirected into a file
    (``gridctl export persons --reveal > persons.jsonl``) lands in a file the shell created with
    the umask's mode, often readable by all: gridctl makes that file its owner's alone, as it does
    the files it creates. A pipe or a terminal is left as it is."""
    import stat

    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode) and mode & 0o077:
            os.fchmod(fd, 0o600)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's buffer), or not ours to change: nothing to tighten
