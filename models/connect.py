"""Connecting: database URLs, the drivers, per-connection settings and the `database` proxy.

Every statement of the service goes through the `database` proxy defined here. The
concrete database is chosen from a `playhouse.db_url` URL when the app starts
(`open_database`); how SQLite connections are set up is a `SqliteSettings` the caller
passes in (`contacts serve` passes its own, see models.wal).

SQLite URLs (`sqlite:///path`) are served by APSW, which bundles a current SQLite
(3.54 at the time of writing) instead of the interpreter's (3.40 on these machines):
several worker processes writing one WAL file need SQLite >= 3.51.3, the release
that fixed the WAL-reset corruption bug. `sqlite+stdlib:///path` keeps Python's
own sqlite3 module, which the server then only allows with a single worker.

The rest of the database layer: models.writer (the writer lock, write transactions,
busy retries, group commit), models.freshness (caching until the next write),
models.plans (query plans), models.statements (SQL compiled once).
"""
from __future__ import annotations

import datetime
import decimal
import os
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import peewee
from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse import db_url
from playhouse.apsw_ext import APSWDatabase

# The proxy every model binds to; `open_database` initialises it.
database = DatabaseProxy()

BUSY_TIMEOUT_SECONDS = 10.0
# First SQLite release whose WAL mode is safe with several writing processes.
SAFE_MULTI_WRITER_SQLITE = (3, 51, 3)


@dataclass(frozen=True)
class SqliteSettings:
    """How every SQLite connection is set up when it opens (PostgreSQL ignores these)."""

    # FULL: a commit is on disk (the WAL synced) before it is acknowledged, as SECURITY.md
    # promises; group commit shares one sync among the writes waiting together. NORMAL
    # (CONTACTS_SQLITE_SYNCHRONOUS=normal) syncs the WAL only at checkpoints: faster, and a
    # power loss may drop the last acknowledged commits (never corrupting the file).
    synchronous: str = "full"
    # 8 MB page cache per connection (one per worker thread): the OS page cache holds the
    # file anyway, and worker RSS stays small with 4 threads per worker.
    cache_kib: int = 8000
    # The size a checkpointed WAL is truncated back to, and (models.wal) the size past which
    # the checkpointer holds the writers and truncates it (CONTACTS_WAL_LIMIT_BYTES).
    journal_size_limit: int = 64 * 1024 * 1024
    # WAL pages after which a commit checkpoints; None keeps SQLite's default (1,000), 0 turns
    # the checkpoint on commit off (`contacts serve` checkpoints in a thread, see models.wal).
    wal_autocheckpoint: int | None = None
    # How long a statement waits for another connection's lock before failing as busy.
    busy_timeout: float = BUSY_TIMEOUT_SECONDS

    def pragmas(self) -> dict[str, Any]:
        """The PRAGMAs each new connection runs, in order."""
        pragmas = {
            "journal_mode": "wal",
            "synchronous": self.synchronous,
            "foreign_keys": 1,
            "cache_size": -self.cache_kib,
            "temp_store": "memory",
            "journal_size_limit": self.journal_size_limit,
        }
        if self.wal_autocheckpoint is not None:
            pragmas["wal_autocheckpoint"] = self.wal_autocheckpoint
        return pragmas


DEFAULT_SQLITE = SqliteSettings()


# What APSW binds as it is: most parameters, settled by one look-up instead of four isinstance calls.
_BOUND_AS_IS = frozenset((str, int, float, bytes, type(None)))
# The integers a statement can bind: SQLite's 64-bit INTEGER (it refuses to bind a larger one;
# PostgreSQL compares it as numeric). A value outside equals no stored integer.
SQL_INTEGERS = range(-2**63, 2**63)


def _adapt(value: Any) -> Any:
    """Turn Python values APSW cannot bind into the text/ints SQLite stores."""
    if type(value) in _BOUND_AS_IS:
        return value
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


def make_database(url: str, sqlite: SqliteSettings = DEFAULT_SQLITE) -> peewee.Database:
    """Build (not connect) a Peewee database from a `playhouse.db_url` URL."""
    if url.startswith("sqlite") and ":memory:" not in url:
        _ensure_private_file(url)
    if url.startswith("sqlite"):
        return db_url.connect(
            url,
            pragmas=sqlite.pragmas(),
            timeout=sqlite.busy_timeout,
            lock_type="IMMEDIATE",
        )
    return db_url.connect(url)


def _ensure_private_file(url: str) -> None:
    """Make the database's directory and, when new, the file itself readable by its owner only.

    SQLite gives the -wal and -shm files it creates the database file's mode, so a
    database created 0600 here keeps all three private (the umask made them 0644).
    """
    path = urlparse(url).path
    # sqlite:///relative/path -> "/relative/path"; sqlite:////abs -> "//abs"
    path = path[1:] if path.startswith("/") else path
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    if path and not os.path.exists(path):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
        except FileExistsError:
            pass


def sqlite_file(db: peewee.Database | None = None) -> str | None:
    """The file of a SQLite database on disk (its lock files sit beside it), else None:
    PostgreSQL (whose `database` is a name), memory and URI databases."""
    db = db if db is not None else database.obj
    path = getattr(db, "database", None) if is_sqlite(db) else None
    if not isinstance(path, str) or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def syncs_after_release(db: peewee.Database | None = None) -> str | None:
    """The WAL file that the writer syncs itself, after releasing the writer lock, for `db`'s
    commits to be on disk before they are acknowledged; None when the commit syncs (or
    never syncs) on its own: PostgreSQL, memory databases, synchronous other than FULL."""
    db = db if db is not None else database.obj
    path = sqlite_file(db)
    if path is None or dict(getattr(db, "_pragmas", ()) or ()).get("synchronous") != "full":
        return None
    return f"{path}-wal"


def open_database(url: str, sqlite: SqliteSettings = DEFAULT_SQLITE) -> peewee.Database:
    """Create the database for `url` (SQLite connections set up by `sqlite`) and bind the model proxy to it."""
    db = make_database(url, sqlite)
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
