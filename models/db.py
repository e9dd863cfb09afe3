"""The one database layer: URL parsing, connection settings, transactions and retries.

Every statement of the service goes through the `database` proxy defined here. The
concrete database is chosen from a `playhouse.db_url` URL when the app starts.

SQLite URLs (`sqlite:///path`) are served by APSW, which bundles a current SQLite
(3.54 at the time of writing) instead of the interpreter's (3.40 on these machines):
several worker processes writing one WAL file need SQLite >= 3.51.3, the release
that fixed the WAL-reset corruption bug. `sqlite+stdlib:///path` keeps Python's
own sqlite3 module, which the server then only allows with a single worker.
"""
from __future__ import annotations

import datetime
import decimal
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import peewee
from peewee import DatabaseProxy, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse import db_url
from playhouse.apsw_ext import APSWDatabase

log = logging.getLogger(__name__)

# The proxy every model binds to; `open_database` initialises it.
database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    # 8 MB page cache per connection (one per worker thread): the OS page cache holds the
    # file anyway, and worker RSS stays small with 4 threads per worker.
    "cache_size": -8000,
    "temp_store": "memory",
    "journal_size_limit": 64 * 1024 * 1024,
}
BUSY_TIMEOUT_SECONDS = 10.0
# First SQLite release whose WAL mode is safe with several writing processes.
SAFE_MULTI_WRITER_SQLITE = (3, 51, 3)


def _adapt(value: Any) -> Any:
    """Turn Python values APSW cannot bind into the text/ints SQLite stores."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


class ContactsSqliteDatabase(APSWDatabase):
    """APSW-backed SQLite database that binds the types Peewee's fields produce."""

    def execute_sql(self, sql, params=None):  # noqa: D401 - Peewee API
        if params:
            params = [_adapt(p) for p in params]
        return super().execute_sql(sql, params)

    @property
    def sqlite_version(self) -> tuple[int, ...]:
        return self.server_version


class StdlibSqliteDatabase(SqliteDatabase):
    """Python's own sqlite3; fine for one writer, refused for several processes."""

    @property
    def sqlite_version(self) -> tuple[int, ...]:
        return self.server_version


db_url.register_database(ContactsSqliteDatabase, "sqlite")
db_url.register_database(StdlibSqliteDatabase, "sqlite+stdlib")


def is_sqlite(db: peewee.Database | None = None) -> bool:
    """True when the (current) database is SQLite, whichever driver serves it."""
    db = db if db is not None else database.obj
    return isinstance(db, SqliteDatabase)


def is_postgres(db: peewee.Database | None = None) -> bool:
    """True when the (current) database is PostgreSQL."""
    db = db if db is not None else database.obj
    return isinstance(db, PostgresqlDatabase)


def make_database(url: str) -> peewee.Database:
    """Build (not connect) a Peewee database from a `playhouse.db_url` URL."""
    if url.startswith("sqlite") and ":memory:" not in url:
        _ensure_parent_dir(url)
    if url.startswith("sqlite"):
        return db_url.connect(
            url,
            pragmas=SQLITE_PRAGMAS,
            timeout=BUSY_TIMEOUT_SECONDS,
            lock_type="IMMEDIATE",
        )
    return db_url.connect(url)


def _ensure_parent_dir(url: str) -> None:
    import os
    from urllib.parse import urlparse

    path = urlparse(url).path
    # sqlite:///relative/path -> "/relative/path"; sqlite:////abs -> "//abs"
    path = path[1:] if path.startswith("/") else path
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)


def open_database(url: str) -> peewee.Database:
    """Create the database for `url` and bind the model proxy to it."""
    db = make_database(url)
    database.initialize(db)
    return db


def sqlite_version(db: peewee.Database | None = None) -> tuple[int, ...] | None:
    """The SQLite library version serving `db`, or None for other engines."""
    db = db if db is not None else database.obj
    if not is_sqlite(db):
        return None
    if isinstance(db, APSWDatabase):
        import apsw

        return tuple(int(p) for p in apsw.sqlite_lib_version().split("."))
    import sqlite3

    return sqlite3.sqlite_version_info


def multi_writer_safe(db: peewee.Database | None = None) -> bool:
    """Whether several processes may write this database at once."""
    version = sqlite_version(db)
    return version is None or version >= SAFE_MULTI_WRITER_SQLITE


