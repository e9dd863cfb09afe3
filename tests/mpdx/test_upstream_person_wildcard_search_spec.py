"""Cases ported from MPDX's `spec/services/person/filter/wildcard_search_spec.rb` and
`app/services/person/filter/wildcard_search.rb` (mpdx_api): people match by first or last name,
token by token, or by the whole term inside one of their email addresses or phone numbers.

Upstream stores phone numbers in E.164 (`+15141224362`), so the whole term is matched
against the digits; here against the number's digits (a leading `+` kept).
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture

CARDS = {
    "duck": dict(given_name="Donald", family_name="Duck", emails=[{"value": "donald@disney.example"}]),
    "phone": dict(given_name="Pat", family_name="Phone", phones=[{"value": "514 122-4362"},
                                                                 {"value": "+44 20 7946 0958"}]),
    "mail": dict(given_name="Mae", family_name="Mail", emails=[{"value": "Email@Gmail.com"},
                                                               {"value": "mae@work.example"}]),
    "cher": dict(given_name="Cher", display_name="Cher Sarkisian"),  # no family name: the name is the display name
}


@pytest.fixture
def cards(mpdx):
    return {key: mpdx.card(created=at(minute), **data)["id"] for minute, (key, data) in enumerate(CARDS.items())}


@pytest.mark.parametrize("term, expected", [
    ("Duck", ["duck"]),  # person spec line 36
    ("donald duck", ["duck"]),
    ("duck donald", ["duck"]),  # any order: one token in the first name, one in the last
    ("onal uck", ["duck"]),  # substrings of each
    ("donald@disney", ["duck"]),  # the whole term in an email
    ("4362", ["phone"]),  # the middle and end of a number, as digits
    ("5141224", ["phone"]),
    ("+4420", ["phone"]),
    ("122-4362", []),  # formatting is not stored upstream (E.164): no match
    ("gmail.com", ["mail"]),
    ("l@g", ["mail"]),
    ("EMAIL@GMAIL", ["mail"]),
    ("gmail.com mae", []),  # one email holds the whole term, or none does
    ("cher", ["cher"]),
    ("sarkisian", ["cher"]),
])
def test_terms(mpdx, cards, term, expected):
    assert mpdx.ids({"filter[wildcard_search]": term}) == [cards[key] for key in expected]
