"""MPDX organizations/contacts queries: filters, wildcard search, sort and pagination."""
from __future__ import annotations

import pytest

from models.plans import plan_scans_table, query_plan
from services.mpdx import query as mpdx_query
from tests.mpdx.test_mpdx_helpers import (  # noqa: F401 - `mpdx` is a fixture
    LIST_A,
    LIST_AB,
    LIST_C,
    ORG_A,
    ORG_B,
    ORG_C,
    at,
    mpdx,
)


@pytest.fixture
def statuses(mpdx):
    """Contacts with the statuses of MPDX's status_spec: Ask in Future, Not Interested, none."""
    ask = mpdx.card(display_name="Ann Ask", created=at(1))
    no = mpdx.card(display_name="Ned No", created=at(2))
    none = mpdx.card(display_name="Nil None", created=at(3))
    mpdx.import_({"contacts": [{"id": ask["id"], "status": "Ask in Future"},
                               {"id": no["id"], "status": "Not Interested"}]})
    return {"ask": ask["id"], "no": no["id"], "none": none["id"]}


@pytest.mark.parametrize("value, expected", [
    ("active", ["ask", "none"]),
    ("hidden", ["no"]),
    ("null", ["none"]),
    ("Not Interested", ["no"]),
    ("active, hidden", ["ask", "no", "none"]),
    ("hidden, null", ["no", "none"]),
    ("Ask in Future,Not Interested", ["ask", "no"]),
    ("not interested", []),
    ("Bogus", []),
    ("", ["ask", "no", "none"]),
])
def test_status_filter(mpdx, statuses, value, expected):
    response = mpdx.get("", {"filter[status]": value})
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [statuses[key] for key in expected]
    assert response.get_json()["meta"]["filter"] == {"status": value}


def test_no_status_filter_shows_every_status(mpdx, statuses):
    assert mpdx.ids() == [statuses["ask"], statuses["no"], statuses["none"]]


@pytest.fixture
def members(mpdx):
    """A contact in each account list, and one in none."""
    mpdx.organizations()
    ids = {}
    for minute, (key, account_list) in enumerate((("a", LIST_A), ("ab", LIST_AB), ("c", LIST_C), ("none", None))):
        ids[key] = mpdx.card(display_name=f"Member {key}", created=at(minute))["id"]
        if account_list:
            mpdx.import_({"contacts": [{"id": ids[key], "account_list": account_list}]})
    return ids


@pytest.mark.parametrize("value, expected", [
    (ORG_A, ["a", "ab"]),
    (ORG_B, ["ab"]),
    (f"{ORG_A},{ORG_B}", ["a", "ab"]),
    (f"{ORG_B}, {ORG_C}", ["ab", "c"]),
    ("00000000-0000-4000-8000-000000000000", []),
])
def test_organization_filter_is_a_distinct_union(mpdx, members, value, expected):
    response = mpdx.get("", {"filter[organization_id]": value})
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == [members[key] for key in expected]
    assert body["meta"]["pagination"]["total_count"] == len(expected)
    assert body["meta"]["filter"] == {"organization_id": value}


def test_filters_combine_and_camel_case_keys_are_underscored(mpdx, members):
    mpdx.import_({"contacts": [{"id": members["ab"], "status": "Never Ask"}]})
    assert mpdx.ids({"filter[organizationId]": ORG_A, "filter[status]": "active"}) == [members["a"]]


def test_unknown_filters_are_ignored_and_not_echoed(mpdx, members):
    body = mpdx.get("", {"filter[foo]": "bar", "filter[account_list_id]": LIST_A}).get_json()
    assert len(body["data"]) == 4
    assert body["meta"]["filter"] == {}


@pytest.fixture
def people(mpdx):
    """The cards of MPDX's wildcard_search_spec."""
    return {
        "jones": mpdx.card(given_name="Freddie", family_name="Jones", created=at(1))["id"],
        "phone": mpdx.card(display_name="Pat Phone", phones=[{"value": "514 122-4362"}], created=at(2))["id"],
        "email": mpdx.card(display_name="Eve Mail", emails=[{"value": "email@gmail.com"}], created=at(3))["id"],
        "park": mpdx.card(given_name="Park", family_name="Min jun", created=at(4))["id"],
        "kim": mpdx.card(given_name="Kim", family_name="Seo-yun", created=at(5))["id"],
    }


@pytest.mark.parametrize("term, expected", [
    ("Freddie", ["jones"]),
    ("freddie JONES,", ["jones"]),
    ("jones, freddie", ["jones"]),
    (",JONES freddie", ["jones"]),
    ("fred jon", ["jones"]),
    ("122", ["phone"]),
    ("4362", ["phone"]),
    ("email", ["email"]),
    ("EMAIL@GMAIL.COM", ["email"]),
    ("park min-jun", ["park"]),
    ("park min jun", ["park"]),
    ("kim seo-yun", ["kim"]),
    ("freddie kim", []),
    ("2011-11-01", []),
    ('"); DROP TABLE contact; --', []),
    ("   ", ["jones", "phone", "email", "park", "kim"]),
])
def test_wildcard_search(mpdx, people, term, expected):
    response = mpdx.get("", {"filter[wildcard_search]": term})
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [people[key] for key in expected]


