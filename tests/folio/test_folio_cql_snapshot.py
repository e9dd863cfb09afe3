"""FOLIO searches reuse what they read of the store (name-index probe, totals) until a write.

Whatever is reused, every answer must be the one a fresh read gives: writes through
the API, raw writes on the app's connection and commits by another connection all
show in the next search's hits and `totalRecords`.
"""
from __future__ import annotations

import pytest

PREFIX = "/organizations-storage/contacts"
USER = "28d0fb04-d137-11e8-a8d5-f2801f1b9fd1"
QUERY = '(firstName="fu*" or lastName="fu*") sortby lastName firstName'
RECORDS = [
    {"id": "aaaaaaaa-0000-4000-8000-000000000001", "firstName": "Nick", "lastName": "Fury"},
    {"id": "aaaaaaaa-0000-4000-8000-000000000002", "firstName": "Nicole", "lastName": "Fury-Smith"},
    {"id": "aaaaaaaa-0000-4000-8000-000000000003", "firstName": "Fulvia", "lastName": "Adams"},
    {"id": "aaaaaaaa-0000-4000-8000-000000000004", "firstName": "Ann", "lastName": "Other"},
]


@pytest.fixture
def headers(auth):
    return {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-User-Id": USER}


@pytest.fixture
def seeded(client, headers):
    for record in RECORDS:
        response = client.post(PREFIX, json=record, headers=headers)
        assert response.status_code == 201, response.data
    return client


def _search(client, headers, **params) -> tuple[list[str], int]:
    response = client.get(PREFIX, query_string={"query": QUERY, **params}, headers=headers)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/json"
    return [c["lastName"] for c in response.json["contacts"]], response.json["totalRecords"]


def _sqlite_only(app) -> None:
    from models.connect import is_sqlite

    with app.app_context():
        if not is_sqlite():
            pytest.skip("SQLite's name index and snapshot; PostgreSQL reads its expression indexes each time")


def test_totals_and_pages_follow_writes_through_the_api(seeded, headers):
    assert _search(seeded, headers) == (["Adams", "Fury", "Fury-Smith"], 3)
    assert _search(seeded, headers, limit=1, offset=1) == (["Fury"], 3)
    created = seeded.post(PREFIX, json={"firstName": "Sam", "lastName": "Fuller"}, headers=headers)
    assert created.status_code == 201, created.data
    assert _search(seeded, headers) == (["Adams", "Fuller", "Fury", "Fury-Smith"], 4)
    assert _search(seeded, headers, limit=1, offset=1) == (["Fuller"], 4)
    renamed = {**RECORDS[0], "firstName": "Nick", "lastName": "Zed"}
    assert seeded.put(f"{PREFIX}/{RECORDS[0]['id']}", json=renamed, headers=headers).status_code == 204
    assert _search(seeded, headers) == (["Adams", "Fuller", "Fury-Smith"], 3)
    assert seeded.delete(f"{PREFIX}/{created.json['id']}", headers=headers).status_code == 204
    assert _search(seeded, headers, limit=0) == ([], 2)
    assert _search(seeded, headers) == (["Adams", "Fury-Smith"], 2)


def test_a_raw_write_on_the_apps_connection_shows_in_the_next_search(seeded, headers, app):
    from models import Contact

    assert _search(seeded, headers) == (["Adams", "Fury", "Fury-Smith"], 3)
    with app.app_context():
        assert Contact.update(family_name="Furness").where(Contact.id == RECORDS[3]["id"]).execute() == 1
    assert _search(seeded, headers) == (["Adams", "Furness", "Fury", "Fury-Smith"], 4)
    with app.app_context():
        assert Contact.delete().where(Contact.id == RECORDS[0]["id"]).execute() == 1
    assert _search(seeded, headers) == (["Adams", "Furness", "Fury-Smith"], 3)


def test_a_commit_by_another_connection_shows_in_the_next_search(seeded, headers, app, database_url):
    """Another process (here: another connection) renames a card: PRAGMA data_version changes."""
    _sqlite_only(app)
    import apsw

    assert _search(seeded, headers) == (["Adams", "Fury", "Fury-Smith"], 3)
    other = apsw.Connection(database_url.removeprefix("sqlite:///"))
    try:
        other.execute("PRAGMA busy_timeout = 5000")
        other.execute("UPDATE contact SET family_name = 'Furlong' WHERE id = ?", (RECORDS[3]["id"],))
    finally:
        other.close()
    assert _search(seeded, headers) == (["Adams", "Furlong", "Fury", "Fury-Smith"], 4)
    assert _search(seeded, headers, limit=2, offset=2) == (["Fury", "Fury-Smith"], 4)


def test_an_unchanged_store_is_probed_and_counted_once(seeded, headers, app, monkeypatch):
    """Repeated searches of an unchanged store run neither the name-index probe nor the count again."""
    _sqlite_only(app)
    from models.connect import database
    from services.folio import name_index

    statements: list[str] = []
    real = type(database.obj).execute_sql

    def spy(self, sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(self, sql, params, *args, **kwargs)

    with app.app_context():  # the seeded cards are indexed, as a serve worker's flush does
        assert name_index.flush() == len(RECORDS)
    monkeypatch.setattr(type(database.obj), "execute_sql", spy)

    def probes_and_counts() -> tuple[int, int]:
        return (sum("folio_dirty d CROSS JOIN" in sql for sql in statements),
                sum(sql.startswith("SELECT CASE WHEN EXISTS") for sql in statements))

    assert _search(seeded, headers) == (["Adams", "Fury", "Fury-Smith"], 3)
    assert probes_and_counts() == (1, 1)
    for offset in (0, 1, 2):
        _search(seeded, headers, limit=1, offset=offset)
    assert probes_and_counts() == (1, 1)
    created = seeded.post(PREFIX, json={"firstName": "Sam", "lastName": "Fuller"}, headers=headers)
    assert created.status_code == 201, created.data
    statements.clear()
    assert _search(seeded, headers) == (["Adams", "Fuller", "Fury", "Fury-Smith"], 4)
    # the new card waited for the name index: a probe found it, the search indexed it and
    # probed again (its own write); then one count
    assert probes_and_counts() == (2, 1)
    for offset in (0, 1, 2):
        _search(seeded, headers, limit=1, offset=offset)
    assert probes_and_counts() == (2, 1)
    renamed = {**RECORDS[3], "lastName": "Furlong"}
    assert seeded.put(f"{PREFIX}/{RECORDS[3]['id']}", json=renamed, headers=headers).status_code == 204
    statements.clear()
    assert _search(seeded, headers) == (["Adams", "Fuller", "Furlong", "Fury", "Fury-Smith"], 5)
    assert probes_and_counts() == (1, 1)  # a changed card is indexed by its own write
