"""Cases ported from MPDX's `spec/services/contact/filter/wildcard_search_spec.rb` (mpdx_api), through
`filter[wildcard_search]` of the organizations contacts list.

Upstream's contacts carry people; here a card is the contact and its one person, so the
spec's person (PersonFirstName PersonLastName, with `email@gmail.com` and `514 122-4362`)
is a card of its own. Donor account numbers (`1234567890`) do not exist here.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture

CARDS = {  # the spec's contacts, "Last, First" as family and given name
    "jones": dict(family_name="Jones", given_name="Freddie"),
    "dolly": dict(family_name="Dolly", given_name="Doe"),
    "zhong": dict(family_name="Jill", given_name="Zhong", emails=[{"value": "email@gmail.com"}],
                  phones=[{"value": "514 122-4362"}]),
    "person": dict(given_name="PersonFirstName", family_name="PersonLastName"),
    "bindal": dict(family_name="Bob", given_name="Bindal"),
    "park": dict(family_name="Min jun", given_name="Park"),
    "kim": dict(family_name="Seo-yun", given_name="Kim"),
}


@pytest.fixture
def cards(mpdx):
    return {key: mpdx.card(created=at(minute), **data)["id"] for minute, (key, data) in enumerate(CARDS.items())}


@pytest.mark.parametrize("term, expected", [
    ("Freddie", ["jones"]),  # line 50
    ("122", ["zhong"]),  # line 53
    ("email", ["zhong"]),  # line 54
    ("freddie JONES,", ["jones"]),  # line 58
    ("jones, freddie", ["jones"]),  # line 59
    ("Personfirstname, personlastName", ["person"]),  # line 63
    (",PERSONLASTNAME personfirstname", ["person"]),  # line 64
    ("park min jun", ["park"]),  # lines 67-71
    ("park min-jun", ["park"]),
    ("seo yun kim", ["kim"]),  # lines 72-73
    ("kim seo-yun", ["kim"]),
])
def test_terms(mpdx, cards, term, expected):
    response = mpdx.get("", {"filter[wildcard_search]": term})
    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == [cards[key] for key in expected]
    assert body["meta"]["pagination"]["total_count"] == len(expected)
    assert body["meta"]["filter"] == {"wildcard_search": term}


@pytest.mark.parametrize("term", ["", "   "])
def test_a_blank_term_is_no_filter(mpdx, cards, term):  # lines 39-46
    assert mpdx.ids({"filter[wildcard_search]": term}) == list(cards.values())
