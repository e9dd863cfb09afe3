"""A full disk: writes get 507 naming the cause in the dialect's format, reads keep working,
/readyz says writes are failing, and everything recovers by itself once space is back."""
from __future__ import annotations

import os
import time

import pytest

from app import create_app
from config import Config
from services import tokens
from tests.tiny_disk import fill, tiny_disk

pytestmark = pytest.mark.skipif(
    os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"),
    reason="fills the disk under a SQLite file (PostgreSQL's disk is the server's)")

_made = iter(range(10**6))


def card() -> dict:
    """A new Niagara card (emails are unique in Niagara)."""
    return {"label": "x", "name": "Full Disk", "email": f"full{next(_made)}@example.com"}


def _fill(disk):
    """Empty the WAL (so any write needs new space), then fill the disk."""
    from models.connect import database

    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return fill(disk)


@pytest.fixture
def full_disk_app(tmp_path):
    with tiny_disk(tmp_path / "disk", "8m") as disk:
        app = create_app(Config(database_url=f"sqlite:///{disk}/contacts.db"))
        app.config["TESTING"] = True
        with app.app_context():
            token, _ = tokens.create_token(["*"])
        yield app, disk, {"Authorization": f"Bearer {token}"}
        from models.connect import database

        database.close()


def test_writes_fail_clearly_reads_go_on_and_writes_recover_without_restart(full_disk_app):
    app, disk, auth = full_disk_app
    client = app.test_client()
    stored = client.post("/contacts", json=card(), headers=auth)
    assert stored.status_code == 200
    filler = _fill(disk)

    refused = [client.post("/contacts", json=card(), headers=auth) for _ in range(3)]
    for r in refused:
        assert r.status_code == 507, r.data[:300]
        assert r.mimetype == "application/problem+json"
        assert "disk" in r.json["detail"].lower() and "full" in r.json["detail"].lower()
    incoplax = client.post("/rest/v1/addressbook/contacts", json={"displayname": "X", "number": "1"}, headers=auth)
    assert incoplax.status_code == 507
    assert incoplax.json["error_message"].lower().startswith("insufficient storage")

    assert client.get(f"/contacts/{stored.json['contact_id']}", headers=auth).status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "degraded", "database": "ok", "writes": "failing: disk full"}

    os.unlink(filler)
    again = client.post("/contacts", json=card(), headers=auth)
    assert again.status_code == 200, again.data[:300]
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}
    assert client.get("/contacts", headers=auth).json["total_count"] == 2  # the refused ones left nothing
    ids = {stored.json["contact_id"], again.json["contact_id"]}
    assert all(client.get(f"/contacts/{i}", headers=auth).status_code == 200 for i in ids)


def test_readyz_finds_the_recovery_itself(full_disk_app):
    app, disk, auth = full_disk_app
    client = app.test_client()
    filler = _fill(disk)
    assert client.post("/contacts", json=card(), headers=auth).status_code == 507
    assert client.get("/readyz").status_code == 503
    os.unlink(filler)
    # No client writes, yet /readyz sees writes work again (it tries one while degraded).
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_a_live_server_on_a_full_disk_recovers_without_restart(tmp_path):
    from tests.live_server import LiveServer, request

    with tiny_disk(tmp_path / "disk", "8m") as disk:
        # WAL limit 0: the checkpointer truncates the WAL at every tick, so no write finds old WAL
        # space to reuse and every write needs new space.
        env = {"CONTACTS_WAL_LIMIT_BYTES": "0"}
        with LiveServer(f"sqlite:///{disk}/contacts.db", workers=2, env=env, drain=True) as server:
            token = server.first_token()
            url = server.base + "/rest/v1/addressbook/contacts"
            assert request(url, "POST", {"displayname": "Before", "number": "1"}, token)[0] == 200
            time.sleep(1.2)  # a checkpointer tick truncated the WAL
            filler = fill(disk)
            statuses = {request(url, "POST", {"displayname": f"Full {n}", "number": "2"}, token)[0]
                        for n in range(4)}
            assert statuses == {507}
            assert request(url + "?limit=10", token=token)[0] == 200  # reads go on
            for _ in range(6):  # whichever worker answers knows
                status, _, body = request(server.base + "/readyz")
                assert (status, body) == (503, b'{"status":"degraded","database":"ok","writes":"failing: disk full"}')
            os.unlink(filler)
            assert request(url, "POST", {"displayname": "After", "number": "3"}, token)[0] == 200
            for _ in range(4):
                assert request(server.base + "/readyz")[0] == 200
            assert server.proc.poll() is None
