"""`contacts backup FILE`: a consistent copy of the live SQLite database."""
from __future__ import annotations

import os

import apsw
import pytest

from .io_support import INCOPLAX, run

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CONTACTS_TEST_DATABASE_URL", "")) and
    not os.environ.get("CONTACTS_TEST_DATABASE_URL", "").startswith("sqlite"),
    reason="backup copies SQLite databases (PostgreSQL has pg_dump)")


def _names(path) -> list[str]:
    connection = apsw.Connection(str(path))
    try:
        return [row[0] for row in connection.execute("SELECT display_name FROM contact ORDER BY autokey")]
    finally:
        connection.close()


def _create(client, auth, name: str, number: str) -> None:
    r = client.post(INCOPLAX, json={"displayname": name, "number": number}, headers=auth)
    assert r.status_code == 200, r.data


def test_backup_copies_the_live_database(app, client, auth, database_url, tmp_path):
    _create(client, auth, "Ada Lovelace", "100")
    _create(client, auth, "Grace Hopper", "200")
    target = tmp_path / "backups" / "copy.db"
    target.parent.mkdir()  # backup creates no directories
    result = run("backup", str(target), "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"backed up {database_url[len('sqlite:///'):]} to {target} (")
    assert _names(target) == ["Ada Lovelace", "Grace Hopper"]
    connection = apsw.Connection(str(target))
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    connection.close()
    # The server keeps serving (and writing) after the backup.
    _create(client, auth, "Margaret Hamilton", "300")
    assert _names(target) == ["Ada Lovelace", "Grace Hopper"]


def test_backup_does_not_wait_for_and_does_not_copy_an_open_write(app, client, auth, database_url, tmp_path):
    _create(client, auth, "Committed", "100")
    path = database_url[len("sqlite:///"):]
    writer = apsw.Connection(path)
    writer.setbusytimeout(100)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write transaction
    writer.execute("UPDATE contact SET display_name = 'Uncommitted'")
    try:
        target = tmp_path / "copy.db"
        result = run("backup", str(target), "--database-url", database_url)
        assert result.exit_code == 0, result.output
        assert _names(target) == ["Committed"]  # the committed state, not the open transaction
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_backup_overwrites_an_old_copy_atomically(app, client, auth, database_url, tmp_path):
    target = tmp_path / "copy.db"
    target.write_bytes(b"an old backup")
    _create(client, auth, "Fresh", "100")
    assert run("backup", str(target), "--force", "--database-url", database_url).exit_code == 0
    assert _names(target) == ["Fresh"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".backup-")] == []  # no temp file left


@pytest.mark.parametrize("url, message", [
    ("postgresql://localhost/contacts", "Error: backup copies SQLite databases; for PostgreSQL use pg_dump"),
    ("sqlite:///{tmp}/missing.db", "Error: no database at {tmp}/missing.db"),
])
def test_backup_refuses_what_it_cannot_copy(tmp_path, url, message):
    result = run("backup", str(tmp_path / "copy.db"), "--database-url", url.format(tmp=tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == message.format(tmp=tmp_path)


def test_backup_onto_the_database_itself_is_refused(app, database_url):
    result = run("backup", database_url[len("sqlite:///"):], "--force", "--database-url", database_url)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: the backup target is the database itself"


def test_a_backup_onto_a_full_disk_is_one_clear_error_and_leaves_nothing(app, client, auth, database_url, tmp_path):
    import subprocess
    import sys

    from tests.tiny_disk import tiny_disk

    for n in range(40):
        # Big rows in short words (a given or family name over 300 characters is refused).
        _create(client, auth, f"Person {n} " + " ".join(["xxxxxxxxx"] * 200), str(1000 + n))
    with tiny_disk(tmp_path / "small", "256k") as disk:
        target = disk / "copy.db"
        done = subprocess.run([sys.executable, "-c", "from app import main; main()", "backup", str(target),
                               "--database-url", database_url], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done
        assert "Traceback" not in done.stderr, done.stderr
        lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("database: ")]
        assert len(lines) == 1 and "no space left" in lines[0].lower(), done.stderr
        assert str(disk) in lines[0]
        assert os.listdir(disk) == []  # no partial copy, no journal left behind
