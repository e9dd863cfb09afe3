"""MPDX wildcard_search results remembered on SQLite: reused while the database is unchanged, never stale."""
from __future__ import annotations

import threading

import pytest

from models.connect import database, is_sqlite
from services import contacts as cards
from services.mpdx import query as mpdx_query
from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.fixture
def smiths(mpdx):
    """Three Smiths and a Jones, created a minute apart."""
    return [mpdx.card(given_name=given, family_name=family, created=at(minute), updated=at(minute))["id"]
            for minute, (given, family) in enumerate((("Ann", "Smith"), ("Bob", "Jones"), ("Cy", "Smith"),
                                                      ("Di", "Smith")))]


class _Matches:
    """Counts the full-text statements the app runs."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = database.obj.execute_sql

        def record(sql, params=None, *args, **kwargs):
            self.count += "MATCH" in sql
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database.obj, "execute_sql", record)


@pytest.fixture
def matches(mpdx, monkeypatch):
    with mpdx.app.app_context():
        if not is_sqlite():
            pytest.skip("search results are remembered on SQLite only")
    return _Matches(monkeypatch)


def _search(mpdx, **query) -> tuple[list[str], int]:
    response = mpdx.get("", {"filter[wildcard_search]": "smith", **query})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.api+json; charset=utf-8"
    body = response.get_json()
    return [item["id"] for item in body["data"]], body["meta"]["pagination"]["total_count"]


def test_a_repeated_search_is_answered_without_the_index(mpdx, smiths, matches):
    first = mpdx.get("", {"filter[wildcard_search]": "smith"})
    assert matches.count == 1
    second = mpdx.get("", {"filter[wildcard_search]": "smith"})
    assert matches.count == 1
    assert second.get_json() == first.get_json()
    assert [item["id"] for item in second.get_json()["data"]] == [smiths[0], smiths[2], smiths[3]]


@pytest.mark.parametrize("query, expected", [
    ({"sort": "-created_at"}, [3, 2, 0]),
    ({"per_page": "1", "page": "2"}, [2]),
    ({"per_page": "2"}, [0, 2]),
])
def test_another_sort_or_page_is_another_search(mpdx, smiths, matches, query, expected):
    _search(mpdx)
    ids, total = _search(mpdx, **query)
    assert matches.count == 2
    assert total == 3
    assert ids == [smiths[i] for i in expected]
    assert _search(mpdx, **query) == (ids, total)
    assert matches.count == 2


def test_large_pages_are_not_remembered(mpdx, smiths, matches):
    for _ in range(2):
        assert _search(mpdx, per_page=str(mpdx_query.CACHED_PAGE_ROWS + 1)) == ([smiths[0], smiths[2], smiths[3]], 3)
    assert matches.count == 2


def test_the_oldest_search_is_forgotten_first(mpdx, smiths, matches, monkeypatch):
    monkeypatch.setattr(mpdx_query, "CACHED_SEARCHES", 2)
    for per_page in ("1", "2", "3", "1"):
        _search(mpdx, per_page=per_page)
    assert matches.count == 4  # per_page=1 was pushed out by 2 and 3
    _search(mpdx, per_page="3")
    assert matches.count == 4


def test_a_new_card_is_found(mpdx, smiths):
    assert _search(mpdx) == ([smiths[0], smiths[2], smiths[3]], 3)
    assert _search(mpdx, per_page="1") == ([smiths[0]], 3)
    new = mpdx.card(given_name="Eve", family_name="Smithers", created=at(9))["id"]
    assert _search(mpdx) == ([smiths[0], smiths[2], smiths[3], new], 4)
    assert _search(mpdx, per_page="1") == ([smiths[0]], 4)


def test_a_renamed_card_leaves_and_a_deleted_one_goes(mpdx, smiths):
    assert _search(mpdx)[1] == 3
    with mpdx.app.app_context():
        cards.update_card(smiths[2], {"family_name": "Jones"})
    assert _search(mpdx) == ([smiths[0], smiths[3]], 2)
    assert mpdx.delete(smiths[0]).status_code == 204
    assert _search(mpdx) == ([smiths[3]], 1)


def test_a_change_outside_the_index_reorders_the_page(mpdx, smiths):
    assert _search(mpdx, sort="updated_at")[0] == [smiths[0], smiths[2], smiths[3]]
    with mpdx.app.app_context():
        cards.update_card(smiths[0], {"notes": "touched"})  # not indexed, but its updated_at moves
    assert _search(mpdx, sort="updated_at")[0] == [smiths[2], smiths[3], smiths[0]]


def test_a_write_by_another_connection_is_seen(mpdx, smiths):
    assert _search(mpdx) == ([smiths[0], smiths[2], smiths[3]], 3)
    errors = []

    def write():  # another thread: its own connection, as another worker's would be
        try:
            with mpdx.app.app_context():
                cards.update_card(smiths[1], {"family_name": "Smith"})
                database.close()
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    writer.join()
    assert errors == []
    assert _search(mpdx) == (smiths, 4)
