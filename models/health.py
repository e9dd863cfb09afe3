"""Whether writes are failing for lack of disk space, shared by every worker process.

A write that fails with SQLITE_FULL (or PostgreSQL's "no space left on device") marks
the store as `disk full`; the next write that commits clears the mark. The mark lives in
an anonymous shared memory page made when this module is first imported, i.e. in
`contacts serve`'s master before the workers fork, so whichever worker answers
`/readyz` knows what any of them saw. While the mark is set `/readyz` tries one tiny
write itself (`probe_write`), so it turns ready again once space is back even if no
client writes meanwhile.
"""
from __future__ import annotations

import mmap

from .connect import database, is_sqlite

DISK_FULL = "disk full"
_REASONS = {0: None, 1: DISK_FULL}
_state = mmap.mmap(-1, mmap.PAGESIZE)  # MAP_SHARED | MAP_ANONYMOUS: inherited across fork


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` is a write failing for lack of space (SQLite or PostgreSQL)."""
    text = str(exc).lower()
    return (type(exc).__name__ in ("FullError", "DiskFull") or "database or disk is full" in text
            or "no space left on device" in text)


def note_write_error(exc: BaseException) -> None:
    """Remember a failed write when it failed for lack of space."""
    if is_disk_full(exc):
        _state[0] = 1


def note_write_committed() -> None:
    """A write committed: writes work."""
    if _state[0]:
        _state[0] = 0


def write_failure() -> str | None:
    """Why writes are failing ("disk full"), or None when the last write worked."""
    return _REASONS.get(_state[0])


def probe_write() -> bool:
    """Try one tiny write (SQLite: rewrite the header's user_version); True when it commits."""
    from .writer import run_write

    def _probe():
        if is_sqlite():
            version = database.execute_sql("PRAGMA user_version").fetchone()[0]
            database.execute_sql(f"PRAGMA user_version = {int(version)}")  # dirties page 1: a real commit
        else:
            database.execute_sql("SELECT 1")

    try:
        run_write(_probe)
    except Exception as exc:  # noqa: BLE001 - any failure means writes still fail
        note_write_error(exc)
        return False
    return True
