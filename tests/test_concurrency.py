"""Several client processes writing the same contacts through different dialects, on a real server.

`contacts serve` runs with 2 worker processes on one SQLite file (APSW's bundled SQLite,
multi-writer safe). Clients are separate processes. Checks: no 5xx ever reaches a client
(no "database is locked"); read-modify-write with If-Match loses no update; group
membership (Incoplax contact opts.groups vs group opts.abonents) and Niagara relations
(OUTWARD on one side, INWARD on the other) agree after concurrent changes.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time

import pytest

from tests.live_server import ROOT, LiveServer, request
from tests.writer_support import errors_of_queued_creates, queued_while_writer_held

INCOPLAX = "/rest/v1/addressbook"
CLIENTS = 4
INCREMENTS = 12  # per client
DEADLINE = 60.0  # seconds a client may spend before it gives up (the test then fails)


# ---------------------------------------------------------------- the server

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for the module; its stderr is drained so its log cannot block it."""
    path = tmp_path_factory.mktemp("concurrency") / "c.db"
    live = LiveServer(f"sqlite:///{path}", workers=2, env={"CONTACTS_AUTH": "on"}).start()
    live.stderr_text = []
    drain = threading.Thread(target=lambda: live.stderr_text.extend(
        line.decode(errors="replace") for line in live.proc.stderr), daemon=True)
    drain.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def token(server) -> str:
    return server.first_token()


def call(base: str, token: str, method: str, path: str, body=None, headers=None):
    """(status, headers, parsed body or None); a 5xx is recorded by the caller."""
    status, response_headers, raw = request(base + path, method, body, token, headers=headers, timeout=30)
    parsed = json.loads(raw) if raw and raw[:1] in (b"{", b"[") else None
    return status, response_headers, parsed


