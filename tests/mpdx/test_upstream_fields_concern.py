"""Cases ported from MPDX's `app/controllers/concerns/fields.rb` (mpdx_api): each `fields[type]` value is
`split(',')`, not stripped (trailing empty items dropped, as Ruby's split does).
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.mark.parametrize("fields, attributes", [
    ("name, created_at", ["name"]),  # F4: " created_at" names nothing
    ("name,,created_at,", ["created_at", "name"]),
    ("name,created_at", ["created_at", "name"]),  # attributes stay in alphabetical order
])
def test_items(mpdx, fields, attributes):
    mpdx.card(display_name="Ann Lee")
    item = mpdx.get("", {"fields[contacts]": fields}).get_json()["data"][0]
    assert list(item["attributes"]) == attributes
