"""The bulk-load path of `contacts import` (an empty store: one transaction, indexes built at the end,
parsing in a worker process) gives exactly what the per-card path gives: rows, indexes, search answers."""
from __future__ import annotations

import json
import os

import pytest

from app import create_app
from config import Config
from models.connect import database
from services import contacts, groups
from services.io import bulk, bulk_load, jsonl
from services.folio import name_index
from services.io.report import ImportReport

from .io_support import all_cards, fresh_database_url, run, summary, use_database

# The bulk load, its indexes and triggers, rowid re-use and FOLIO's FTS5 name index are SQLite's;
# on PostgreSQL an import always takes the per-batch path (checked by the other tests here).
_TEST_URL = os.environ.get("CONTACTS_TEST_DATABASE_URL", "")
sqlite_only = pytest.mark.skipif(bool(_TEST_URL) and not _TEST_URL.startswith("sqlite"),
                                 reason="SQLite's bulk load and name index (PostgreSQL imports per batch)")

FOLIO = "/organizations-storage/contacts"
MPDX = "/api/v2/organizations/contacts"
INCOPLAX = "/rest/v1/addressbook/contacts"
NAMES = [
    ("Nick Fury-Smith", "+1 555 0101", "nick@shield.example"),
    ("Dr. Bjørn Sørensen", "+45 20 30 40 50", "bjorn@example.dk"),
    ("Mary O'Hara", "555-0102", "mary.ohara@example.org"),
    ("José Ángel Núñez", "+34 600 000 001", "jose@example.es"),
    ("Zoë Quinn", "0049 30 123456", "zoe@example.de"),
    ("Ann Able", "555 0103", "ann@example.org"),
    ("Ann-Marie Baker", "555 0104", "annmarie@example.org"),
    ("Fury Nick", "555 0105", "fury@example.org"),
]
FOLIO_QUERIES = ["lastName=fury", "lastName=Fury*", "firstName=nick", "lastName==Sørensen", "lastName=sorensen",
                 "firstName=ann*", "lastName=\"fury smith\"", "firstName==Zoë", "lastName=o*", "lastName=baker",
                 "cql.allRecords=1 sortBy lastName/sort.descending firstName"]
MPDX_TERMS = ["fury", "ann", "bjørn", "sorensen", "nunez", "555", "example.org", "zoe quinn",
              "ury-sm", "rens", "ø", "01", "5550102", "@example.d", "an_"]


def _make_cards(app) -> None:
    """Cards written one by one through the services (the per-card path)."""
    with app.app_context():
        vip = groups.create_group({"code": "vip", "name": "VIP"})
        for number, (name, phone, email) in enumerate(NAMES):
            contacts.create_card({"display_name": name, "phones": [{"value": phone, "type": "office"}],
                                  "emails": [{"value": email}], "groups": [vip["autokey"]] if number % 2 else [],
                                  "addresses": [{"city": "Lima", "is_primary": True}] if number % 3 else []})


def _views(client, headers) -> dict:
    """What FOLIO CQL, MPDX wildcard search and Incoplax LOOKUP answer."""
    out = {}
    for query in FOLIO_QUERIES:
        response = client.get(FOLIO, query_string={"query": query, "limit": 100},
                              headers={**headers, "X-Okapi-Tenant": "diku"})
        assert response.status_code == 200, response.data
        out[query] = [(c["id"], c.get("firstName"), c.get("lastName")) for c in response.json["contacts"]]
    for term in MPDX_TERMS:
        response = client.get(MPDX, query_string={"filter[wildcard_search]": term},
                              headers={**headers, "Content-Type": "application/vnd.api+json"})
        assert response.status_code == 200, response.data
        out[term] = [item["id"] for item in response.json["data"]]
    response = client.open(INCOPLAX, method="LOOKUP", data=json.dumps("555 0103"),
                           content_type="application/json; charset=utf-8", headers=headers)
    out["lookup"] = (response.status_code, response.json)
    return out


