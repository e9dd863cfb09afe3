"""Writing: one writer at a time, write transactions, retries while busy, group commit.

Every write of the service runs through `run_write` (or `run_grouped_write`, which lets
writes of several threads share one commit); both take the writer lock first. On
SQLite the lock is this process's lock plus an flock of `<database>-writelock`, so a
write transaction never waits in SQLite's busy handler; on PostgreSQL a write is an
ordinary transaction. With `synchronous=FULL` a write's commit is synced to disk after
the writer lock is released and before the write returns (see `_sync_wal`).
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import peewee
from peewee import OperationalError

from . import health, wal_watch
from .connect import database, is_postgres, is_sqlite, sqlite_file, syncs_after_release

log = logging.getLogger(__name__)


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# One SQLite writer at a time, handed over at once: threads of a process queue on a lock,
# processes on an flock of `<database>-writelock`. Waiting in SQLite's busy handler
# instead means sleeping 1-100 ms between polls, so with several writers a process that
# just committed takes the lock again first and the others starve (POST tails of 0.5-1.5 s
# were measured with 2 workers x 4 threads).
_process_writer = threading.RLock()
_lock_files: dict[str, int] = {}


def _writer_lock_fd(db: peewee.Database) -> int | None:
    path = sqlite_file(db)
    if path is None:
        return None
    fd = _lock_files.get(path)
    if fd is None:
        fd = _lock_files[path] = os.open(f"{path}-writelock", os.O_RDWR | os.O_CREAT, 0o600)
    return fd


@contextmanager
def _serialised_writer() -> Iterator[None]:
    with _process_writer:
        fd = _writer_lock_fd(database.obj)
        if fd is None:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL; woken as soon as it is free
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    # Outside both locks: a write that left the WAL past its limit wakes the checkpointer now
    # rather than at its next tick (models/wal_watch.py).
    wal_watch.after_write()


@contextmanager
def holding_writers() -> Iterator[None]:
    """Keep every writer (this process's threads and other processes) waiting for the block."""
    if not is_sqlite():
        yield
        return
    with _serialised_writer():
        yield


@contextmanager
def write_transaction() -> Iterator[None]:
    """An IMMEDIATE (SQLite) / ordinary (PostgreSQL) transaction for one write.

    The writer lock is taken up front so that the busy timeout applies, instead of
    failing on a lock upgrade half-way through (SQLite's DEFERRED default).
    """
    if not is_sqlite() or database.in_transaction():
        outermost = not database.in_transaction()
        with database.atomic():
            if outermost and is_postgres():
                _queue_behind_card_writers()
            yield
        return
    wal = syncs_after_release()
    with _commit_unsynced(wal), _serialised_writer(), database.atomic():
        yield
    if wal is not None:  # committed: on disk before the caller goes on
        _sync_wal(wal)


# PostgreSQL: migration 0710's statement triggers take this transaction-level advisory lock
# before a transaction's first write to contact, contact_group or group_membership, so
# card writers commit in sync-token order. A write that first locks a row (SELECT ... FOR
# UPDATE of the card or group it changes) and only then writes would hold that row while
# queueing for the lock, and a writer holding the lock that needs the row (a membership's
# foreign-key check, a rename touching its members) would wait for it: a deadlock, seen
# under concurrent CardDAV PUTs and Incoplax group PATCHes. Every write transaction takes the
# lock first instead (re-taking it in the triggers is free), so writers queue before any row.
CARD_WRITERS_LOCK = 7_345_002  # the key of migration 0710 (PG_LOCK)


def _queue_behind_card_writers() -> None:
    database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (CARD_WRITERS_LOCK,))


# ---------------------------------------------------------------- syncing outside the lock

# With synchronous=FULL SQLite syncs the WAL inside COMMIT, while the writer lock is held:
# 1-2 ms of this host's disk during which no other writer, thread or process, can begin
# (creates were bound by it: groups of ~3 creates held the lock 2.5-3.3 ms, 1.2-2.3 ms of
# it the sync). The writes made here commit with synchronous=NORMAL instead (the WAL is
# written, not synced), release the lock, then sync the WAL themselves before they
# return, so a write is still on disk before it is acknowledged, and the next writer's
# statements run during this one's sync. A sync takes with it every commit written to
# the WAL before it; one that SQLite has already copied into the database file was
# synced there by that checkpoint (which syncs the WAL first, then the database file).
# Unlike inside COMMIT, a reader may see a commit during its sync, before it is
# acknowledged; a power cut at that moment loses what the reader saw, never a write
# that was acknowledged.
_synced_wal_files: set[tuple[int, int]] = set()
SLOW_SYNC_SECONDS = 1.0


