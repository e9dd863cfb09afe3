"""OSID writes that race: each version number names one state, and If-Match protects every writer.

The requests run in threads, each with its own test client (its own database connection).
`WriteGate` holds every write at the door of its write transaction until all the racing
requests stand there, then lets the writes through one at a time in a chosen order: what
a request read before its transaction, it read before any of the others wrote. Two
updates computed from one read must still get two version numbers (two ETags).
"""
from __future__ import annotations

import importlib
import os
import threading

import pytest

from tests.osid.client import OsidClient, enc, osid  # noqa: F401

TIMEOUT = 20.0  # seconds a gated write waits for the others (a hang fails the test instead)


class WriteGate:
    """Stands in for a service module's `run_write`: writes wait for each other, then go in `order`.

    `order` lists the names of the racing threads in the order their writes run.
    """

    def __init__(self, run_write, order: list[str]):
        self.run_write, self.order = run_write, order
        self.arrived: list[str] = []
        self.done = 0
        self.turn = threading.Condition()

    def __call__(self, fn, *args, **kwargs):
        name = threading.current_thread().name
        with self.turn:
            self.arrived.append(name)
            self.turn.notify_all()
            if not self.turn.wait_for(lambda: len(self.arrived) >= len(self.order)
                                      and self.order[self.done] == name, timeout=TIMEOUT):
                raise TimeoutError(f"{name}: the racing writes never all arrived ({self.arrived})")
        try:
            return self.run_write(fn, *args, **kwargs)
        finally:
            with self.turn:
                self.done += 1
                self.turn.notify_all()


