"""Cases ported from MPDX's `app/controllers/concerns/sorting.rb` (mpdx_api): Ruby's splits, the column with
every `-` removed, only the second word checked for `nulls`, errors in the order multiple, unpermitted
column, bad format; `meta.sort` echoes the raw value.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture

MULTIPLE = "This endpoint does not support multiple sorting parameters."
BAD = "Bad format for sort param."


@pytest.fixture
def names(mpdx):
    for minute, (given, family) in enumerate((("Bo", "Lee"), ("Ann", "Able"), ("Cy", "Zed"))):
        mpdx.card(given_name=given, family_name=family, created=at(minute), updated=at(10 - minute))
    return ["Lee, Bo", "Able, Ann", "Zed, Cy"]


@pytest.mark.parametrize("sort, order", [
    ("name,", ["Able, Ann", "Lee, Bo", "Zed, Cy"]),  # O7: a trailing empty part is dropped
    ("", ["Lee, Bo", "Able, Ann", "Zed, Cy"]),  # O9: no part: the default order
    (",", ["Lee, Bo", "Able, Ann", "Zed, Cy"]),
    ("-na-me", ["Zed, Cy", "Lee, Bo", "Able, Ann"]),  # O11: every `-` is removed from the column
    ("--name", ["Zed, Cy", "Lee, Bo", "Able, Ann"]),
    (" -name", ["Able, Ann", "Lee, Bo", "Zed, Cy"]),  # the direction is the first character's
    ("name nulls extra", ["Able, Ann", "Lee, Bo", "Zed, Cy"]),  # O12: later words are ignored
    ("name nul-ls", ["Able, Ann", "Lee, Bo", "Zed, Cy"]),  # O13
    ("name --nulls", ["Able, Ann", "Lee, Bo", "Zed, Cy"]),
    ("created_at", ["Lee, Bo", "Able, Ann", "Zed, Cy"]),  # O15
    ("-updated_at", ["Lee, Bo", "Able, Ann", "Zed, Cy"]),
    ("updated_at", ["Zed, Cy", "Able, Ann", "Lee, Bo"]),
    (" ", ["Lee, Bo", "Able, Ann", "Zed, Cy"]),  # upstream: nil.tr (500); here: no sort
])
def test_sorts(mpdx, names, sort, order):
    response = mpdx.get("", {"sort": sort})
    assert response.status_code == 200
    assert [item["attributes"]["name"] for item in response.get_json()["data"]] == order
    assert response.get_json()["meta"]["sort"] == sort


@pytest.mark.parametrize("sort, detail", [
    (",name", MULTIPLE),  # O8: a leading empty part counts
    ("name,created_at", MULTIPLE),
    ("id,x", MULTIPLE),
    ("id nil", "Sorting by id is not supported for this endpoint."),  # O10: the column before the nulls word
    ("-id", "Sorting by id is not supported for this endpoint."),  # O14
    ("name nil", BAD),
    ("name null", BAD),
])
def test_errors(mpdx, names, sort, detail):
    response = mpdx.get("", {"sort": sort})
    assert response.status_code == 400
    assert response.get_json() == {"errors": [{"status": "400", "title": "Bad Request", "detail": detail}]}  # O16