@contextmanager
def _commit_unsynced(wal: str | None) -> Iterator[None]:
    """This connection's commits write the WAL without syncing it (set outside the writer
    lock: the setting is the connection's own, and the lock is held for the write alone)."""
    if wal is None:
        yield
        return
    database.execute_sql("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        database.execute_sql("PRAGMA synchronous = FULL")


def _sync_wal(wal: str) -> None:
    """Put every commit written to the WAL file `wal` so far on disk (fdatasync).

    A failure (EIO: the disk is failing) is raised to every write the sync was for: they
    are committed but not known to be on disk, so none of them is acknowledged.
    """
    try:
        fd = os.open(wal, os.O_RDONLY)
    except FileNotFoundError:  # SQLite deletes a WAL only once it is all in the (synced) database file
        return
    try:
        started = time.monotonic()
        try:
            os.fdatasync(fd)
        except OSError as exc:
            health.note_write_error(exc)
            raise
        took = time.monotonic() - started
        if took >= SLOW_SYNC_SECONDS:  # every write of the group waited for it: say so in the log
            log.warning("syncing the WAL took %.1f s (the disk is slow; the writes it was for waited)", took)
        stat = os.fstat(fd)
        if (stat.st_dev, stat.st_ino) not in _synced_wal_files:
            # This file's first sync here: its directory entry too, as SQLite does for a new WAL.
            directory = os.open(os.path.dirname(os.path.abspath(wal)), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            _synced_wal_files.add((stat.st_dev, stat.st_ino))
    finally:
        os.close(fd)


def run_write(fn, *args, attempts: int = 5, **kwargs):
    """Run `fn` in a write transaction, retrying when the database stays busy."""
    delay = 0.05
    nested = database.in_transaction()
    for attempt in range(attempts):
        try:
            with write_transaction():
                result = fn(*args, **kwargs)
            if not nested:
                health.note_write_committed()
            return result
        except OperationalError as exc:
            health.note_write_error(exc)
            if not _is_busy(exc) or attempt == attempts - 1:
                raise
            log.warning("database busy, retrying write (attempt %d)", attempt + 1)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- group commit

class _GroupedWrite:
    """One thread's write, waiting to be committed in a group."""

    __slots__ = ("fn", "args", "finish", "result", "error", "taken", "done")

    def __init__(self, fn, args, finish) -> None:
        self.fn, self.args, self.finish = fn, args, finish
        self.result = self.error = None
        self.taken = False  # in a leader's batch: committed (or failed) by it, never by its own thread
        self.done = False


_grouped: list[_GroupedWrite] = []
_grouped_guard = threading.Lock()
# Signalled when a leader lets go or finishes a batch: the writes it committed return at
# once, without taking the writer lock in turn (one of them may otherwise wait for a
# whole later commit first), and the next leader may begin.
_group_changed = threading.Condition(_grouped_guard)
_leading = False  # a thread of this process is committing a group (guarded by _grouped_guard)


def run_grouped_write(fn, *args, finish=None, attempts: int = 5):
    """`run_write(fn, *args)`, committed together with the writes other threads of this
    process are waiting to make at the same moment (SQLite).

    A commit writes every page the transaction touched to the WAL, and the pages of
    consecutive creates are largely the same ones (the ends of the indexes, the FTS
    segment): four creates in one commit cost half of what four commits cost. One thread
    at a time leads: it takes the writer lock, then everybody's queued writes, and commits
    them, each in its own savepoint (a write alone: the transaction itself) so one failure
    (a conflict, a failed precondition) undoes only that write and is raised in its own
    thread; the others wait for the
    leader and return as soon as the commit holding their write is done (and synced: the
    leader syncs after letting the lock and the lead go, so the next group is being
    written meanwhile).

    `finish(results)`, if given, runs once per group, in the same transaction after every
    write of it, with the results of the writes that succeeded; if it fails, the whole
    group fails. It is for work that is cheaper done once for all (FTS5 flushes its
    pending terms as a new index segment at every savepoint: indexing a group's cards
    in `finish` writes one segment instead of one per card).
    """
    global _leading
    if not is_sqlite() or database.in_transaction():
        return run_write(_finished, fn, args, finish, attempts=attempts)
    job = _GroupedWrite(fn, args, finish)
    with _group_changed:
        _grouped.append(job)
    wal = syncs_after_release()
    delay, failures = 0.05, 0
    while True:
        with _group_changed:
            while not job.done and (job.taken or _leading):
                _group_changed.wait()
            if job.done:
                break
            _leading = True
        busy, committed, batch = False, False, []
        try:
            with _commit_unsynced(wal), _serialised_writer():
                with _group_changed:
                    batch = _grouped[:]  # everything queued until now, this thread's write too
                    _grouped.clear()
                    for item in batch:
                        item.taken = True
                try:
                    _commit_group(batch)
                    committed = True
                    health.note_write_committed()
                except Exception as exc:  # the transaction itself failed: none of the batch is stored
                    health.note_write_error(exc)
                    failures += 1
                    busy = isinstance(exc, OperationalError) and _is_busy(exc) and failures < attempts
                    with _group_changed:
                        if busy:
                            for item in batch:
                                item.taken = False
                            _grouped[:0] = batch  # for the next leader, maybe this thread again
                        else:
                            _fail(batch, exc)
        except BaseException as exc:
            with _group_changed:  # e.g. interrupted before taking the batch: never commit it later
                if job in _grouped:
                    _grouped.remove(job)
                # Taken and not finished: the batch's other threads would wait for ever.
                _fail([item for item in batch if item.taken and not item.done and item is not job], exc)
            raise
        finally:
            with _group_changed:
                _leading = False
                _group_changed.notify_all()
        if committed:
            _settle(batch, wal)
        if busy:
            log.warning("database busy, retrying grouped write (attempt %d)", failures)
            time.sleep(delay)
            delay *= 2
    if job.error is not None:
        raise job.error
    return job.result


def _settle(batch: list[_GroupedWrite], wal: str | None) -> None:
    """After the lead is let go: sync the batch's commit, then let its threads return."""
    error = None
    if wal is not None:
        try:
            _sync_wal(wal)
        except OSError as exc:  # committed, but not known to be on disk: acknowledge none of it
            error = exc
    with _group_changed:
        if error is not None:
            _fail(batch, error)
        for item in batch:
            item.done = True
        _group_changed.notify_all()


def _fail(batch: list[_GroupedWrite], exc: BaseException) -> None:
    for item in batch:
        item.error, item.done = exc, True


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint around one write of a group, always of the same name: SQLite prepares (and
    APSW caches) the same statements each time, where Peewee names each savepoint anew (two
    statements prepared per write). A group's writes run one after another, never nested."""
    database.execute_sql("SAVEPOINT grouped_write")
    try:
        yield
    except BaseException:
        database.execute_sql("ROLLBACK TO SAVEPOINT grouped_write")
        database.execute_sql("RELEASE SAVEPOINT grouped_write")
        raise
    database.execute_sql("RELEASE SAVEPOINT grouped_write")


def _commit_group(batch: list[_GroupedWrite]) -> None:
    for item in batch:
        item.result = item.error = None
    with database.atomic() as transaction:
        if len(batch) == 1:  # alone: the transaction is its savepoint
            try:
                batch[0].result = batch[0].fn(*batch[0].args)
            except Exception as exc:  # undone; the (now empty) transaction still commits
                batch[0].error = exc
                transaction.rollback()
        else:
            for item in batch:
                try:
                    with _savepoint():
                        item.result = item.fn(*item.args)
                except Exception as exc:  # this write is undone; the others go on
                    item.error = exc
        finishes: dict = {}
        for item in batch:
            if item.error is None and item.finish is not None:
                finishes.setdefault(item.finish, []).append(item.result)
        for finish, results in finishes.items():
            finish(results)


def _finished(fn, args, finish):
    """One write and its `finish`, outside a group (PostgreSQL, or inside a transaction)."""
    result = fn(*args)
    if finish is not None:
        finish([result])
    return result