def _index_rows(database_url: str) -> dict:
    """The indexes' content as the store holds it: FOLIO keys, FTS hits, index and trigger definitions."""
    use_database(database_url)
    schema = [tuple(row) for row in database.execute_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name")]
    fts = {term: [row[0] for row in database.execute_sql(
        f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", (term,))]
        for table, term in (("contact_fts", "fury*"), ("contact_fts", "sorensen"), ("contact_fts", "555"),
                            ("contact_fts", "example"), ("folio_fts", "6675727*"), ("folio_fts", "616e6e"),
                            ("contact_trigram", '"ury-sm"'), ("contact_trigram", '{phones}: "5550"'))}
    return {
        "schema": schema,
        "folio_key": [tuple(row) for row in database.execute_sql("SELECT * FROM folio_key ORDER BY 1")],
        "folio_dirty": [tuple(row) for row in database.execute_sql("SELECT * FROM folio_dirty")],
        "fts": fts,
        "indexed": database.execute_sql("SELECT COUNT(*) FROM folio_fts_docsize").fetchone()[0],
        "automerge": {table: database.execute_sql(f"SELECT v FROM {table}_config WHERE k = 'automerge'")
                      .fetchone()[0] for table in ("contact_fts", "folio_fts", "contact_trigram")},
        "trigram_texts": [tuple(row) for row in database.execute_sql(
            "SELECT rowid, name, name_parts, emails, phones FROM contact_trigram ORDER BY rowid")],
    }


@pytest.fixture
def spy(monkeypatch):
    """Counts bulk loads begun and finished (the real methods still run)."""
    calls = {"begin": 0, "finish": 0, "abort": 0}
    for name in calls:
        real = getattr(bulk_load.BulkLoad, name)

        def wrapped(self, _real=real, _name=name):
            calls[_name] += 1
            return _real(self)
        monkeypatch.setattr(bulk_load.BulkLoad, name, wrapped)
    return calls


@sqlite_only
@pytest.mark.parametrize("worker", [False, True, "index-rows-written-mid-load"],
                         ids=["one-process", "parse-worker", "index-rows-mid-load"])
def test_bulk_load_gives_what_the_per_card_path_gives(app, client, auth, database_url, tmp_path, spy, monkeypatch,
                                                       worker):
    if worker:
        monkeypatch.setattr(jsonl, "CHUNK_LINES", 3)  # several chunks: parsing goes to the worker process
    else:
        monkeypatch.setenv("CONTACTS_IMPORT_WORKERS", "0")
    if worker == "index-rows-written-mid-load":  # deferred search-index rows written between batches too
        monkeypatch.setattr(bulk, "DEFERRED_INDEX_ROWS", 2)
    _make_cards(app)
    before_views = _views(client, auth)
    before_cards = all_cards()
    exported = tmp_path / "all.jsonl"
    assert run("export", "--output", str(exported), "--database-url", database_url).exit_code == 0
    before_index = _index_rows(database_url)

    other = fresh_database_url(tmp_path, "other")
    result = run("import", str(exported), "--database-url", other, "--batch-size", "3")
    assert (result.exit_code, summary(result)) == (0, f"imported {len(NAMES) + 1}, updated 0, skipped 0, failed 0, warnings 0")
    assert spy == {"begin": 1, "finish": 1, "abort": 0}

    assert all_cards() == before_cards
    assert _index_rows(other) == before_index
    assert before_index["indexed"] == len(NAMES) and before_index["folio_dirty"] == []
    # migration 0600's merge setting, put back after the load merged nothing until its end
    assert before_index["automerge"] == {"contact_fts": 16, "folio_fts": 16, "contact_trigram": 16}
    assert before_views["lastName=fury"] and before_views["fury"]  # the views are not empty
    assert before_views["lookup"][0] == 200
    restored = create_app(Config(database_url=other, auth=False))
    assert _views(restored.test_client(), {}) == before_views


def test_import_into_a_non_empty_store_indexes_per_batch(app, client, auth, database_url, tmp_path, spy):
    _make_cards(app)
    before_views = _views(client, auth)
    exported = tmp_path / "all.jsonl"
    run("export", "--output", str(exported), "--database-url", database_url)
    other = fresh_database_url(tmp_path, "other")
    use_database(other)
    contacts.create_card({"display_name": "Already Here", "phones": [{"value": "1"}]})
    lines = exported.read_text().splitlines()
    # The imported cards get new autokeys after the one stored: compare by id, not by key.
    result = run("import", str(exported), "--database-url", other)
    assert summary(result) == f"imported {len(NAMES) + 1}, updated 0, skipped 0, failed 0, warnings 0", lines[:2]
    assert spy["begin"] == 0
    assert database.execute_sql("SELECT COUNT(*) FROM folio_dirty").fetchone()[0] == 0
    restored = create_app(Config(database_url=other, auth=False))
    after = _views(restored.test_client(), {})
    assert after["lastName=fury"] == before_views["lastName=fury"]
    assert after["sorensen"] == before_views["sorensen"]
    assert after["lookup"] == before_views["lookup"]


@sqlite_only
def test_a_failing_bulk_load_leaves_the_store_as_it_was(app, database_url, tmp_path, spy):
    empty_schema = _index_rows(database_url)["schema"]
    lines = [b'{"type": "meta", "format": "contacts-jsonl", "version": 1}\n'] + [
        json.dumps({"type": "contact", "id": f"00000000-0000-4000-8000-00000000000{number}",
                    "display_name": f"Person {number}"}).encode() + b"\n" for number in range(5)]
    stored = []

    def interrupted(count: int) -> None:
        stored.append(count)
        if len(stored) == 2:  # Ctrl-C after the second batch
            raise KeyboardInterrupt

    use_database(database_url)
    with pytest.raises(KeyboardInterrupt):
        jsonl.import_jsonl(lines, jsonl.ImportContext(ImportReport(), batch_size=2, on_stored=interrupted))
    assert stored == [2, 2]
    assert spy == {"begin": 1, "finish": 0, "abort": 1}
    assert all_cards() == []
    assert _index_rows(database_url)["schema"] == empty_schema  # indexes and triggers are back
    # The store works as before: the mark trigger is back, so a card created now reaches
    # FOLIO's name index with the next flush.
    card = contacts.create_card({"display_name": "After Failure"})
    assert database.execute_sql("SELECT contact_autokey FROM folio_dirty").fetchall() == [(card["autokey"],)]
    assert name_index.flush() == 1
    assert database.execute_sql("SELECT first_key, last_key FROM folio_key WHERE contact_autokey = ?",
                                (card["autokey"],)).fetchone() == ("after", "failure")


def test_bad_records_in_the_worker_are_reported_with_their_line(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "CHUNK_LINES", 2)
    good = {"type": "contact", "display_name": "Good One"}
    lines = [json.dumps({**good, "id": "11111111-1111-4111-8111-111111111111"}),
             "{not json",
             json.dumps({**good, "id": "22222222-2222-4222-8222-222222222222", "version": "3"}),
             json.dumps({**good, "id": "33333333-3333-4333-8333-333333333333", "groups": ["nope"]}),
             json.dumps({**good, "id": "11111111-1111-4111-8111-111111111111"}),
             json.dumps({**good, "id": "44444444-4444-4444-8444-444444444444", "emails": [{"value": 5}]}),
             json.dumps({**good, "id": "55555555-5555-4555-8555-555555555555", "display_name": "Last One"})]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert (result.exit_code, summary(result)) == (1, "imported 2, updated 0, skipped 1, failed 4, warnings 0")
    problems = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert problems[0].startswith("line 2: not valid JSON: ")
    assert problems[1:] == [
        "line 3: version must be an integer",
        "line 4: unknown group id(s): nope",
        "line 6: emails[0].value must be a string",
        # Repeated ids are found when the batch is stored.
        "line 5: skipped: a contact with id 11111111-1111-4111-8111-111111111111 already exists",
    ]
    assert [c["display_name"] for c in all_cards()] == ["Good One", "Last One"]


@sqlite_only
def test_a_reused_autokey_is_reindexed_not_doubled(app, client, auth):
    """The FOLIO name index written from the cards: a deleted card's key, re-used, answers with the new name."""
    with app.app_context():
        first = contacts.create_card({"display_name": "Olga Old"})
        contacts.delete_card(first["id"])
        second = contacts.create_card({"display_name": "Nina New"})
        renamed = contacts.create_card({"display_name": "Carl Before"})
        contacts.update_card(renamed["id"], {"display_name": "Carl After"})
    assert second["autokey"] == first["autokey"]  # SQLite re-uses the highest rowid
    headers = {**auth, "X-Okapi-Tenant": "diku"}

    def hits(query: str) -> list[str]:
        response = client.get(FOLIO, query_string={"query": query}, headers=headers)
        assert (response.status_code, response.headers["Content-Type"]) == (200, "application/json")
        return [c["id"] for c in response.json["contacts"]]

    assert hits("lastName=old") == []
    assert hits("lastName=new") == [second["id"]]
    assert hits("lastName=before") == []
    assert hits("lastName=after") == [renamed["id"]]
    assert database.execute_sql("SELECT COUNT(*) FROM folio_fts_docsize").fetchone()[0] == 2
    assert database.execute_sql("SELECT COUNT(*) FROM folio_dirty").fetchone()[0] == 0


def _contact_lines(count: int) -> list[bytes]:
    return [b'{"type": "meta", "format": "contacts-jsonl", "version": 1}\n'] + [
        json.dumps({"type": "contact", "id": f"00000000-0000-4000-8000-{number:012d}",
                    "display_name": f"Person Number{number}"}).encode() + b"\n" for number in range(count)]


@sqlite_only
@pytest.mark.parametrize("reader", [False, True], ids=["alone", "with-a-reader"])
def test_a_bulk_load_alone_on_the_file_uses_a_rollback_journal_and_puts_the_wal_back(app, tmp_path, spy, reader):
    """Alone, the load writes its pages once (rollback journal); a connected reader keeps the WAL."""
    import apsw

    url = fresh_database_url(tmp_path, "journal")
    use_database(url)
    other = apsw.Connection(url.split("sqlite:///", 1)[1]) if reader else None
    if other is not None:
        assert other.execute("SELECT COUNT(*) FROM contact").fetchall() == [(0,)]
    modes = []

    def stored(count: int) -> None:
        modes.append(database.execute_sql("PRAGMA journal_mode").fetchone()[0])

    report = jsonl.import_jsonl(_contact_lines(4), jsonl.ImportContext(ImportReport(), batch_size=2,
                                                                        on_stored=stored))
    assert (report.imported, report.failed, spy) == (4, 0, {"begin": 1, "finish": 1, "abort": 0})
    assert modes == (["wal", "wal"] if reader else ["delete", "delete"])
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [c["display_name"] for c in all_cards()] == [f"Person Number{n}" for n in range(4)]
    if other is not None:
        assert other.execute("SELECT COUNT(*) FROM contact").fetchall() == [(4,)]
        other.close()


@sqlite_only
@pytest.mark.parametrize("failure", ["raises", "killed"])
def test_a_failing_parse_worker_stops_the_import_and_nothing_is_stored(app, database_url, monkeypatch, spy,
                                                                         failure):
    monkeypatch.setattr(jsonl, "CHUNK_LINES", 2)
    parse = jsonl._parse_chunk

    def broken(task):
        if task[0] > 3:  # the third chunk, in the worker process
            if failure == "killed":
                os._exit(9)
            raise ValueError("disk on fire")
        return parse(task)

    monkeypatch.setattr(jsonl, "_parse_chunk", broken)
    use_database(database_url)
    expected = "parse worker failed: .*disk on fire" if failure == "raises" else "parse worker stopped"
    with pytest.raises(RuntimeError, match=expected):
        jsonl.import_jsonl(_contact_lines(9), jsonl.ImportContext(ImportReport(), batch_size=1))
    assert spy == {"begin": 1, "finish": 0, "abort": 1}
    assert all_cards() == []


def _big_result(task):
    """A worker task for the tests below: logs that it ran, answers ~100 KB (more than a pipe buffers)."""
    number, log = task
    with open(log, "a") as handle:
        handle.write(f"{number}\n")
    return [number, "x" * 100_000]


def _done(log) -> int:
    return len(log.read_text().split()) if log.exists() else 0


def _started_worker(tmp_path, monkeypatch, count: int):
    """A forked parse worker mapping `_big_result` over `count` inputs, its first result read."""
    from services.io import bulk_worker
    monkeypatch.setenv("CONTACTS_IMPORT_WORKERS", "1")
    monkeypatch.setattr(bulk_worker.os, "cpu_count", lambda: 2)
    log = tmp_path / "done.log"
    results = bulk_worker.mapped(((number, str(log)) for number in range(count)), _big_result)
    assert next(results)[0] == 0
    return bulk_worker, log, results


def test_the_parse_worker_keeps_working_while_the_writer_is_busy(tmp_path, monkeypatch):
    import time

    bulk_worker, log, results = _started_worker(tmp_path, monkeypatch, 40)
    deadline = time.monotonic() + 20
    while _done(log) < bulk_worker.AHEAD and time.monotonic() < deadline:
        time.sleep(0.05)  # the writer is "busy": nothing more is read from the worker
    # Results wait in this process while the writer is busy, not in a blocked worker.
    assert _done(log) >= bulk_worker.AHEAD
    assert [result[0] for result in results] == list(range(1, 40))


def test_a_writer_that_stops_reading_ends_the_worker(tmp_path, monkeypatch):
    import threading

    _, log, results = _started_worker(tmp_path, monkeypatch, 10_000)
    results.close()  # e.g. the import failed: the worker and the receiving thread end, nothing hangs
    assert [thread.name for thread in threading.enumerate() if thread.name == "import-receiver"] == []
    assert _done(log) < 10_000
