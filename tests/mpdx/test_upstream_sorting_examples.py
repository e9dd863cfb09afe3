"""Cases ported from MPDX's `spec/support/shared_controller_examples/sorting_examples.rb` (mpdx_api)."""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.fixture
def cards(mpdx):
    return [mpdx.card(given_name=g, family_name=f, created=at(n))["id"]
            for n, (g, f) in enumerate((("Bo", "Lee"), ("Ann", "Able"), ("Cy", "Zed")))]


def test_sorting_changes_the_first_resource(mpdx, cards):  # lines 22-31
    first_desc = mpdx.get("", {"sort": "-name"}).get_json()["data"][0]["id"]
    body = mpdx.get("", {"sort": "name"}).get_json()
    assert body["data"][0]["id"] != first_desc
    assert body["meta"]["sort"] == "name"


@pytest.mark.parametrize("sort", ["name nulls", "name -nulls"])  # lines 52-64
def test_nulls(mpdx, cards, sort):
    response = mpdx.get("", {"sort": sort})
    assert response.status_code == 200
    assert response.get_json()["meta"]["sort"] == sort


@pytest.mark.parametrize("sort, detail", [
    ("id", "Sorting by id is not supported for this endpoint."),  # lines 33-38
    ("name nil", "Bad format for sort param."),  # lines 66-73
    ("id,id", "This endpoint does not support multiple sorting parameters."),  # lines 76-86
])
def test_errors(mpdx, cards, sort, detail):
    response = mpdx.get("", {"sort": sort})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["detail"] == detail


def test_no_sort_is_null(mpdx, cards):
    assert mpdx.get("").get_json()["meta"]["sort"] is None
