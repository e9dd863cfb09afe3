"""Cases ported from MPDX's `app/controllers/concerns/including.rb` (mpdx_api) with AMS 0.10.3's include
directive: items stripped, `**` removed, `*` at any level, unknown paths ignored, a nested path
includes its first step.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.mark.parametrize("include, types", [
    (" people , addresses ", ["people", "addresses"]),
    ("people.email_addresses", ["people", "email_addresses"]),
    ("people.*", ["people", "email_addresses", "phone_numbers"]),
    ("people.nonsense", ["people"]),
    ("nonsense", None),  # I6
    ("**,people", ["people"]),
    ("", None),
    ("account_list.account_list_users", ["account_lists", "account_list_users"]),
])
def test_paths(mpdx, include, types):
    mpdx.import_({"account_lists": [{"id": "a1a1a1a1-0000-4000-8000-0000000000aa", "name": "L",
                                     "users": [{"id": "u1u1u1u1-0000-4000-8000-0000000000bb", "first_name": "O"}]}]})
    card = mpdx.card(display_name="Ann Lee", addresses=[{"city": "Lima"}], emails=[{"value": "a@example.org"}],
                     phones=[{"value": "555 0100"}])
    mpdx.import_({"contacts": [{"id": card["id"], "account_list": "a1a1a1a1-0000-4000-8000-0000000000aa"}]})
    body = mpdx.get("", {"include": include}).get_json()
    assert [item["type"] for item in body.get("included", [])] == (types or [])
    assert ("included" in body) == bool(types)