def race(app, auth, monkeypatch, module: str, requests: dict[str, tuple]) -> dict:
    """Send `requests` (name -> (method, path, body, headers)) at once; their writes run in dict order.

    Every write of `module` (services.osid.<module>) goes through a `WriteGate`.
    """
    service = importlib.import_module(f"services.osid.{module}")
    gate = WriteGate(service.run_write, list(requests))
    monkeypatch.setattr(service, "run_write", gate)
    responses: dict = {}

    def send(name, method, path, body, headers):
        client = OsidClient(app.test_client(), auth)
        try:
            responses[name] = client.call(method, path, body=body, headers=headers)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            responses[name] = exc

    threads = [threading.Thread(target=send, name=name, args=(name, *request))
               for name, request in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    monkeypatch.undo()
    assert sorted(gate.arrived) == sorted(requests), gate.arrived  # every write went through the gate
    for name, response in responses.items():
        assert not isinstance(response, Exception), (name, response)
    return responses


# collection, ETag kind, service module, the PUT's answer
KINDS = [
    ("contacts", "oc", "contacts", "The contact has been updated"),
    ("addresses", "oa", "addresses", "The address has been updated"),
    ("address-books", "ob", "books", "The address-book has been updated"),
]


def _create(osid: OsidClient, collection: str) -> str:
    """A new object of `collection`; its path."""
    if collection == "contacts":
        made = osid.contact(osid.address()["id"])
    elif collection == "addresses":
        made = osid.address()
    else:
        made = osid.book()
    return f"/{collection}/{enc(made['id'])}"


@pytest.mark.parametrize("collection,kind,module,updated", KINDS, ids=[k[0] for k in KINDS])
def test_two_updates_from_one_read_get_two_versions(app, auth, osid, monkeypatch, collection, kind, module,
                                                    updated):
    path = _create(osid, collection)
    assert osid.get(path).headers["ETag"] == f'"{kind}1"'
    r = race(app, auth, monkeypatch, module, {
        "first": ("PUT", path, {"displayName": "first"}, None),
        "second": ("PUT", path, {"displayName": "second"}, None),
    })
    for name in ("first", "second"):
        assert osid.ok(r[name]) == {"message": updated}
    r = osid.get(path)
    assert r.headers["ETag"] == f'"{kind}3"'  # two updates: two new versions, not one shared by both
    assert osid.ok(r)["displayName"] == "second"
    # The state "first" made had its own version: a client holding it cannot overwrite "second".
    r = osid.put(path, {"displayName": "stale"}, headers={"If-Match": f'"{kind}2"'})
    assert r.status_code == 412, (r.status_code, r.data)
    assert r.json == {"message": "If-Match does not match the current version"}
    assert osid.ok(osid.get(path))["displayName"] == "second"


@pytest.mark.parametrize("collection,kind,module,updated", KINDS, ids=[k[0] for k in KINDS])
def test_if_match_lets_one_of_two_writers_of_a_version_through(app, auth, osid, monkeypatch, collection, kind,
                                                                module, updated):
    path = _create(osid, collection)
    tag = {"If-Match": f'"{kind}1"'}
    r = race(app, auth, monkeypatch, module, {
        "first": ("PUT", path, {"displayName": "first"}, tag),
        "second": ("PUT", path, {"displayName": "second"}, tag),
    })
    assert osid.ok(r["first"]) == {"message": updated}
    assert r["second"].status_code == 412
    assert r["second"].json == {"message": "If-Match does not match the current version"}
    r = osid.get(path)
    assert r.headers["ETag"] == f'"{kind}2"'
    assert osid.ok(r)["displayName"] == "first"


ON_POSTGRES = os.environ.get("CONTACTS_TEST_DATABASE_URL", "").startswith("postgres")


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one write transaction at a time (the gated tests "
                                            "above cover it): two cannot be open together")
@pytest.mark.parametrize("collection,kind,module,updated", KINDS, ids=[k[0] for k in KINDS])
def test_if_match_holds_for_write_transactions_open_together(app, auth, osid, monkeypatch, collection, kind,
                                                              module, updated):
    """PostgreSQL: two writes with the same If-Match, sent together: one succeeds, one gets 412.

    Every write transaction first queues for the card writers' lock (models/writer.py), so
    the second begins only once the first has committed (the barrier below then breaks and
    each goes on alone). Were it not so, each write's read would wait for the other write to
    be about to read too, and afterwards (briefly) for the other to have read: with the row
    locked the second read waits for the first commit instead, sees version 2, and its
    If-Match fails.
    """
    from services.osid import objects

    path = _create(osid, collection)
    before_read, after_read = threading.Barrier(2, timeout=2.0), threading.Barrier(2, timeout=1.0)
    real = objects.by_ident

    def by_ident(kind_name, ident, *, locked=False):
        if not locked:
            return real(kind_name, ident)
        try:
            before_read.wait()
        except threading.BrokenBarrierError:
            pass  # the other has not begun: it queues for the card writers' lock until this commits
        row = real(kind_name, ident, locked=True)
        try:
            after_read.wait()  # both read without locking: both saw version 1
        except threading.BrokenBarrierError:
            pass  # the other read waits for this transaction's lock
        return row

    monkeypatch.setattr(objects, "by_ident", by_ident)
    tag = {"If-Match": f'"{kind}1"'}
    statuses = []

    def send(name):
        r = OsidClient(app.test_client(), auth).put(path, {"displayName": name}, headers=tag)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=send, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    monkeypatch.undo()
    assert sorted(statuses) == [200, 412]
    assert osid.get(path).headers["ETag"] == f'"{kind}2"'


def test_an_update_racing_a_delete_is_not_acknowledged(app, auth, osid, monkeypatch):
    path = _create(osid, "contacts")
    r = race(app, auth, monkeypatch, "contacts", {
        "delete": ("DELETE", path, None, None),
        "update": ("PUT", path, {"displayName": "gone"}, None),
    })
    assert osid.ok(r["delete"]) == {"message": "The contact has been deleted"}
    assert r["update"].status_code == 404
    assert r["update"].json == {"message": "contact not found"}
    assert osid.get(path).status_code == 404


def test_dates_are_checked_against_the_contact_as_stored(app, auth, osid, monkeypatch):
    contact = osid.contact(osid.address()["id"], startDate="2020-01-01T00:00:00.000Z",
                           endDate="2030-01-01T00:00:00.000Z")
    path = f"/contacts/{enc(contact['id'])}"
    r = race(app, auth, monkeypatch, "contacts", {
        "start": ("PUT", path, {"startDate": "2021-01-01T00:00:00.000Z"}, None),
        "end": ("PUT", path, {"endDate": "2020-06-01T00:00:00.000Z"}, None),
    })
    assert osid.ok(r["start"]) == {"message": "The contact has been updated"}
    assert r["end"].status_code == 400
    assert r["end"].json == {"message": "endDate must not be before startDate"}
    stored = osid.ok(osid.get(path))
    assert (stored["startDate"], stored["endDate"]) == ("2021-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z")



@pytest.mark.skipif(ON_POSTGRES, reason="group commit is SQLite's (PostgreSQL commits each create on its own)")
def test_creates_arriving_together_share_one_commit(app, auth, osid, monkeypatch):
    """Address and contact creates queued behind the writer lock are committed by one leader,
    in one transaction, and each answer is the object as stored (a create refused before its
    write, an unknown book here, never joins a group; a write failing inside one is undone
    alone: tests/test_concurrency.py)."""
    from models import writer
    from tests.writer_support import queued_while_writer_held

    target = osid.address(params={"genusType": "type.Type:email@dxtera.org"})
    batches = []
    real_commit = writer._commit_group
    monkeypatch.setattr(writer, "_commit_group", lambda batch: (batches.append(len(batch)), real_commit(batch)))
    answers = {}

    def create(i):
        client = OsidClient(app.test_client(), auth)
        if i % 2:
            answers[i] = client.post("/addresses", {"displayName": f"Grouped {i}", "addressText": f"g{i}@x.org"},
                                     params={"genusType": "type.Type:email@dxtera.org"})
        else:
            params = {"addressId": target["id"], "referenceId": f"resource.Resource:{i}@localhost"}
            if i == 4:
                params["addressBookId"] = "contact.AddressBook:no-such-book@localhost"  # refused before the queue
            answers[i] = client.post("/contacts", {"displayName": f"Grouped {i}"}, params=params)

    queued_while_writer_held(lambda i: create(i if i < 4 else i + 1), 5)  # 0 1 2 3 5 queue; 4 never does
    create(4)
    assert batches == [5]
    assert answers[4].status_code == 400
    for i in (0, 1, 2, 3, 5):
        created = osid.ok(answers[i], 201)
        stored = osid.get(answers[i].headers["Location"].removeprefix("http://localhost/contact"))
        assert osid.ok(stored) == created and created["displayName"] == f"Grouped {i}"
        assert stored.headers["ETag"] == answers[i].headers["ETag"]