def query_plan(query) -> list[str]:
    """The engine's plan for a Peewee query, one line per step (SQLite or PostgreSQL).

    On PostgreSQL sequential scans are disabled for the EXPLAIN so that the plan shows
    whether an index *can* serve the query, whatever the (tiny) test table size.
    """
    sql, params = query.sql()
    if is_sqlite():
        return [str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    with database.atomic():
        database.execute_sql("SET LOCAL enable_seqscan = off")
        return [row[0] for row in database.execute_sql("EXPLAIN " + sql, params)]


def plan_scans_table(plan: list[str], table: str) -> bool:
    """Whether a plan from `query_plan` reads every row of `table` (or of a Peewee alias `tN`).

    Scans of FTS5 virtual tables are index lookups, not table scans.
    """
    import re

    for line in plan:
        match = re.match(r"SCAN (\S+)", line)
        if match and "USING" not in line and "VIRTUAL TABLE" not in line:
            if match.group(1) == table or re.fullmatch(r"t\d+", match.group(1)):
                return True
        if re.search(rf"Seq Scan on {re.escape(table)}\b", line):
            return True
    return False


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
    path = getattr(db, "database", None)
    if not isinstance(path, str) or not path or path == ":memory:" or path.startswith("file:"):
        return None
    fd = _lock_files.get(path)
    if fd is None:
        import os

        fd = _lock_files[path] = os.open(f"{path}-writelock", os.O_RDWR | os.O_CREAT, 0o644)
    return fd


@contextmanager
def _serialised_writer() -> Iterator[None]:
    import fcntl

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


@contextmanager
def write_transaction() -> Iterator[None]:
    """An IMMEDIATE (SQLite) / ordinary (PostgreSQL) transaction for one write.

    The writer lock is taken up front so that the busy timeout applies, instead of
    failing on a lock upgrade half-way through (SQLite's DEFERRED default).
    """
    if not is_sqlite() or database.in_transaction():
        with database.atomic():
            yield
        return
    with _serialised_writer(), database.atomic():
        yield


_unchanged: threading.local = threading.local()


def write_stamp() -> tuple | None:
    """A value that changes whenever the SQLite database is written (None on PostgreSQL).

    The file's `data_version` moves with commits by other connections and processes, the
    connection's change count with its own; per connection, so per thread.
    """
    if not is_sqlite():
        return None
    connection = database.connection()
    changes = connection.total_changes
    # The raw connection, not execute_sql: this runs on every request, and a pragma
    # cannot fail in a way Peewee's error translation would matter for.
    # The connection itself, not its id(): a cache holding the stamp keeps the object
    # alive, so a later connection (a new database in tests) can never match it.
    return (connection.execute("PRAGMA data_version").fetchone()[0],
            changes() if callable(changes) else changes, connection)


def cached_until_written(name: str, compute):
    """`compute()`, reused while nobody has written the SQLite database since (else computed).

    The cache is per connection (thread): valid while `write_stamp()` stays the same.
    """
    stamp = write_stamp()
    if stamp is None:
        return compute()
    cache = getattr(_unchanged, "values", None)
    if cache is None:
        cache = _unchanged.values = {}
    hit = cache.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = compute()
    cache[name] = (stamp, value)
    return value


def run_write(fn, *args, attempts: int = 5, **kwargs):
    """Run `fn` in a write transaction, retrying when the database stays busy."""
    delay = 0.05
    for attempt in range(attempts):
        try:
            with write_transaction():
                return fn(*args, **kwargs)
        except OperationalError as exc:
            if not _is_busy(exc) or attempt == attempts - 1:
                raise
            log.warning("database busy, retrying write (attempt %d)", attempt + 1)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- group commit

class _GroupedWrite:
    """One thread's write, waiting to be committed in a group."""

    __slots__ = ("fn", "args", "finish", "result", "error", "done")

    def __init__(self, fn, args, finish) -> None:
        self.fn, self.args, self.finish = fn, args, finish
        self.result = self.error = None
        self.done = False


_grouped: list[_GroupedWrite] = []
_grouped_guard = threading.Lock()


def run_grouped_write(fn, *args, finish=None, attempts: int = 5):
    """`run_write(fn, *args)`, committed together with the writes other threads of this
    process are waiting to make at the same moment (SQLite).

    A commit writes every page the transaction touched to the WAL, and the pages of
    consecutive creates are largely the same ones (the ends of the indexes, the FTS
    segment): four creates in one commit cost half of what four commits cost. The thread
    that gets the write lock commits everybody's queued writes, each in its own savepoint
    so one failure (a conflict, a failed precondition) undoes only that write and is
    raised in its own thread; nobody returns before the commit holding their write.

    `finish(results)`, if given, runs once per group, in the same transaction after every
    write of it, with the results of the writes that succeeded; if it fails, the whole
    group fails. It is for work that is cheaper done once for all (FTS5 flushes its
    pending terms as a new index segment at every savepoint: indexing a group's cards
    in `finish` writes one segment instead of one per card).
    """
    if not is_sqlite() or database.in_transaction():
        return run_write(_finished, fn, args, finish, attempts=attempts)
    job = _GroupedWrite(fn, args, finish)
    with _grouped_guard:
        _grouped.append(job)
    delay, failures = 0.05, 0
    while not job.done:
        with _serialised_writer():
            if job.done:  # an earlier leader committed it
                break
            with _grouped_guard:
                batch = _grouped[:]
                _grouped.clear()
            try:
                _commit_group(batch)
                continue
            except Exception as exc:  # the transaction itself failed: none of the batch is stored
                failures += 1
                if isinstance(exc, OperationalError) and _is_busy(exc) and failures < attempts:
                    with _grouped_guard:
                        _grouped[:0] = batch  # for the next leader, maybe this thread again
                else:
                    for item in batch:
                        item.error, item.done = exc, True
                    break
        log.warning("database busy, retrying grouped write (attempt %d)", failures)
        time.sleep(delay)
        delay *= 2
    if job.error is not None:
        raise job.error
    return job.result


def _commit_group(batch: list[_GroupedWrite]) -> None:
    for item in batch:
        item.result = item.error = None
    with database.atomic():
        for item in batch:
            try:
                with database.atomic():  # a savepoint per write
                    item.result = item.fn(*item.args)
            except Exception as exc:  # this write is undone; the others go on
                item.error = exc
        finishes: dict = {}
        for item in batch:
            if item.error is None and item.finish is not None:
                finishes.setdefault(item.finish, []).append(item.result)
        for finish, results in finishes.items():
            finish(results)
    for item in batch:
        item.done = True


def _finished(fn, args, finish):
    """One write and its `finish`, outside a group (PostgreSQL, or inside a transaction)."""
    result = fn(*args)
    if finish is not None:
        finish([result])
    return result
