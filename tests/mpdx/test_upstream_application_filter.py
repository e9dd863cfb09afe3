"""Cases ported from MPDX's `app/services/application_filter.rb` (mpdx_api): a blank, Array or Hash value
is no filter; `filter[reverse_<name>]=true` reverses any filter by excluding what it selects.
"""
from __future__ import annotations

import json

import pytest

from tests.mpdx.test_mpdx_helpers import JSONAPI, LIST_A, LIST_AB, LIST_C, ORG_B, URL, at, mpdx  # noqa: F401


@pytest.fixture
def cards(mpdx):
    mpdx.organizations()
    found = {}
    for minute, (key, name, account_list) in enumerate((("jones", "Freddie Jones", LIST_A),
                                                         ("smith", "Ann Smith", LIST_AB),
                                                         ("lee", "Bo Lee", LIST_C), ("none", "Cy Nobody", None))):
        found[key] = mpdx.card(display_name=name, created=at(minute))["id"]
        if account_list:
            mpdx.import_({"contacts": [{"id": found[key], "account_list": account_list}]})
    return found


@pytest.mark.parametrize("query, expected", [
    ({"filter[wildcard_search]": "freddie", "filter[reverse_wildcard_search]": "true"}, ["smith", "lee", "none"]),  # W22
    ({"filter[organization_id]": ORG_B, "filter[reverse_organization_id]": "true"}, ["jones", "lee", "none"]),
    ({"filter[organization_id]": ORG_B}, ["smith"]),
    ({"filter[wildcard_search]": "", "filter[reverse_wildcard_search]": "true"}, ["jones", "smith", "lee", "none"]),
    ({"filter[wildcard_search]": "an", "filter[organization_id]": ORG_B,
      "filter[reverse_wildcard_search]": "true"}, []),  # filters narrow one another
])
def test_reverse(mpdx, cards, query, expected):
    assert mpdx.ids(query) == [cards[key] for key in expected]


def test_array_and_hash_values_are_no_filter(mpdx, cards):
    """Only a JSON body (X-HTTP-Method-Override) can carry them; they are echoed, and filter nothing."""
    body = {"filter": {"wildcard_search": ["smith"], "status": {"a": 1}}}
    response = mpdx.raw("POST", URL, headers={"Content-Type": JSONAPI, "X-HTTP-Method-Override": "GET"},
                        data=json.dumps(body))
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == list(cards.values())
    assert response.get_json()["meta"]["filter"] == body["filter"]
