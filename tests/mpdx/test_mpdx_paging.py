"""MPDX wildcard_search paging: both page plans give MPDX's order, the total comes from the index, few queries."""
from __future__ import annotations

import math

import pytest

from models.connect import database, is_sqlite
from models.plans import plan_scans_table
from schemas.mpdx import contact_name
from services import search
from services.mpdx import query as mpdx_query
from tests.mpdx.test_mpdx_helpers import LIST_A, LIST_AB, LIST_C, ORG_A, ORG_B, ORG_C, at, mpdx  # noqa: F401

# (given, family, created minute, updated minute, emails): ties in created and updated on purpose.
PEOPLE = [
    ("Ann", "Smith", 3, 9, []),
    ("Bob", "Jones", 1, 8, ["bob.smith@example.com"]),
    ("Cid", "Other", 0, 7, []),
    ("Dee", "Smithers", 1, 9, []),
    ("Eve", "smith", 3, 2, []),
    ("Fay", "Nobody", 2, 1, ["fay@example.com"]),
    ("Gus", "Smith", 0, 2, []),
    ("Hal", "Blacksmith", 2, 5, []),
    ("Ida", "Smith", 3, 5, []),
    ("Jo", "Zed", 1, 0, ["jo@smith.org"]),
    ("Kim", "Smith", 2, 9, []),
]
SORTS = [None, "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at",
         "name nulls", "-updated_at -nulls"]


@pytest.fixture
def smiths(mpdx):
    """The cards, in creation (autokey) order, with what MPDX sorts them by."""
    cards = []
    for given, family, created, updated, emails in PEOPLE:
        card = mpdx.card(given_name=given, family_name=family, created=at(created), updated=at(updated),
                         emails=[{"value": e} for e in emails])
        cards.append(card)
    return cards


def _expected(cards: list[dict], sort: str | None) -> list[str]:
    """MPDX's order computed in Python: the sort field, then created_at ASC, then row order."""
    hits = [(i, c) for i, c in enumerate(cards)
            if "smith" in contact_name(c).lower() or any("smith" in e["value"].lower() for e in c["emails"])]
    field = (sort or "").split()[0] if sort else None
    descending = bool(field and field.startswith("-"))
    field = field.lstrip("-") if field else None
    value = {"name": lambda c: contact_name(c).encode(), "created_at": lambda c: c["created"],
             "updated_at": lambda c: c["updated"]}.get(field)
    ordered = sorted(hits, key=lambda ic: (ic[1]["created"], ic[0]))
    if value:
        ordered = sorted(ordered, key=lambda ic: value(ic[1]), reverse=descending)
    return [c["id"] for _, c in ordered]


@pytest.fixture(params=["walk", "sort", "threshold"])
def plan(request, monkeypatch):
    """Force one of the two page plans (walk the sort index, or sort the hits), or the hit count between them."""
    if request.param == "threshold":
        monkeypatch.setattr(mpdx_query, "_walk_threshold", lambda rows_needed: 9)  # exactly the 9 smiths: walk
    else:
        monkeypatch.setattr(mpdx_query, "WALK_STEP_COST", 0.0 if request.param == "walk" else 1e9)
    return request.param


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_in_mpdx_order_with_either_plan(mpdx, smiths, plan, sort):
    expected = _expected(smiths, sort)
    assert len(expected) == 9  # Smith x5, Smithers, Blacksmith, Bob's email, Jo's email
    seen = []
    for page in range(1, 5):
        query = {"filter[wildcard_search]": "SMITH", "per_page": "3", "page": str(page), **({"sort": sort} if sort else {})}
        response = mpdx.get("", query)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/vnd.api+json; charset=utf-8"
        body = response.get_json()
        assert body["meta"]["pagination"] == {"page": str(page), "per_page": "3", "total_count": 9, "total_pages": 3}
        assert body["meta"]["sort"] == sort
        seen.append([item["id"] for item in body["data"]])
    assert seen == [expected[0:3], expected[3:6], expected[6:9], []]


def test_names_come_back_with_the_page(mpdx, smiths, plan):
    body = mpdx.get("", {"filter[wildcard_search]": "smith", "sort": "name", "per_page": "4"}).get_json()
    assert [item["attributes"]["name"] for item in body["data"]] == [
        "Blacksmith, Hal", "Jones, Bob", "Smith, Ann", "Smith, Gus"]


@pytest.mark.parametrize("query, total, count", [
    ({"per_page": "0"}, 9, 9),  # Kaminari: per(0) keeps 25 rows
    ({"per_page": "5", "page": "3"}, 9, 0),
    ({"per_page": "25000"}, 9, 9),  # streamed
])
def test_past_the_end_and_large_pages(mpdx, smiths, plan, query, total, count):
    body = mpdx.get("", {"filter[wildcard_search]": "smith", **query}).get_json()
    per_page = int(query["per_page"]) or 25
    assert body["meta"]["pagination"] == {"page": query.get("page", 1), "per_page": query["per_page"],
                                          "total_count": total, "total_pages": math.ceil(total / per_page)}
    assert len(body["data"]) == count


@pytest.mark.parametrize("term", ["zzyzx", "-", '"'])
def test_search_without_hits_is_empty(mpdx, smiths, plan, term):
    body = mpdx.get("", {"filter[wildcard_search]": term}).get_json()
    assert body["data"] == []
    assert body["meta"]["pagination"] == {"page": 1, "per_page": 25, "total_count": 0, "total_pages": 0}


