"""Cases ported from MPDX's `spec/services/contact/filter/status_spec.rb` and
`app/services/contact/filter/status.rb` (mpdx_api): `filter[status]` and `filter[reverse_status]`.

Fixture as the spec's (Ask in Future, Not Interested, no status) plus a status of `''`, which
`null` matches too. The reverse rewrites are upstream's and are not complements.
"""
from __future__ import annotations

import pytest

from models import Contact
from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.fixture
def cards(mpdx):
    found = {}
    for minute, (key, status) in enumerate((("ask", "Ask in Future"), ("no", "Not Interested"), ("none", None),
                                            ("empty", ""), ("never", "Never Contacted"))):
        found[key] = mpdx.card(display_name=f"Card {key}", created=at(minute))["id"]
        if status:
            mpdx.import_({"contacts": [{"id": found[key], "status": status}]})
    with mpdx.app.app_context():  # '' cannot be imported (it is stored as NULL): write it directly
        Contact.update(status="").where(Contact.id == found["empty"]).execute()
    return found


@pytest.mark.parametrize("status, reverse, expected", [
    ("active", None, ["ask", "none", "empty", "never"]),  # lines 15-17
    ("hidden", None, ["no"]),  # lines 18-20
    ("null", None, ["none", "empty"]),  # lines 21-23
    ("Not Interested", None, ["no"]),  # lines 24-26
    ("active, hidden", None, ["ask", "no", "none", "empty", "never"]),  # lines 32-34
    ("hidden, null", None, ["no", "none", "empty"]),  # lines 35-37
    ("active", "true", ["no"]),  # lines 45-48: active reversed is hidden
    ("null", "true", ["no"]),  # lines 50-53: null reversed is hidden too
    ("hidden", "true", ["none", "empty"]),  # lines 55-58: hidden reversed is null only
    ("hidden,Ask in Future", "true", ["ask", "none", "empty"]),  # hidden -> null, the literal kept
    ("active,Never Contacted", "true", ["no", "never"]),  # active -> hidden, the literal kept
    ("Never Contacted", "true", ["ask", "no", "none", "empty"]),  # no group word: everything else
    ("Foo", "true", ["ask", "no", "none", "empty", "never"]),
    ("Ask in Future", "TRUE", ["ask"]),  # only the string true reverses
    ("Ask in Future", " true ", ["no", "none", "empty", "never"]),  # values are stripped first
    ("not interested", None, []),  # literals are case-sensitive
    (" hidden ", None, ["no"]),
])
def test_status(mpdx, cards, status, reverse, expected):
    query = {"filter[status]": status}
    if reverse is not None:
        query["filter[reverse_status]"] = reverse
    response = mpdx.get("", query)
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [cards[key] for key in expected]
    assert response.get_json()["meta"]["filter"] == query_echo(query)


def query_echo(query: dict) -> dict:
    return {key[len("filter["):-1]: value for key, value in query.items()}


def test_reverse_without_a_status_filter_is_no_filter(mpdx, cards):
    """No default status on this endpoint: there is nothing to reverse."""
    assert len(mpdx.ids({"filter[reverse_status]": "true"})) == 5
