"""Cases ported from MPDX's `app/controllers/concerns/filtering.rb`, `app/validators/casted_value_validator.rb`
and `app/services/contact/filter/updated_at.rb` (mpdx_api): filter keys, the default permitted
`updated_at` filter, its casting to date ranges and its 400, and `meta.filter`.
"""
from __future__ import annotations

import datetime

import pytest

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture

D = ("Wrong format of date range for filter '{key}', should follow 'YYYY-MM-DD...YYYY-MM-DD' for dates and "
     "'YYYY-MM-DDThh:mm:ssZ...YYYY-MM-DDThh:mm:ssZ' for datetimes")


@pytest.fixture
def cards(mpdx):
    stamps = {"a": datetime.datetime(2024, 1, 1, 10), "b": datetime.datetime(2024, 1, 31, 12),
              "c": datetime.datetime(2024, 2, 1, 0)}
    return {key: mpdx.card(display_name=f"Card {key}", created=at, updated=at)["id"] for key, at in stamps.items()}


@pytest.mark.parametrize("value, expected", [
    ("2024-01-01", ["a"]),  # U1
    ("2024-01-01..2024-01-31", ["a"]),  # U2: the end is 2024-01-31T00:00:00Z
    ("2024-01-01..2024-02-01", ["a", "b", "c"]),  # U3: inclusive
    ("2024-01-01...2024-02-01", ["a", "b"]),  # U4: exclusive
    ("2024-01-31T11:00:00Z..2024-01-31T13:00:00Z", ["b"]),  # U5
    ("2024-01-31T11:00:00Z", ["b"]),  # U6: a single datetime is its whole UTC day
    ("2024-01-01T09:00:00+01:00...2024-01-01T12:00:00+01:00", ["a"]),  # U7
    ("2024-02-01..2024-01-01", []),  # U11: a reversed range is empty, not an error
    ("x2024-01-31y", ["b"]),  # the regexes search, they are not anchored
    ("2024-01-01T10:00:00-05:00..2024-01-02T10:00:00-05:00", ["a"]),  # `-05:00` is no datetime: the first date
])
def test_updated_at(mpdx, cards, value, expected):
    response = mpdx.get("", {"filter[updated_at]": value})
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [cards[key] for key in expected]
    assert response.get_json()["meta"]["filter"] == {"updated_at": value}


@pytest.mark.parametrize("query, key", [
    ({"filter[updated_at]": "garbage"}, "updated_at"),  # U8
    ({"filter[updated_at]": ""}, "updated_at"),  # U9
    ({"filter[updated_at]": "2024-02-30"}, "updated_at"),  # U10
    ({"filter[updated_at]": "garbage", "sort": "id"}, "updated_at"),  # U12: before the sort's 400
    ({"filter[updated_at]": "2024-01-01", "filter[reverse_updated_at]": "true"}, "reverse_updated_at"),  # U13
    ({"filter[updatedAt]": "soon"}, "updated_at"),
])
def test_bad_date_ranges(mpdx, cards, query, key):
    response = mpdx.get("", query)
    assert response.status_code == 400
    assert response.get_json() == {"errors": [{"status": "400", "title": "Bad Request", "detail": D.format(key=key)}]}


@pytest.mark.parametrize("query, ids, echo", [
    ({"filter[updatedAt]": "2024-01-01"}, ["a"], {}),  # U14: applied, but only snake_case keys are echoed
    ({"filter[UpdatedAt]": "2024-01-01"}, ["a"], {}),
    ({"filter[updated-at]": "2024-01-01"}, ["a"], {}),  # `-` is underscored too
    ({"filter[foo]": "bar"}, ["a", "b", "c"], {}),  # unknown keys are dropped
    ({"filter[wildcard_search]": "  card b  "}, ["b"], {"wildcard_search": "  card b  "}),  # echoed raw
    ({"filter[status]": "", "filter[wildcard_search]": ""}, ["a", "b", "c"], {"status": "", "wildcard_search": ""}),
])
def test_keys_and_echo(mpdx, cards, query, ids, echo):
    response = mpdx.get("", query)
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["data"]] == [cards[key] for key in ids]
    assert response.get_json()["meta"]["filter"] == echo


def test_a_date_like_search_is_text(mpdx, cards):
    """Upstream's UNCASTED_FILTERS misspells wildcard_search, so a date-like term is cast and the search
    silently dropped (all contacts); here it is searched as text."""
    card = mpdx.card(display_name="Release 2011-11-01")
    assert mpdx.ids({"filter[wildcard_search]": "2011-11-01"}) == [card["id"]]
