"""A write's commit is synced to disk after the writer lock is let go and before the write returns.

With `synchronous=FULL` (the default) the writes of `models.writer` commit with SQLite's
NORMAL (the WAL written, not synced) and then fdatasync the WAL themselves, outside the
writer lock: the next writer goes on during the sync, and no write is acknowledged
before its commit is on disk. These tests watch the sync: which file, when, with the
writer lock free or not, and what the writers see when it fails.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import threading
import time

import apsw
import pytest

from tests.writer_support import errors_of_queued_creates, queued_while_writer_held

pytestmark = pytest.mark.skipif(os.environ.get("CONTACTS_TEST_DATABASE_URL", "").startswith("postgres"),
                                reason="SQLite's WAL sync; PostgreSQL commits on its own")


@pytest.fixture
def store(tmp_path):
    """A migrated SQLite file with the services installed; yields its path."""
    from models.connect import open_database
    from models.schema import migrate
    from services.setup import install

    db = open_database(f"sqlite:///{tmp_path}/s.db")
    migrate(db)
    install(db)
    yield tmp_path / "s.db"
    db.close()


def _writer_lock_free(db_path) -> bool:
    """Whether another writer could take the flock of `<database>-writelock` right now."""
    fd = os.open(f"{db_path}-writelock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another open file: excluded like another process
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _committed_names(db_path) -> list[str]:
    """Display names as a separate connection (another process, say) sees them."""
    other = apsw.Connection(str(db_path))
    try:
        return sorted(row[0] for row in other.execute("SELECT display_name FROM contact"))
    finally:
        other.close()


def _watch_syncs(monkeypatch, db_path, *, pause: float = 0.0):
    """Record every fdatasync the writer makes: (file, writer lock free?, names committed, time done)."""
    from models import writer

    syncs = []
    real = os.fdatasync

    def watched(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        state = (path, _writer_lock_free(db_path), _committed_names(db_path))
        time.sleep(pause)
        real(fd)
        syncs.append((*state, time.monotonic()))
    monkeypatch.setattr(writer.os, "fdatasync", watched)
    return syncs


def test_a_write_is_committed_then_synced_outside_the_writer_lock(store, monkeypatch):
    from models.connect import database
    from services.contacts import create_card, update_card

    syncs = _watch_syncs(monkeypatch, store)
    card = create_card({"display_name": "Synced Person"})
    assert [(path, free, names) for path, free, names, _ in syncs] == [
        (f"{store}-wal", True, ["Synced Person"])]  # committed, lock let go, then synced
    update_card(card["id"], {"display_name": "Synced Again"})  # run_write, not grouped
    assert len(syncs) == 2 and syncs[1][:3] == (f"{store}-wal", True, ["Synced Again"])
    # The connection is back at FULL for whatever else it commits (imports, the CLI).
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2


def test_a_slow_sync_is_a_warning_in_the_log(store, monkeypatch, caplog):
    # Every write of the group waits for the sync: a disk that takes seconds must show in the
    # server's log, next to the slow requests it caused (the bench's report lists both).
    from models import writer
    from services.contacts import create_card

    _watch_syncs(monkeypatch, store, pause=0.25)
    monkeypatch.setattr(writer, "SLOW_SYNC_SECONDS", 0.2)
    with caplog.at_level("WARNING", logger="models.writer"):
        create_card({"display_name": "Slow Disk"})
    [record] = [r for r in caplog.records if r.name == "models.writer"]
    assert record.levelname == "WARNING"
    assert re.fullmatch(r"syncing the WAL took 0\.[3-9] s \(the disk is slow; the writes it was for waited\)",
                        record.getMessage())  # 0.25 s and more
    caplog.clear()
    monkeypatch.setattr(writer, "SLOW_SYNC_SECONDS", 1.0)  # a quarter second is no news
    with caplog.at_level("WARNING", logger="models.writer"):
        create_card({"display_name": "Slow Disk Again"})
    assert [r for r in caplog.records if r.name == "models.writer"] == []


def test_grouped_writes_return_only_once_their_commit_is_on_disk(store, monkeypatch):
    from models import writer
    from services.contacts import create_card

    batches = []
    real_commit = writer._commit_group
    monkeypatch.setattr(writer, "_commit_group", lambda batch: (batches.append(len(batch)), real_commit(batch)))
    syncs = _watch_syncs(monkeypatch, store, pause=0.3)
    returned = {}

    def create(i):
        create_card({"display_name": f"Durable Person{i}"})
        returned[i] = time.monotonic()

    queued_while_writer_held(create, 4)
    assert batches == [4] and len(syncs) == 1
    path, lock_free, names, synced_at = syncs[0]
    assert path == f"{store}-wal" and lock_free
    assert names == [f"Durable Person{i}" for i in range(4)]
    assert sorted(returned) == [0, 1, 2, 3]
    assert all(at >= synced_at for at in returned.values()), "a write returned before its commit was synced"


def test_the_next_writer_commits_while_the_last_one_syncs(store, monkeypatch):
    # The point of syncing outside the lock: a second write does not wait for the first one's sync.
    from models import writer
    from services.contacts import create_card

    real, first_syncing, release = os.fdatasync, threading.Event(), threading.Event()

    def held_first(fd):
        if not first_syncing.is_set():
            first_syncing.set()
            release.wait(10)  # the first write's sync hangs until the test lets it go
        real(fd)
    monkeypatch.setattr(writer.os, "fdatasync", held_first)
    first = threading.Thread(target=create_card, args=({"display_name": "Slow Sync"},))
    first.start()
    try:
        assert first_syncing.wait(10)
        started = time.monotonic()
        create_card({"display_name": "Second Writer"})  # committed and synced meanwhile
        assert time.monotonic() - started < 5
        assert first.is_alive(), "the first write returned before its sync was done"
        assert _committed_names(store) == ["Second Writer", "Slow Sync"]
    finally:
        release.set()
        first.join(10)
    assert not first.is_alive()


def test_a_failed_sync_fails_every_write_it_was_to_make_durable(store, monkeypatch):
    from models import health, writer

    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(writer.os, "fdatasync", broken)
    threads, errors = errors_of_queued_creates("Unsynced Person", 3)
    assert not any(thread.is_alive() for thread in threads)
    assert len(errors) == 3 and all(isinstance(e, OSError) and e.errno == errno.EIO for e in errors), errors
    with pytest.raises(OSError):
        writer.run_write(lambda: None)  # a single write reports it too
    assert health.write_failure() is None  # EIO is not a full disk: /readyz stays ready


def test_a_sync_failing_for_space_marks_the_store_full(store, monkeypatch):
    from models import health, writer
    from services.contacts import create_card

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(writer.os, "fdatasync", full)
    with pytest.raises(OSError):
        create_card({"display_name": "No Room"})
    assert health.write_failure() == health.DISK_FULL
    monkeypatch.undo()
    create_card({"display_name": "Room Again"})
    assert health.write_failure() is None


def test_no_sync_of_its_own_unless_synchronous_is_full(tmp_path, monkeypatch):
    from models import writer
    from models.connect import SqliteSettings, open_database, syncs_after_release
    from models.schema import migrate
    from services.setup import install
    from services.contacts import create_card

    assert syncs_after_release(open_database("sqlite:///:memory:")) is None
    full = open_database(f"sqlite:///{tmp_path}/f.db")
    assert syncs_after_release(full) == f"{tmp_path}/f.db-wal"
    full.close()
    db = open_database(f"sqlite:///{tmp_path}/n.db", SqliteSettings(synchronous="normal"))
    migrate(db)
    install(db)
    monkeypatch.setattr(writer, "_sync_wal", lambda wal: pytest.fail("NORMAL promises no sync per commit"))
    create_card({"display_name": "Normal Person"})
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # left as configured
    db.close()
