"""A consistent copy of a live SQLite database with SQLite's online backup API (via APSW).

The copy is made from one read transaction: in WAL mode that never blocks the
server's writers, and the copy holds exactly the committed state at its start. It is
written to a temporary file beside the target and renamed into place, so the target
is either the old file or a complete new copy.
"""
from __future__ import annotations

import os
import tempfile
from urllib.parse import urlparse

from .report import RecordError


def sqlite_path(database_url: str) -> str:
    """The file path of a sqlite:// URL; RecordError for other engines."""
    if not database_url.startswith("sqlite"):
        raise RecordError("backup copies SQLite databases; for PostgreSQL use pg_dump")
    path = urlparse(database_url).path
    path = path.removeprefix("/")
    if not path or ":memory:" in database_url:
        raise RecordError("an in-memory database cannot be backed up")
    return path


def backup(database_url: str, target: str, *, pages_per_step: int = -1) -> int:
    """Copy the live database at `database_url` to `target`; returns the copy's page count."""
    import apsw

    source_path = sqlite_path(database_url)
    if not os.path.exists(source_path):
        raise RecordError(f"no database at {source_path}")
    if os.path.abspath(source_path) == os.path.abspath(target):
        raise RecordError("the backup target is the database itself")
    source = apsw.Connection(source_path)  # read-write open: WAL readers need the -shm file
    source.setbusytimeout(10_000)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise RecordError(f"directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=directory)
    os.close(handle)
    try:
        destination = apsw.Connection(temporary)
        try:
            with destination.backup("main", source, "main") as step:
                # -1: all pages in one step, i.e. one read transaction (a consistent snapshot;
                # copying in slices would restart whenever the server writes in between).
                while not step.done:
                    step.step(pages_per_step)
                pages = step.pagecount
            check = destination.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise RecordError(f"the copy failed its integrity check: {check}")
        finally:
            destination.close()
        os.replace(temporary, target)
    except BaseException as exc:
        _remove_partial(temporary)
        if _is_no_space(exc):
            raise RecordError(f"no space left on the device of {directory} for the backup "
                              f"(the database is {os.path.getsize(source_path):,} bytes); nothing was written") from None
        raise
    finally:
        source.close()
    return pages


def _is_no_space(exc: BaseException) -> bool:
    import errno

    import apsw

    return (isinstance(exc, apsw.FullError) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
            or "disk is full" in str(exc).lower())


def _remove_partial(temporary: str) -> None:
    """The unfinished copy and whatever SQLite made beside it (a rollback journal)."""
    for path in (temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm"):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
