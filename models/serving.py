"""Whether a server has the database open: a shared flock on `<database>-serverlock`.

`contacts serve` takes the lock (shared) before it opens the database and keeps it for
its life (its workers inherit it). An import's fast path, which switches the file out of
WAL mode and so locks readers out until it commits, takes it exclusively without
waiting: when a server holds it the import keeps the WAL (the server's readers go on
reading), and a server started during such an import waits for it instead of failing.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from typing import Callable, Iterator

import peewee

from .connect import sqlite_file

_held: dict[str, int] = {}  # lock path -> descriptor, for this process's life


def lock_path(db: peewee.Database) -> str | None:
    """The server lock file of a SQLite database on disk, else None."""
    path = sqlite_file(db)
    return None if path is None else f"{path}-serverlock"


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def hold_as_server(db: peewee.Database, on_wait: Callable[[], None] = lambda: None) -> None:
    """Take the shared server lock for this process's life; `on_wait()` first if an import holds it."""
    path = lock_path(db)
    if path is None or path in _held:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        on_wait()
        fcntl.flock(fd, fcntl.LOCK_SH)
    _held[path] = fd


@contextmanager
def unless_served(db: peewee.Database) -> Iterator[bool]:
    """True (and servers kept from starting) for the block when no server has `db` open, else False."""
    path = lock_path(db)
    if path is None:
        yield True
        return
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
