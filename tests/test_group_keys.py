"""Group keys are never reused, on SQLite (AUTOINCREMENT) and PostgreSQL (serial)."""
from __future__ import annotations

from services import groups


def test_a_group_made_after_the_newest_was_deleted_gets_a_new_key(app, client, auth):
    with app.app_context():
        first = groups.create_group({"name": "G", "code": "g"})
        groups.delete_group(first["id"])
        second = groups.create_group({"name": "H", "code": "h"})
        assert second["autokey"] > first["autokey"]


def test_memberships_survive_the_rebuild(app, client, auth):
    base = "/rest/v1/addressbook"
    g = client.post(f"{base}/contactgroups", json={"name": "G", "code": "g"}, headers=auth).json
    c = client.post(f"{base}/contacts", json={"displayname": "A", "number": "1", "opts": {"groups": ["g"]}},
                    headers=auth).json
    assert client.get(f"{base}/contactgroups/{g['id']}", headers=auth).json["opts"]["abonents"] == [c["autokey"]]


def test_an_existing_store_keeps_its_groups_and_memberships_through_the_migration(tmp_path):
    import os

    import pytest
    from playhouse.migrations import Runner

    from models import Contact, ContactGroup, GroupMembership
    from models.connect import open_database
    from models.schema import MIGRATIONS_DIR, migrate

    if os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"):
        pytest.skip("the rebuild is SQLite's (PostgreSQL serials never reuse keys)")
    db = open_database(f"sqlite:///{tmp_path}/old.db")
    Runner(db, MIGRATIONS_DIR).up(target="0600_fts_automerge")
    ContactGroup.insert(autokey=7, id="g7", code="seven", name="Seven").execute()
    Contact.insert(autokey=3, id="c3", display_name="Three").execute()
    GroupMembership.insert(contact=3, group=7, position=0).execute()
    assert migrate(db)[0] == "0700_group_keys_autoincrement"  # later migrations follow it
    assert "AUTOINCREMENT" in db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'contact_group'").fetchone()[0]
    assert db.execute_sql("SELECT contact_autokey, group_autokey FROM group_membership").fetchall() == [(3, 7)]
    assert db.execute_sql("SELECT code FROM contact_group").fetchall() == [("seven",)]
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    db.execute_sql("DELETE FROM contact_group WHERE autokey = 7")  # cascades, and 7 is never given again
    assert db.execute_sql("SELECT count(*) FROM group_membership").fetchone()[0] == 0
    assert ContactGroup.insert(id="g8", code="eight", name="Eight").execute() == 8
    db.close()


def test_the_rebuild_keeps_the_tables_triggers(tmp_path):
    """The table is dropped and renamed: its triggers (CardDAV's group rename, which moves the
    members' versions and so their ETags) are made again with it."""
    import importlib
    import os

    import pytest

    from models import Contact, ContactGroup, GroupMembership
    from models.connect import open_database
    from models.schema import migrate

    if os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"):
        pytest.skip("the rebuild is SQLite's (PostgreSQL serials never reuse keys)")
    rebuild = importlib.import_module("models.migrations.0700_group_keys_autoincrement")
    db = open_database(f"sqlite:///{tmp_path}/store.db")
    migrate(db)
    group = ContactGroup.insert(id="g1", code="one", name="One").execute()
    contact = Contact.insert(id="c1", display_name="Member").execute()
    GroupMembership.insert(contact=contact, group=group, position=0).execute()

    def shape() -> list[tuple]:
        return db.execute_sql("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'contact_group' "
                              "ORDER BY type, name").fetchall()

    before = shape()
    assert ("trigger", "carddav_group_au") in [row[:2] for row in before]
    rebuild.down(None, db)
    rebuild.up(None, db)
    assert shape() == before
    db.execute_sql("UPDATE contact_group SET name = 'Renamed'")
    assert db.execute_sql("SELECT version FROM contact WHERE id = 'c1'").fetchone()[0] == 2  # was 1
    db.close()
