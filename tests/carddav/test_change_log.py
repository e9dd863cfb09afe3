"""The change log behind sync tokens: written by triggers for every writer, committed in seq order."""
from __future__ import annotations

import threading

import pytest

from models.connect import database, is_sqlite


def _seqs(app) -> dict[str, int]:
    with app.app_context():
        return {cid: seq for cid, seq in database.execute_sql("SELECT contact_id, seq FROM carddav_change")}


def test_every_write_path_logs_a_change(app, client, auth):
    """Doors, the group service and raw SQL alike: the triggers see every write of contact."""
    first = client.post("/rest/v1/addressbook/contacts", json={"displayname": "A B", "number": "1"},
                        headers=auth).json["id"]
    second = client.post("/contacts", json={"label": "x", "name": "C D", "email": "c@d.example"},
                         headers=auth).json["contact_id"]
    before = _seqs(app)
    assert set(before) == {first, second}
    with app.app_context():  # a writer that bypasses the services (a DBA, a script)
        database.execute_sql("UPDATE contact SET job_title = 'x' WHERE id = " + ("?" if is_sqlite() else "%s"),
                             (first,))
    after = _seqs(app)
    assert after[first] > max(before.values()) and after[second] == before[second]
    assert client.delete(f"/contacts/{second}", headers=auth).status_code == 205
    with app.app_context():
        rows = database.execute_sql("SELECT contact_id, contact_autokey, deleted FROM carddav_change "
                                    "ORDER BY seq").fetchall()
    assert [(cid, key is None, bool(deleted)) for cid, key, deleted in rows] == [(first, False, False),
                                                                                  (second, True, True)]


def test_postgresql_card_writers_commit_in_seq_order(app, database_url):
    """A second writer waits for the first one's commit, so no change can commit below a token."""
    if is_sqlite():
        pytest.skip("SQLite has one writer at a time by construction")
    import psycopg

    from services.contacts import create_card

    with app.app_context():
        card = create_card({"display_name": "Ann Lee"})
    holder = psycopg.connect(database_url.replace("postgresql://", "postgres://"))
    holder.execute("UPDATE contact SET job_title = 'first' WHERE id = %s", (card["id"],))  # not committed
    done = threading.Event()

    def second_writer():
        with app.app_context():
            create_card({"display_name": "Bob Stone"})
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        assert not done.wait(1.0), "a second card writer went ahead of an uncommitted one"
        holder.commit()
        assert done.wait(10)
    finally:
        holder.close()
        thread.join(10)
    with app.app_context():
        rows = database.execute_sql("SELECT c.display_name FROM carddav_change ch JOIN contact c "
                                    "ON c.autokey = ch.contact_autokey ORDER BY ch.seq").fetchall()
    assert [r[0] for r in rows] == ["Ann Lee", "Bob Stone"]
