"""MPDX wildcard_search terms: one word searched in every column at once matches what the two alternatives matched."""
from __future__ import annotations

import pytest

from services import search
from services.mpdx import query as mpdx_query
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
    ("smith", ["smith", "smithers", "local", "digits", "domain", "middle"]),  # not Blacksmith: words start with the term
    ("SMITH,", ["smith", "smithers", "local", "digits", "domain", "middle"]),
    ("smi", ["smith", "smithers", "local", "digits", "domain", "middle"]),  # a prefix of names and email words
    ("smithe", ["smithers"]),
    ("smith57", ["digits"]),  # letters and digits in one email word
    ("bob", ["local"]),  # the email's local part, and the given name
    ("example", ["local", "digits"]),
    ("4362", ["phone"]),
    ("514", ["phone"]),
    ("emile", ["accent"]),  # diacritics folded both ways
    ("ÉMI", ["accent"]),
    ("o'brien", ["irish"]),
    ("brien", ["irish"]),
    ("mr", ["middle"]),
    ("ray", ["middle"]),
    ("zzz", []),
])
def test_one_word_terms(mpdx, cards, term, expected):
    response = mpdx.get("", {"filter[wildcard_search]": term})
    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == [cards[key] for key in expected]
    assert body["meta"]["pagination"]["total_count"] == len(expected)


def _two_alternatives(raw: str):
    """The expression before one-word terms were merged: name tokens OR the whole term in emails/phones."""
    term = raw.strip().lower()
    tokens = mpdx_query.search_tokens(term)
    return search.Any((search.All(tuple(search.Term(t, prefix=True, columns=search.NAME_COLUMNS) for t in tokens)),
                       search.Term(term, prefix=True, columns=("emails", "phones"))))


@pytest.mark.parametrize("term", ["smith", "SMITH,", "smi", "smith57", "bob", "example", "4362", "514", "emile",
                                  "o'brien", "mr", "122-4362", "jo@smithfield.org", "bob smith", "-smith-"])
def test_merged_expression_matches_what_the_two_alternatives_matched(app, cards, term):
    with app.app_context():
        merged = search.match_autokeys(mpdx_query.wildcard_expression(term))
        separate = search.match_autokeys(_two_alternatives(term))
    assert merged == separate


@pytest.mark.parametrize("term, merged", [
    ("smith", True), ("smith,", True), ("o'brien", True), ("-smith-", True),
    ("bob smith", False), ("122-4362", False), ("park, min", False),
])
def test_only_one_token_terms_are_merged(term, merged):
    expr = mpdx_query.wildcard_expression(term)
    assert isinstance(expr, search.Term) is merged
    if merged:
        assert expr.columns == search.FTS_COLUMNS and expr.prefix


@pytest.mark.parametrize("term, expected", [
    ("122-4362", ["phone"]),  # two name tokens, but one phone phrase
    ("bob smith", ["local"]),  # both tokens in one card's names or the phrase in its email
    ("jones bo", ["local"]),
    ("smith bob", []),  # not Bob's name tokens (no card has both as name words), not a phrase in his email
])
def test_several_tokens_keep_both_alternatives(mpdx, cards, term, expected):
    assert mpdx.ids({"filter[wildcard_search]": term}) == [cards[key] for key in expected]
