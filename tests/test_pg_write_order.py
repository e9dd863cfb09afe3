"""PostgreSQL: every write transaction queues for the card writers' lock before it locks a row.

Migration 0710's triggers take a transaction-level advisory lock before a transaction's
first write to contact, contact_group or group_membership (sync tokens follow commit
order). A write that locked a row first (SELECT ... FOR UPDATE, as a group or card update
does) and wrote after would hold that row while waiting for the lock, and a writer holding
the lock that then needed the row (a membership's foreign-key check) would wait for it: a
deadlock, seen as 500s under concurrent CardDAV PUTs and Incoplax group PATCHes.
"""
from __future__ import annotations

import os
import threading

import pytest

from models import Contact, ContactGroup
from models.connect import database
from models.writer import run_write
from services import contacts, groups

pytestmark = pytest.mark.skipif(not os.environ.get("CONTACTS_TEST_DATABASE_URL", "").startswith("postgres"),
                                reason="PostgreSQL's row locks and advisory lock (SQLite has one writer at a time)")


def test_a_write_that_locks_a_row_first_queues_behind_a_card_writer_instead_of_deadlocking(app, caplog):
    with app.app_context():
        group = groups.create_group({"code": "g", "name": "G"})
        card = contacts.create_card({"display_name": "Ada Lovelace"})
    b_writing, a_holds_row = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    order: list[str] = []

    def card_writer() -> None:
        """Writes a card (taking the lock), then adds it to the group: the FK check needs the group's row."""
        def write():
            Contact.update(notes="b").where(Contact.autokey == card["autokey"]).execute()
            b_writing.set()
            a_holds_row.wait(2)  # had the other writer locked the group's row meanwhile, this would deadlock
            database.execute_sql("INSERT INTO group_membership (contact_autokey, group_autokey, position) "
                                 "VALUES (%s, %s, 0)", (card["autokey"], group["autokey"]))
            order.append("card writer done")
        try:
            run_write(write)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            database.close()

    def group_writer() -> None:
        """Locks the group's row (as services.groups does before an update), then renames the group."""
        b_writing.wait(5)

        def write():
            list(ContactGroup.select(ContactGroup.autokey).where(ContactGroup.autokey == group["autokey"])
                 .for_update().tuples())
            order.append("group row locked")
            a_holds_row.set()
            ContactGroup.update(name="G2").where(ContactGroup.autokey == group["autokey"]).execute()
        try:
            run_write(write)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=card_writer), threading.Thread(target=group_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [repr(exc) for exc in errors] == []
    # a deadlock is retried as "busy" (its detail says "blocked by"): none may have happened
    assert [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()] == []
    assert order == ["card writer done", "group row locked"]  # the group writer waited before locking the row
    with app.app_context():
        assert groups.get_group(group["id"])["name"] == "G2"
        assert groups.get_group(group["id"])["members"] == [card["autokey"]]
