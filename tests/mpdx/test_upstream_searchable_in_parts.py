"""Cases ported from MPDX's `app/services/concerns/filter/searchable_in_parts.rb` (mpdx_api): the term is
lower-cased, commas and hyphens become spaces, it is split on whitespace, and every part must match
`ILIKE '%part%'`; the whole term matches emails and phones the same way. ILIKE semantics:
substrings, case-insensitive, accents kept, `%` and `_` wildcards (not escaped upstream), `\\` escaping.

Upstream crashes (500) on a term with no name part (`-`, `,`) and on a trailing backslash;
here the first searches emails and phones only and the second takes the backslash literally.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture

CARDS = {
    "jones": dict(given_name="Freddie", family_name="Jones"),
    "jose": dict(given_name="Ana", family_name="José"),
    "under": dict(given_name="Al", family_name="Under_Score", emails=[{"value": "a-b,c@x.example"}]),
    "back": dict(given_name="Bo", family_name="Back\\Slash"),
    "smith": dict(given_name="Ann", family_name="Blacksmith"),
}


@pytest.fixture
def cards(mpdx):
    return {key: mpdx.card(created=at(minute), **data)["id"] for minute, (key, data) in enumerate(CARDS.items())}


@pytest.mark.parametrize("term, expected", [
    ("eddie", ["jones"]),  # W12: the middle of a word
    ("ones fred", ["jones"]),  # W13: any order, substrings
    ("FREDDIE,JONES", ["jones"]),
    ("mith", ["smith"]),
    ("jose", []),  # W16: accents are kept
    ("JOSÉ", ["jose"]),  # W17: case is not
    ("josé, ana", ["jose"]),
    ("fr_ddie", ["jones"]),  # W18: `_` is any one character
    ("fr%die", ["jones"]),  # `%` any run of characters
    ("under\\_score", ["under"]),  # an escaped wildcard is literal
    ("x_score", []),
    ("-", ["under"]),  # W20: no name part; the email holds a hyphen
    (",", ["under"]),
    ("a-b,c", ["under", "back", "smith"]),  # the whole term in the email; tokens a, b, c in the other names
    ("-b,c@", ["under"]),
    ("back\\\\slash", ["back"]),  # `\\` is one backslash
    ("slash\\", []),  # W21: a trailing backslash is literal (upstream: 500)
    ("k\\", ["back"]),
])
def test_terms(mpdx, cards, term, expected):
    response = mpdx.get("", {"filter[wildcard_search]": term})
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [cards[key] for key in expected]
