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

PASSIVE alone does not bound the WAL: SQLite starts writing the WAL from its beginning
again only when every frame has been copied back and no reader still uses one, and with
readers and writers overlapping without a pause that moment never came (the WAL grew
~50 MB/s, to a GB for a few MB of data). So when the file has passed `wal_limit`
bytes the checkpointer copies once more without holding anyone, then takes the writer
lock (writers of every process wait), copies the little that is left and truncates the
file (TRUNCATE, which waits for the readers still reading old frames, at most
CHECKPOINT_WAIT_SECONDS), then lets the writers go. A write that leaves the WAL past
`wal_limit` wakes the checkpointer at once (`wal_watch`) instead of at its next tick, so
the WAL stays within about `wal_limit` plus what is written while a round copies it. A truncation
that could not finish (a reader held its snapshot: an export streams from one) is tried
again after a pause that doubles up to RETRY_MAX_SECONDS, so a long reader costs the
writers a 2 s wait now and then rather than most of their time; SQLite cannot reuse the
WAL while such a reader needs it, so the WAL grows meanwhile. A truncation that found
another worker's checkpoint under way is no such failure: it is tried at the next tick.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence

from . import wal_watch
from .connect import DEFAULT_SQLITE, SqliteSettings, database, is_sqlite
from .wal_watch import wal_size
from .writer import holding_writers

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.5
# Rounds woken early by a write past the limit (wal_watch) still come at least this far apart:
# a truncation that met the other worker's checkpoint would otherwise be retried at once,
# taking the writer lock again and again while that checkpoint runs.
MIN_GAP_SECONDS = 0.05
# How long a truncating checkpoint waits for readers of old frames (writers wait meanwhile).
CHECKPOINT_WAIT_SECONDS = 2.0
RETRY_MAX_SECONDS = 60.0
# A truncation that held the writers this long is logged as a warning (the disk was slow).
SLOW_SECONDS = 1.0


class _Backoff:
    """When the next truncation may hold the writers again (after one that readers defeated)."""

    def __init__(self) -> None:
        self.not_before = 0.0
        self.delay = CHECKPOINT_WAIT_SECONDS

    def allowed(self) -> bool:
        return time.monotonic() >= self.not_before

    def failed(self) -> None:
        self.not_before = time.monotonic() + self.delay
        self.delay = min(self.delay * 2, RETRY_MAX_SECONDS)

    def succeeded(self) -> None:
        self.not_before, self.delay = 0.0, CHECKPOINT_WAIT_SECONDS


def deferred_checkpoints(settings: SqliteSettings = DEFAULT_SQLITE) -> SqliteSettings:
    """`settings` for connections that skip the automatic checkpoint on commit (the checkpointer's)."""
    return dataclasses.replace(settings, wal_autocheckpoint=0)


def start_checkpointer(interval: float = INTERVAL_SECONDS,
                       tasks: Sequence[Callable[[], object]] = (),
                       wal_limit: int = DEFAULT_SQLITE.journal_size_limit) -> threading.Thread | None:
    """Start the daemon thread that runs `tasks` and checkpoints the WAL every `interval` s,
    truncating it past `wal_limit` bytes (SQLite only)."""
    if not is_sqlite():
        return None
    thread = threading.Thread(target=_checkpoint_forever, args=(interval, tuple(tasks), wal_limit),
                              name="wal-checkpointer", daemon=True)
    thread.start()
    return thread


def checkpoint(wal_limit: int, backoff: _Backoff | None = None) -> bool:
    """One round: a PASSIVE checkpoint, then a truncating one, writers held, if the WAL is past
    `wal_limit`. False when the truncation found readers it could not wait out."""
    database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    if wal_size() <= wal_limit or (backoff is not None and not backoff.allowed()):
        return True
    # Once more without holding anyone: the first pass took tens of ms while the writers went
    # on, and what they wrote meanwhile would otherwise be copied (and synced) with every
    # writer held. Measured under sustained creates at 1M cards: the hold's median went from
    # 84 to 49 ms (docs/benchmarks.md).
    database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    with holding_writers():
        held_from = time.monotonic()
        timeout = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        database.execute_sql(f"PRAGMA busy_timeout = {int(CHECKPOINT_WAIT_SECONDS * 1000)}")
        try:
            busy, frames, copied = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            database.execute_sql(f"PRAGMA busy_timeout = {int(timeout)}")
        held = time.monotonic() - held_from
    if busy and frames == -1:
        # SQLite answers (1, -1, -1) when another connection holds the checkpoint lock: the
        # other worker's checkpointer is copying the WAL back right now. No reader defeated
        # this one, so no backoff: counting these as failures doubled each worker's pause
        # whenever the two ticked together, to a minute, and the WAL reached 940 MB at 1M.
        log.info("WAL truncation skipped: another connection is checkpointing; retrying next tick")
        return True
    # Warnings, not info: every writer of every worker waited meanwhile (the server's log
    # shows them next to the slow requests they caused).
    if busy:
        log.warning("WAL truncation waited %.1f s for readers in vain, writers held (%d of %d frames copied); "
                    "retrying later", held, copied, frames)
    elif held >= SLOW_SECONDS:
        log.warning("WAL truncation held the writers %.1f s", held)
    if backoff is not None and busy:
        backoff.failed()
    elif backoff is not None:
        backoff.succeeded()
    return not busy


def _checkpoint_forever(interval: float, tasks: tuple[Callable[[], object], ...] = (),
                        wal_limit: int = DEFAULT_SQLITE.journal_size_limit,
                        stop: threading.Event | None = None) -> None:
    # `stop` (tests) ends the loop when it next wakes; the server's thread runs until exit.
    backoff = _Backoff()
    gap = min(MIN_GAP_SECONDS, interval)
    wal_watch.watch(wal_limit)
    while True:
        time.sleep(gap)
        if backoff.allowed():  # this round may truncate: a write past the limit wakes it early
            wal_watch.wait(interval - gap)
        else:  # readers defeated the last truncation: passive rounds only, at the usual pace
            time.sleep(interval - gap)
        if stop is not None and stop.is_set():
            return
        for task in tasks:
            try:
                task()
            except Exception:  # retried at the next tick; what it had done is committed or undone
                log.warning("background task %s failed", getattr(task, "__qualname__", task), exc_info=True)
        try:
            # PASSIVE copies what no reader still needs and never waits for a lock; another
            # worker's checkpointer running at the same moment just makes this one a no-op.
            checkpoint(wal_limit, backoff)
        except Exception:  # a failed round is retried at the next tick; the WAL keeps the data
            log.warning("WAL checkpoint failed", exc_info=True)
