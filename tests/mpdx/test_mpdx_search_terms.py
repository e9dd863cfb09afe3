"""MPDX wildcard_search terms on a realistic mix: substrings of names, emails and phone digits, and which
index plan each term gets (services.substring)."""
from __future__ import annotations

import pytest

from models.connect import is_sqlite
from services import search
from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture

CARDS = {
    "smith": dict(given_name="Ann", family_name="Smith"),
    "smithers": dict(given_name="Dee", family_name="Smithers"),
    "blacksmith": dict(given_name="Hal", family_name="Blacksmith"),
    "local": dict(given_name="Bob", family_name="Jones", emails=[{"value": "bob.smith@example.com"}]),
    "digits": dict(given_name="Cy", family_name="Other", emails=[{"value": "smith5749@example.org"}]),
    "domain": dict(given_name="Jo", family_name="Zed", emails=[{"value": "jo@smithfield.org"}]),
    "phone": dict(given_name="Pat", family_name="Phone", phones=[{"value": "+1 514 122-4362"}]),
    "accent": dict(given_name="Émile", family_name="Zola"),
    "irish": dict(given_name="Sean", family_name="O'Brien"),
    "middle": dict(display_name="Mr. Carl Smithson Ray"),
}


@pytest.fixture
def cards(mpdx):
    return {key: mpdx.card(created=at(minute), **data)["id"] for minute, (key, data) in enumerate(CARDS.items())}


@pytest.mark.parametrize("term, expected", [
    ("smith", ["smith", "smithers", "blacksmith", "local", "digits", "domain"]),
    ("SMITH,", ["smith", "smithers", "blacksmith"]),  # emails must hold the whole term, comma and all
    ("mith", ["smith", "smithers", "blacksmith", "local", "digits", "domain"]),
    ("smithe", ["smithers"]),
    ("ksmi", ["blacksmith"]),
    ("h57", ["digits"]),
    ("b.smith@", ["local"]),
    ("example", ["local", "digits"]),
    ("15141224", ["phone"]),
    ("1224362", ["phone"]),
    ("emile", []),  # accents are kept
    ("ÉMI", ["accent"]),
    ("o'brien", ["irish"]),
    ("'b", ["irish"]),  # 2 characters: the trigrams that begin with them
    ("ray, carl", ["middle"]),  # the name parser made given Carl, family Ray: the name is "Ray, Carl"
    ("mr.", []),  # the display name is not searched when both parts are known
    ("son ray", []),
    ("zzz", []),
])
def test_terms(mpdx, cards, term, expected):
    response = mpdx.get("", {"filter[wildcard_search]": term})
    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == [cards[key] for key in expected]
    assert body["meta"]["pagination"]["total_count"] == len(expected)


@pytest.mark.parametrize("term", ["smith", "SMITH,", "mith", "b.smith@", "o'brien", "ray, carl", "'b"])
def test_terms_of_two_or_more_characters_need_no_recheck(app, cards, term):
    """A phrase of trigrams is an exact substring test: the index answers alone (SQLite)."""
    with app.app_context():
        sql, _ = search.substring_hits_source(term)
        if is_sqlite():
            assert sql == search.SUBSTRING_MATCH_SQL
