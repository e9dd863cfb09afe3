"""A bulk import and a live server on one SQLite file: readers keep reading during the import,
and a server started during an import waits for it instead of failing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from tests.live_server import ROOT, LiveServer, request

pytestmark = pytest.mark.skipif(
    os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"),
    reason="the bulk-load fast path is SQLite's")

CARDS = 30_000  # a few seconds of import on the 2-core machines


def _cards_file(tmp_path, count: int = CARDS) -> str:
    path = tmp_path / "cards.jsonl"
    with open(path, "w") as out:
        for n in range(count):
            out.write(json.dumps({"type": "contact", "id": str(uuid.uuid4()), "display_name": f"Person {n}",
                                  "given_name": "Person", "family_name": f"N{n}",
                                  "phones": [{"type": "work", "value": f"+1555{n:07d}", "is_primary": True}]})
                      + "\n")
    return str(path)


def _start_import(source: str, url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from app import main; main()", "import", source,
                             "--database-url", url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "CONTACTS_DATABASE_URL": url})


def _wait_until_loading(lock_file: str, importer: subprocess.Popen) -> None:
    """Until the import's bulk load holds the server lock (it left the WAL and is loading)."""
    import fcntl

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert importer.poll() is None, "the import ended before its bulk load was seen"
        if os.path.exists(lock_file):
            fd = os.open(lock_file, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
            except BlockingIOError:
                return
            finally:
                os.close(fd)
        time.sleep(0.01)
    raise AssertionError("the import never took the server lock")


def _total(base: str, token: str) -> int:
    status, headers, body = request(f"{base}/contacts?limit=1", token=token)
    assert status == 200, body[:200]
    return json.loads(body)["total_count"]


def test_readers_keep_reading_while_an_import_runs_next_to_a_fresh_server(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    source = _cards_file(tmp_path)
    with LiveServer(url, workers=2, drain=True) as server:  # fresh: no worker has connected yet
        token = server.first_token()
        importer = _start_import(source, url)
        answers = []
        while importer.poll() is None:
            for path in ("/readyz", "/contacts?limit=1"):
                started = time.monotonic()
                try:
                    status = request(server.base + path, token=token, timeout=3)[0]
                except OSError as exc:
                    status = repr(exc)
                answers.append((path, status, round(time.monotonic() - started, 2)))
            time.sleep(0.1)
        out, err = importer.communicate()
        assert importer.returncode == 0, err.decode()[-2000:]
        assert out.decode().strip().splitlines()[-1] == f"imported {CARDS}, updated 0, skipped 0, failed 0, warnings 0"
        assert len(answers) >= 6, "the import ended before the server was asked anything"
        assert all(status == 200 for _, status, _ in answers), [a for a in answers if a[1] != 200][:10]
        assert _total(server.base, token) == CARDS


def test_a_server_started_during_an_import_waits_for_it(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    importer = _start_import(_cards_file(tmp_path, 2 * CARDS), url)
    try:
        _wait_until_loading(f"{tmp_path}/c.db-serverlock", importer)
        with LiveServer(url, workers=1, drain=True) as server:
            assert importer.wait(timeout=30) == 0, importer.stderr.read().decode()[-2000:]
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not any("waiting for it" in line for line in server.stderr_lines):
                time.sleep(0.1)
            assert any("an import is loading this database" in line for line in server.stderr_lines)
            status, _, body = request(server.base + "/readyz")
            assert status == 200, body
            token_line = subprocess.run([sys.executable, "-c", "from app import main; main()", "token", "create",
                                         "--scope", "*", "--database-url", url], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip().splitlines()[-1]
            assert _total(server.base, token_line) == 2 * CARDS
    finally:
        if importer.poll() is None:
            importer.kill()
        importer.wait()


def test_a_server_that_has_not_connected_yet_keeps_the_import_in_wal_mode(tmp_path):
    """As a fresh server: the lock taken, no connection open yet. Readers that connect now and
    then (as its first requests do) must not meet a file locked for the whole import."""
    import apsw

    from models.connect import make_database
    from models.serving import hold_as_server
    from models.schema import migrate

    url = f"sqlite:///{tmp_path}/c.db"
    db = make_database(url)
    migrate(db)
    db.close()
    hold_as_server(db)  # what `contacts serve` does before it opens the database
    importer = _start_import(_cards_file(tmp_path), url)
    refused, modes = [], set()
    reads = 0
    while importer.poll() is None:
        connection = apsw.Connection(f"{tmp_path}/c.db")  # a reader that connects, reads and goes
        connection.setbusytimeout(1000)  # passing locks are waited for; a locked-out import lasts longer
        try:
            connection.execute("SELECT count(*) FROM contact").fetchall()
            # Out of WAL mode the importer locks readers out as soon as its cache spills (at a
            # million cards: the whole import); in it, readers never wait for the importer.
            modes.add(connection.execute("PRAGMA journal_mode").fetchone()[0])
            reads += 1
        except apsw.BusyError as exc:
            refused.append(str(exc))
        finally:
            connection.close()
        time.sleep(0.05)
    assert importer.returncode == 0, importer.stderr.read().decode()[-2000:]
    assert reads + len(refused) >= 10
    assert not refused, f"{len(refused)} of {reads + len(refused)} reads refused: {refused[:3]}"
    assert modes == {"wal"}


def test_only_a_sqlite_file_gets_a_server_lock_file(tmp_path):
    # A PostgreSQL database's `database` attribute is its name: no `<name>-serverlock` in the
    # working directory (one was left behind in the repository by a PostgreSQL run).
    from peewee import PostgresqlDatabase

    from models.connect import make_database
    from models.serving import lock_path

    assert lock_path(PostgresqlDatabase("contacts_ci")) is None
    assert lock_path(make_database("sqlite:///:memory:")) is None
    assert lock_path(make_database(f"sqlite:///{tmp_path}/s.db")) == f"{tmp_path}/s.db-serverlock"
