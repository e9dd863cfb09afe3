"""Freshness: values computed once and reused until somebody writes the database.

A request that only reads can reuse what an earlier request computed (a count, a
token lookup, a search snapshot) as long as no connection or process has committed
since; SQLite tells cheaply (`PRAGMA data_version` plus the connection's change
count). PostgreSQL has no such stamp: there everything is computed afresh.
"""
from __future__ import annotations

import threading

from .connect import database, is_sqlite

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
