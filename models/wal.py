"""Checkpointing SQLite's write-ahead log off the request path (`contacts serve`).

By default the commit that takes the WAL past 1,000 pages copies them into the database
file and syncs it, while it still holds the write lock: at a million cards that is a
random write of 4 MB, and every writer queued behind it waits (POST tails of 0.5-1 s
were measured). Under `contacts serve` the connections skip these automatic
checkpoints (they are opened with `deferred_checkpoints()`'s settings) and a daemon
thread in each worker runs a PASSIVE checkpoint twice a second instead: it never holds
the write lock, so writers and readers go on meanwhile.
The same thread runs the work the services defer off the request path (`tasks`, e.g.
indexing new cards for FOLIO in batches) just before each checkpoint.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence

from .connect import DEFAULT_SQLITE, SqliteSettings, database, is_sqlite

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.5


def deferred_checkpoints(settings: SqliteSettings = DEFAULT_SQLITE) -> SqliteSettings:
    """`settings` for connections that skip the automatic checkpoint on commit (the checkpointer's)."""
    return dataclasses.replace(settings, wal_autocheckpoint=0)


def start_checkpointer(interval: float = INTERVAL_SECONDS,
                       tasks: Sequence[Callable[[], object]] = ()) -> threading.Thread | None:
    """Start the daemon thread that runs `tasks` and checkpoints the WAL every `interval` s (SQLite only)."""
    if not is_sqlite():
        return None
    thread = threading.Thread(target=_checkpoint_forever, args=(interval, tuple(tasks)),
                              name="wal-checkpointer", daemon=True)
    thread.start()
    return thread


def _checkpoint_forever(interval: float, tasks: tuple[Callable[[], object], ...] = ()) -> None:
    while True:
        time.sleep(interval)
        for task in tasks:
            try:
                task()
            except Exception:  # retried at the next tick; what it had done is committed or undone
                log.warning("background task %s failed", getattr(task, "__qualname__", task), exc_info=True)
        try:
            # PASSIVE copies what no reader still needs and never waits for a lock; another
            # worker's checkpointer running at the same moment just makes this one a no-op.
            database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:  # a failed round is retried at the next tick; the WAL keeps the data
            log.warning("WAL checkpoint failed", exc_info=True)