def test_deleted_cards_leave_the_count(mpdx, smiths, plan):
    assert mpdx.delete(smiths[0]["id"]).status_code == 204
    body = mpdx.get("", {"filter[wildcard_search]": "smith"}).get_json()
    assert body["meta"]["pagination"]["total_count"] == 8
    assert smiths[0]["id"] not in [item["id"] for item in body["data"]]


def test_search_with_another_filter_counts_contact_rows(mpdx, smiths):
    mpdx.import_({"contacts": [{"id": smiths[0]["id"], "status": "Never Ask"}]})
    body = mpdx.get("", {"filter[wildcard_search]": "smith", "filter[status]": "hidden"}).get_json()
    assert [item["id"] for item in body["data"]] == [smiths[0]["id"]]
    assert body["meta"]["pagination"]["total_count"] == 1


class _Recorder:
    """The SQL statements the app runs while recording."""

    def __init__(self, monkeypatch):
        self.statements: list[str] = []
        real = database.obj.execute_sql

        def record(sql, params=None, *args, **kwargs):
            self.statements.append(sql)
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database.obj, "execute_sql", record)

    def count(self, needle: str) -> int:
        return sum(needle in sql for sql in self.statements)


def test_a_search_runs_the_full_text_query_once(mpdx, smiths, monkeypatch):
    with mpdx.app.app_context():
        sqlite = is_sqlite()
    recorder = _Recorder(monkeypatch)
    response = mpdx.get("", {"filter[wildcard_search]": "smith", "per_page": "3"})
    assert response.status_code == 200
    assert len(response.get_json()["data"]) == 3
    # SQLite: one statement counts and pages; PostgreSQL: the count, then the page.
    fts_statements = recorder.count("MATCH") if sqlite else recorder.count("contact_trigram")
    assert fts_statements == (1 if sqlite else 2)


@pytest.fixture
def three_lists(mpdx):
    mpdx.organizations()
    ids = []
    for minute, account_list in enumerate((LIST_A, LIST_AB, LIST_C, None)):
        card = mpdx.card(display_name=f"Member {minute}", created=at(minute))
        if account_list:
            mpdx.import_({"contacts": [{"id": card["id"], "account_list": account_list}]})
        ids.append(card["id"])
    return ids


def test_account_lists_and_organizations_in_one_query(mpdx, three_lists, monkeypatch):
    recorder = _Recorder(monkeypatch)
    body = mpdx.get("", {"include": "account_list.organizations"}).get_json()
    assert recorder.count("mpdx_") == 2  # lists with their organizations, then the lists' users
    assert [item["relationships"]["account_list"]["data"]["id"] for item in body["data"]] == [
        LIST_A, LIST_AB, LIST_C, "6b2f3c1e-0d1a-5e7b-9c4d-8a1f2e3d4c5b"]
    included = {(item["type"], item["id"]): item for item in body["included"]}
    assert sorted(included) == sorted([("account_lists", LIST_A), ("account_lists", LIST_AB),
                                       ("account_lists", LIST_C), ("account_lists", "6b2f3c1e-0d1a-5e7b-9c4d-8a1f2e3d4c5b"),
                                       ("organizations", ORG_A), ("organizations", ORG_B), ("organizations", ORG_C)])
    assert included[("account_lists", LIST_AB)]["relationships"] == {"account_list_users": {"data": []}, "organizations": {"data": [
        {"id": ORG_A, "type": "organizations"}, {"id": ORG_B, "type": "organizations"}]}}
    assert included[("organizations", ORG_C)]["attributes"]["name"] == "Org C"


def test_get_by_id_adds_one_query_to_the_card_load(mpdx, three_lists, monkeypatch):
    recorder = _Recorder(monkeypatch)
    response = mpdx.get(f"/{three_lists[1]}", {"include": "account_list.organizations"})
    assert response.status_code == 200
    assert recorder.count("mpdx_") == 2  # the list with its organizations (remembered), its users
    organizations = [item["id"] for item in response.get_json()["included"] if item["type"] == "organizations"]
    assert organizations == [ORG_A, ORG_B]


@pytest.mark.parametrize("sort, index", [
    (None, "contact_created"), ("-created_at", "contact_created"), ("name", "contact_mpdx_name"),
    ("-name", "contact_mpdx_name"), ("updated_at", "contact_mpdx_updated"), ("-updated_at", "contact_mpdx_updated"),
])
def test_the_walk_reads_the_sort_index_not_the_table(app, sort, index):
    with app.app_context():
        if not is_sqlite():
            pytest.skip("the one-statement search plan is SQLite's (PostgreSQL plans the page itself)")
        spec = mpdx_query.ContactFilter(wildcard_search="smith", sort_field=sort and sort.lstrip("-"),
                                        descending=bool(sort and sort.startswith("-")))
        sql, params = search.substring_hits_source("smith")
        statement = mpdx_query._search_statement(sql, mpdx_query._order_sql(spec))
        plan = [str(row[-1]) for row in database.execute_sql(
            "EXPLAIN QUERY PLAN " + statement, [*params, 1, 25, 0, 1, 25, 0])]
    assert f"SCAN contact USING COVERING INDEX {index}" in plan, plan
    assert "SEARCH contact USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan  # the other plan: sort the hits
    assert not plan_scans_table(plan, "contact"), plan
    assert any("VIRTUAL TABLE INDEX" in line for line in plan), plan
