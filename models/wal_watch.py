"""Waking the WAL checkpointer as soon as a write leaves the WAL past its limit.

The checkpointer (`models/wal.py`) runs a round every half second. On a fast disk the
writers add tens of MB to the WAL in that time (four writers of 100 KB cards: ~25 MB/s
measured), so the WAL reached the limit plus whatever a whole tick let through, three
and four times a 4 MB limit. Every writer now looks at the WAL's size once it has let
the writer lock go, and one that finds it past the limit wakes its process's
checkpointer at once. Both live in the same process: each worker has its own
checkpointer, woken by its own writers.
"""
from __future__ import annotations

import os
import threading

from .connect import sqlite_file

_wake = threading.Event()
# The limit in bytes, or None while no checkpointer runs in this process (tests, the CLI's
# other commands): then a write does not even look at the WAL.
_limit: int | None = None


def watch(limit: int | None) -> None:
    """Wake the checkpointer whenever a write leaves the WAL past `limit` bytes (None: stop)."""
    global _limit
    _limit = limit


def wal_size() -> int:
    """Bytes in the current database's WAL file (0 when there is none)."""
    path = sqlite_file()
    try:
        return os.path.getsize(f"{path}-wal") if path is not None else 0
    except OSError:
        return 0


def after_write() -> None:
    """Wake the checkpointer if the WAL is past the limit (one stat, ~2 us, when one runs)."""
    if _limit is not None and wal_size() > _limit:
        wake()


def wake() -> None:
    """Wake the checkpointer now (its round runs at once, or as soon as the one under way ends)."""
    _wake.set()


def wait(seconds: float) -> bool:
    """Sleep up to `seconds`, less if a write passed the limit meanwhile; True when woken early."""
    woken = _wake.wait(seconds)
    _wake.clear()
    return woken