def test_wildcard_search_uses_the_substring_index(app):
    with app.app_context():
        spec = mpdx_query.ContactFilter(wildcard_search="freddie jones")
        query = mpdx_query._where(mpdx_query.Contact.select(), spec)
        plan = query_plan(query)
    assert not plan_scans_table(plan, "contact"), plan
    assert "contact_trigram" in query.sql()[0]


def test_search_finds_a_card_written_by_another_dialect(mpdx):
    created = mpdx.client.post("/rest/v1/addressbook/contacts", headers=mpdx.headers,
                               json={"displayname": "Gene Chan", "number": "5550142"})
    assert created.status_code == 200
    assert mpdx.ids({"filter[wildcard_search]": "5550142"}) == [created.get_json()["id"]]
    assert mpdx.ids({"filter[wildcard_search]": "chan gene"}) == [created.get_json()["id"]]


@pytest.fixture
def chans(mpdx):
    """MPDX's C-collation case: Chan, Emily / Chang, Edward / Chan, Gene (created in that order)."""
    for minute, (given, family) in enumerate((("Emily", "Chan"), ("Edward", "Chang"), ("Gene", "Chan"))):
        mpdx.card(given_name=given, family_name=family, created=at(minute), updated=at(10 - minute))


@pytest.mark.parametrize("sort, expected", [
    (None, ["Chan, Emily", "Chang, Edward", "Chan, Gene"]),
    ("name", ["Chan, Emily", "Chan, Gene", "Chang, Edward"]),
    ("-name", ["Chang, Edward", "Chan, Gene", "Chan, Emily"]),
    ("created_at", ["Chan, Emily", "Chang, Edward", "Chan, Gene"]),
    ("-created_at", ["Chan, Gene", "Chang, Edward", "Chan, Emily"]),
    ("updated_at", ["Chan, Gene", "Chang, Edward", "Chan, Emily"]),
    ("name nulls", ["Chan, Emily", "Chan, Gene", "Chang, Edward"]),
    ("-name -nulls", ["Chang, Edward", "Chan, Gene", "Chan, Emily"]),
])
def test_sort(mpdx, chans, sort, expected):
    response = mpdx.get("", {"sort": sort} if sort else {})
    assert [item["attributes"]["name"] for item in response.get_json()["data"]] == expected
    assert response.get_json()["meta"]["sort"] == sort


def test_name_sort_is_byte_order(mpdx):
    for given, family in (("a", "de Vries"), ("b", "Zed"), ("c", "Émile")):
        mpdx.card(given_name=given, family_name=family)
    assert mpdx.names({"sort": "name"}) == ["Zed, b", "de Vries, a", "Émile, c"]


@pytest.mark.parametrize("sort, detail", [
    ("id", "Sorting by id is not supported for this endpoint."),
    ("-status", "Sorting by status is not supported for this endpoint."),
    ("id,id", "This endpoint does not support multiple sorting parameters."),
    ("name,-created_at", "This endpoint does not support multiple sorting parameters."),
    ("name nil", "Bad format for sort param."),
])
def test_bad_sort_is_400_with_mpdx_text(mpdx, sort, detail):
    response = mpdx.get("", {"sort": sort})
    assert response.status_code == 400
    assert response.get_json() == {"errors": [{"status": "400", "title": "Bad Request", "detail": detail}]}


@pytest.fixture
def three(mpdx):
    return [mpdx.card(display_name=f"Person {i}", created=at(i))["id"] for i in range(3)]


@pytest.mark.parametrize("query, index, pagination", [
    ({}, [0, 1, 2], {"page": 1, "per_page": 25, "total_count": 3, "total_pages": 1}),
    ({"per_page": "1", "page": "2"}, [1], {"page": "2", "per_page": "1", "total_count": 3, "total_pages": 3}),
    ({"per_page": "2", "page": "2"}, [2], {"page": "2", "per_page": "2", "total_count": 3, "total_pages": 2}),
    ({"per_page": "2", "page": "9"}, [], {"page": "9", "per_page": "2", "total_count": 3, "total_pages": 2}),
    ({"per_page": "0"}, [0, 1, 2], {"page": 1, "per_page": "0", "total_count": 3, "total_pages": 1}),
    ({"per_page": "25000"}, [0, 1, 2], {"page": 1, "per_page": "25000", "total_count": 3, "total_pages": 1}),
])
def test_pagination(mpdx, three, query, index, pagination):
    body = mpdx.get("", query).get_json()
    assert [item["id"] for item in body["data"]] == [three[i] for i in index]
    assert body["meta"]["pagination"] == pagination


def test_page_walk_returns_every_contact_once(mpdx):
    ids = [mpdx.card(display_name=f"Same Time {i}", created=at(0))["id"] for i in range(7)]
    first = mpdx.get("", {"per_page": "3", "page": "1"}).get_json()
    seen = [item["id"] for item in first["data"]]
    for page in range(2, first["meta"]["pagination"]["total_pages"] + 1):
        seen += mpdx.ids({"per_page": "3", "page": str(page)})
    assert seen == ids