def _run_clients(target, args_list):
    """Run `target(*args)` in one spawned process per args tuple; returns their results."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(args_list)) as pool:
        return pool.starmap(target, args_list, chunksize=1)


# ---------------------------------------------------------------- read-modify-write counter

def increment_worker(base: str, token: str, contact_id: str, dialect: str, times: int,
                     start_at: float = 0.0) -> dict:
    """Add 1 to the contact's primary phone `times` times through one dialect, retrying on 412.

    Every client starts at `start_at` (spawned processes come up one by one, and a fast
    client could otherwise finish before the next one starts: no race to test)."""
    time.sleep(max(0.0, start_at - time.time()))
    done, retries, statuses = 0, 0, []
    deadline = time.time() + DEADLINE
    while done < times and time.time() < deadline:
        if dialect == "incoplax":
            status, headers, body = call(base, token, "GET", f"{INCOPLAX}/contacts/{contact_id}")
            statuses.append(status)
            value = int(body["number"])
            status, _, _ = call(base, token, "PATCH", f"{INCOPLAX}/contacts/{contact_id}",
                                {"number": str(value + 1)}, {"If-Match": headers["ETag"]})
        else:
            status, headers, body = call(base, token, "GET", f"/contacts/{contact_id}")
            statuses.append(status)
            value = int(body["phone"])
            replacement = {"label": body["label"], "name": body["name"], "email": body["email"],
                           "phone": str(value + 1)}
            status, _, _ = call(base, token, "PUT", f"/contacts/{contact_id}", replacement,
                                {"If-Match": headers["ETag"]})
        statuses.append(status)
        if status == 200:
            done += 1
        elif status == 412:
            retries += 1
        elif status >= 500:
            break
    return {"done": done, "retries": retries, "statuses": statuses}


def test_if_match_loses_no_update_across_dialects_and_processes(server, token):
    status, _, contact = call(server.base, token, "POST", f"{INCOPLAX}/contacts",
                              {"displayname": "Counter Card", "number": "0", "email": "counter@example.org"})
    assert status == 200
    dialects = ["incoplax", "niagara"] * (CLIENTS // 2)
    start_at = time.time() + 5  # spawned clients are up by then
    results = _run_clients(increment_worker,
                           [(server.base, token, contact["id"], d, INCREMENTS, start_at) for d in dialects])
    statuses = [s for r in results for s in r["statuses"]]
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) <= {200, 412}
    assert [r["done"] for r in results] == [INCREMENTS] * CLIENTS
    status, _, final = call(server.base, token, "GET", f"{INCOPLAX}/contacts/{contact['id']}")
    assert final["number"] == str(INCREMENTS * CLIENTS)
    # the clients really raced: some writes were refused as stale and retried
    assert sum(r["retries"] for r in results) > 0
    status, _, niagara = call(server.base, token, "GET", f"/contacts/{contact['id']}")
    assert niagara["phone"] == str(INCREMENTS * CLIENTS)


# ---------------------------------------------------------------- mixed writes: groups and relations

def churn_worker(base: str, token: str, seed: int, contacts: list[dict], groups: list[dict], rounds: int) -> list:
    """Random membership and relation changes through Incoplax and Niagara; returns every status."""
    rng = random.Random(seed)
    statuses = []
    deadline = time.time() + DEADLINE
    for _ in range(rounds):
        if time.time() > deadline:
            break
        action = rng.choice(["contact-groups", "group-members", "relate", "unrelate", "rename"])
        contact = rng.choice(contacts)
        if action == "contact-groups":
            codes = rng.sample([g["code"] for g in groups], rng.randint(0, len(groups)))
            status, _, _ = call(base, token, "PATCH", f"{INCOPLAX}/contacts/{contact['id']}", {"opts": {"groups": codes}})
        elif action == "group-members":
            group = rng.choice(groups)
            members = rng.sample([c["autokey"] for c in contacts], rng.randint(0, len(contacts)))
            status, _, _ = call(base, token, "PATCH", f"{INCOPLAX}/contactgroups/{group['id']}",
                                {"opts": {"abonents": members}})
        elif action == "relate":
            other = rng.choice([c for c in contacts if c is not contact])
            status, _, _ = call(base, token, "POST", f"/contacts/{contact['id']}/relations",
                                {"relation": rng.choice(["backup", "owner"]),
                                 "entity": {"entity_type": "CON", "entity_id": other["id"]}})
        elif action == "unrelate":
            status, _, page = call(base, token, "GET", f"/contacts/{contact['id']}/relations?limit=100")
            edges = (page or {}).get("_embedded", {}).get("nter:relations", [])
            if edges:
                statuses.append(status)
                edge = rng.choice(edges)
                status, _, _ = call(base, token, "DELETE", f"/contacts/{contact['id']}/relations/{edge['relation_id']}")
        else:
            status, _, _ = call(base, token, "PATCH", f"{INCOPLAX}/contacts/{contact['id']}",
                                {"displayname": f"Card {rng.randint(0, 999)}"})
        statuses.append(status)
    return statuses


def test_group_membership_and_relations_stay_consistent(server, token):
    contacts = []
    for n in range(5):
        status, _, card = call(server.base, token, "POST", f"{INCOPLAX}/contacts",
                               {"displayname": f"Card {n}", "number": f"55{n}"})
        assert status == 200
        contacts.append({"id": card["id"], "autokey": card["autokey"]})
    groups = []
    for code in ("red", "green", "blue"):
        status, _, group = call(server.base, token, "POST", f"{INCOPLAX}/contactgroups", {"name": code, "code": code})
        assert status == 200
        groups.append({"id": group["id"], "code": code})

    results = _run_clients(churn_worker, [(server.base, token, seed, contacts, groups, 40) for seed in range(CLIENTS)])
    statuses = [s for r in results for s in r]
    assert len(statuses) >= CLIENTS * 40
    assert [s for s in statuses if s >= 500] == []
    # 409: the same relation created twice concurrently; 404: a relation deleted by another client
    assert set(statuses) <= {200, 201, 404, 409}, set(statuses)

    # Incoplax: both sides of the membership agree
    by_code: dict[str, set[int]] = {g["code"]: set() for g in groups}
    for contact in contacts:
        status, _, card = call(server.base, token, "GET", f"{INCOPLAX}/contacts/{contact['id']}")
        for code in card["opts"]["groups"]:
            by_code[code].add(contact["autokey"])
    for group in groups:
        status, _, entity = call(server.base, token, "GET", f"{INCOPLAX}/contactgroups/{group['id']}")
        assert set(entity["opts"]["abonents"]) == by_code[group["code"]], group["code"]
        assert entity["opts"]["abonentcount"] == len(by_code[group["code"]])

    # Niagara: every OUTWARD edge to a contact is seen INWARD from that contact, and nothing else is
    outward, inward = set(), set()
    for contact in contacts:
        status, _, page = call(server.base, token, "GET", f"/contacts/{contact['id']}/relations?limit=100")
        assert status == 200
        for edge in page["_embedded"]["nter:relations"]:
            key = (edge["relation_id"], edge["relation"])
            if edge["direction"] == "OUTWARD":
                outward.add((*key, contact["id"], edge["entity"]["entity_id"]))
            else:
                inward.add((*key, edge["entity"]["entity_id"], contact["id"]))
        assert page["total_count"] == len(page["_embedded"]["nter:relations"])
    assert outward == inward


def test_server_reports_sqlite_version_and_serves_two_workers(server):
    output = server.first_output + "".join(server.stderr_text)
    assert "SQLite" in output
    # both workers answered someone: the writes above really came from two processes
    pids = {json.loads(line)["pid"] for line in server.stderr_text if line.startswith('{"ts"')}
    assert len(pids) == 2, pids


def test_each_worker_listens_on_its_own_socket(server):
    """SO_REUSEPORT: the kernel spreads new connections over the workers. On one shared
    socket, the keep-alive connections of a client could all go to one worker."""
    port = f":{server.port:04X}"
    with open("/proc/net/tcp") as table:
        listening = [line.split() for line in table.read().splitlines()[1:]]
    assert sum(1 for fields in listening if fields[1].endswith(port) and fields[3] == "0A") == server.workers


def test_a_second_server_on_a_port_in_use_is_refused(server):
    """SO_REUSEPORT would let a second server share the port silently: serve checks first."""
    done = subprocess.run([sys.executable, "-c", "from app import main; main()", "serve", "--port", str(server.port)],
                          env={**os.environ, "CONTACTS_DATABASE_URL": server.database_url}, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{server.port}: Address already in use" in done.stderr


def test_serve_workers_index_new_cards_for_folio_without_a_search(server, token):
    """A create leaves FOLIO's name index to the workers' background flush (twice a second)."""
    import apsw

    status, _, body = call(server.base, token, "POST", "/organizations-storage/contacts",
                           {"firstName": "Quentin", "lastName": "Background"},
                           {"X-Okapi-Tenant": "diku"})
    assert status == 201, body
    reader = apsw.Connection(server.database_url.removeprefix("sqlite:///"))
    try:
        deadline = time.time() + 10
        while True:
            entry = reader.execute("SELECT k.first_key, k.last_key FROM folio_key k JOIN contact c "
                                   "ON c.autokey = k.contact_autokey WHERE c.id = ?", (body["id"],)).fetchall()
            waiting = reader.execute("SELECT COUNT(*) FROM folio_dirty").fetchall()[0][0]
            if (entry and not waiting) or time.time() > deadline:
                break
            time.sleep(0.1)
    finally:
        reader.close()
    assert (entry, waiting) == ([("quentin", "background")], 0)


def test_threads_share_the_writer_lock_and_nested_writes_reenter(tmp_path):
    # Writers queue on the process lock + flock; a write inside a write joins the outer one.
    from models.connect import open_database
    from models.writer import run_write
    from models.schema import migrate
    from services.setup import install
    from services.contacts import create_card, get_card, update_card

    db = open_database(f"sqlite:///{tmp_path}/w.db")
    migrate(db)
    install(db)
    card = create_card({"display_name": "Counter Zero", "priority": 0})
    errors = []

    def bump(times):
        try:
            for _ in range(times):
                run_write(lambda: update_card(card["id"], {"priority": get_card(card["id"])["priority"] + 1}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert get_card(card["id"])["priority"] == 100  # read-modify-write under the lock: no lost update
    assert (tmp_path / "w.db-writelock").exists()
    db.close()


def test_creates_waiting_together_share_one_commit_and_fail_alone(tmp_path, monkeypatch):
    # Creates queued while another thread holds the writer lock are committed by one
    # leader in one transaction; a create that conflicts is undone alone and its own
    # thread gets the error; every create that returned is stored.
    from models import writer
    from models.connect import open_database
    from models.schema import migrate
    from services.setup import install
    from services.contacts import create_card, get_card
    from services.errors import Conflict

    from services import search

    db = open_database(f"sqlite:///{tmp_path}/g.db")
    migrate(db)
    install(db)
    existing = create_card({"display_name": "Already Here"})
    batches, indexed = [], []
    real_commit = writer._commit_group
    monkeypatch.setattr(writer, "_commit_group", lambda batch: (batches.append(len(batch)), real_commit(batch)))
    real_index = search.index_cards
    monkeypatch.setattr(search, "index_cards",
                        lambda cards, replace=False: (indexed.append(sorted(c["display_name"] for c in cards)),
                                                      real_index(cards, replace)))
    results, errors = {}, {}

    def create(i):
        data = {"display_name": f"Grouped Person{i}", "emails": [{"value": f"g{i}@example.org"}]}
        if i == 3:
            data["id"] = existing["id"]  # taken: this one alone must fail
        try:
            results[i] = create_card(data)
        except Exception as exc:
            errors[i] = exc

    queued_while_writer_held(create, 6)
    assert batches == [6]
    assert set(errors) == {3} and isinstance(errors[3], Conflict), errors
    assert sorted(results) == [0, 1, 2, 4, 5]
    for i, card in results.items():
        stored = get_card(card["id"])
        assert stored["display_name"] == f"Grouped Person{i}"
        assert [e["value"] for e in stored["emails"]] == [f"g{i}@example.org"]
    assert get_card(existing["id"])["display_name"] == "Already Here"
    # The group's cards are indexed once, together, after the failed one was undone: one
    # FTS5 segment for the group (each savepoint would flush one per card).
    assert indexed == [[f"Grouped Person{i}" for i in (0, 1, 2, 4, 5)]]
    found = search.match_autokeys(search.Term("grouped"))
    assert sorted(found) == sorted(card["autokey"] for card in results.values())
    db.close()


def test_writes_committed_by_a_leader_never_take_the_writer_lock_themselves(tmp_path, monkeypatch):
    # The writes of a group return as soon as their leader has committed: none of them takes
    # the writer lock (and the other processes' flock) in turn only to find its write done,
    # which made each wait for whole later commits first.
    from contextlib import contextmanager

    from models import writer
    from models.connect import open_database
    from models.schema import migrate
    from services.setup import install
    from services.contacts import create_card, get_card

    db = open_database(f"sqlite:///{tmp_path}/l.db")
    migrate(db)
    install(db)
    entered = []
    real_lock = writer._serialised_writer

    @contextmanager
    def counted():
        entered.append(threading.current_thread().name)
        with real_lock():
            yield

    monkeypatch.setattr(writer, "_serialised_writer", counted)
    created = {}
    queued_while_writer_held(lambda i: created.setdefault(i, create_card({"display_name": f"Led Person{i}"})), 5)
    assert len(entered) == 1, entered  # the leader alone
    assert sorted(get_card(card["id"])["display_name"] for card in created.values()) == [
        f"Led Person{i}" for i in range(5)]
    db.close()


def test_a_failing_group_index_fails_every_create_of_the_group(tmp_path, monkeypatch):
    from models.contact import Contact
    from models.connect import open_database
    from models.schema import migrate
    from services.setup import install
    from services import search

    db = open_database(f"sqlite:///{tmp_path}/i.db")
    migrate(db)
    install(db)

    def failing_index(cards, replace=False):
        raise RuntimeError("index broken")
    monkeypatch.setattr(search, "index_cards", failing_index)
    _, errors = errors_of_queued_creates("Unindexed Person", 3)
    assert len(errors) == 3 and all(str(e) == "index broken" for e in errors), errors
    assert Contact.select().count() == 0  # a card is never stored without its index entry
    db.close()


def test_a_failed_group_commit_fails_every_create_in_it_and_stores_none(tmp_path, monkeypatch):
    from peewee import OperationalError

    from models import writer
    from models.contact import Contact
    from models.connect import open_database
    from models.schema import migrate
    from services.setup import install

    db = open_database(f"sqlite:///{tmp_path}/f.db")
    migrate(db)
    install(db)

    def failing_commit(batch):
        with writer.database.atomic():
            for item in batch:
                item.result = item.fn(*item.args)  # the writes run...
            raise OperationalError("disk I/O error")  # ...but the transaction does not commit
    monkeypatch.setattr(writer, "_commit_group", failing_commit)
    threads, errors = errors_of_queued_creates("Lost Person", 3)
    assert not any(thread.is_alive() for thread in threads)
    assert len(errors) == 3 and all(isinstance(e, OperationalError) for e in errors), errors
    assert Contact.select().count() == 0
    db.close()


def test_a_write_committed_alone_that_fails_stores_nothing_and_leaves_no_transaction(tmp_path, monkeypatch):
    # A group of one runs without a savepoint: its failure (here after the card and its
    # e-mail rows were inserted) rolls the whole transaction back, the error reaches the
    # caller, and the connection is free for the next write.
    from models import writer
    from models.contact import Contact, ContactEmail
    from models.connect import database, open_database
    from models.schema import migrate
    from services.setup import install
    from services.contacts import create_card

    db = open_database(f"sqlite:///{tmp_path}/one.db")
    migrate(db)
    install(db)
    create_card({"display_name": "First Alone"})
    batches = []
    real_commit = writer._commit_group
    monkeypatch.setattr(writer, "_commit_group", lambda batch: (batches.append(len(batch)), real_commit(batch)))
    with pytest.raises(Exception, match="FOREIGN KEY constraint failed"):
        create_card({"display_name": "Second Alone", "emails": [{"value": "second@example.org"}],
                     "groups": [987654]})  # no such group: fails after the rows above were written
    assert not database.in_transaction()
    later = create_card({"display_name": "Third Alone"})
    assert batches == [1, 1]
    assert sorted(Contact.select(Contact.display_name).tuples()) == [("First Alone",), ("Third Alone",)]
    assert ContactEmail.select().count() == 0
    assert later["display_name"] == "Third Alone"
    db.close()
