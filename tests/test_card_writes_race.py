"""Card writes that race, through every door that changes a card: If-Match protects each writer.

On SQLite one writer runs at a time, so a write's read of the card (inside its write
transaction) can never be overtaken. On PostgreSQL every write transaction first queues for
the card writers' lock (models/writer.py), so the second write begins only once the first
has committed; were it not so, both would be open together, and the card's row must stay
locked from the read a write is computed from until its commit, or two clients holding the
same ETag would both be acknowledged. The test holds the outcome either way.
"""
from __future__ import annotations

import os
import threading

import pytest

from tests.etags import card_etag_of

TIMEOUT = 20.0
BEGIN_TOGETHER = 2.0  # how long a write waits for the other to be about to read too
ON_POSTGRES = not (os.environ.get("CONTACTS_TEST_DATABASE_URL") or "sqlite").startswith("sqlite")
NIAGARA = {"label": "Racer", "name": "Ada Racer", "email": "ada.racer@example.org"}

# (door, request kwargs of a write that keeps the card valid) -- each sent twice with If-Match "c1".
WRITES = {
    "niagara PUT": lambda cid, name: ("PUT", f"/contacts/{cid}", dict(NIAGARA, name=name)),
    "incoplax PATCH": lambda cid, name: ("PATCH", f"/rest/v1/addressbook/contacts/{cid}", {"jobtitle": name}),
    "folio PUT": lambda cid, name: ("PUT", f"/organizations-storage/contacts/{cid}",
                                    {"firstName": name, "lastName": "Racer"}),
    "mpdx DELETE": lambda cid, name: ("DELETE", f"/api/v2/organizations/contacts/{cid}", None),
}


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time: two write transactions "
                                            "cannot be open together there")
@pytest.mark.parametrize("door", list(WRITES))
def test_if_match_holds_for_card_writes_open_together(app, auth, monkeypatch, door):
    """Both writes read the card inside their transactions; the second read must wait for the first commit."""
    from services import contacts

    created = app.test_client().post("/contacts", json=NIAGARA, headers=auth)
    assert created.status_code == 200, created.get_data(as_text=True)
    cid = created.get_json()["contact_id"]
    before_read, after_read = threading.Barrier(2, timeout=BEGIN_TOGETHER), threading.Barrier(2, timeout=1.0)
    real_card, real_row = contacts._card_for_write, contacts._row_for_write

    def gated(real):
        def read(*args, **kwargs):
            try:
                before_read.wait()  # both transactions open: both about to read
            except threading.BrokenBarrierError:
                pass  # the other has not begun: it queues for the card writers' lock until this commits
            found = real(*args, **kwargs)
            try:
                after_read.wait()  # both read without a lock: both saw version 1
            except threading.BrokenBarrierError:
                pass  # the other read waits for this transaction's row lock
            return found
        return read

    monkeypatch.setattr(contacts, "_card_for_write", gated(real_card))
    monkeypatch.setattr(contacts, "_row_for_write", gated(real_row))
    statuses = []

    def send(name):
        method, path, body = WRITES[door](cid, name)
        headers = {**auth, "If-Match": '"c1"', "X-Okapi-Tenant": "diku",
                   "Content-Type": "application/vnd.api+json" if door.startswith("mpdx") else "application/json"}
        r = app.test_client().open(path, method=method, json=body, headers=headers)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=send, args=(name,)) for name in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    monkeypatch.undo()
    # The second write waited for the first commit: a stale If-Match (412), or nothing left to delete (404).
    expected = {"niagara PUT": [200, 412], "incoplax PATCH": [200, 412], "folio PUT": [204, 412],
                "mpdx DELETE": [204, 404]}[door]
    assert sorted(statuses) == expected, statuses
    after = app.test_client().get(f"/contacts/{cid}", headers=auth)
    if door == "mpdx DELETE":
        assert after.status_code == 404
    else:
        assert after.headers["ETag"] == card_etag_of(cid, 2)
