"""Cases ported from MPDX's `spec/support/shared_controller_examples/sparse_fieldsets_examples.rb`
(mpdx_api) with AMS 0.10.3's json_api adapter: a fieldset limits attributes and relationships alike,
and empty members are left out.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.mark.parametrize("fields, keys, attributes, relationships", [
    ("allow_deletion,created_at", {"id", "type", "attributes"}, ["allow_deletion", "created_at"], None),  # F1
    ("", {"id", "type"}, None, None),  # F5
    ("name,people", {"id", "type", "attributes", "relationships"}, ["name"], ["people"]),  # F6
    ("people", {"id", "type", "relationships"}, None, ["people"]),
])
def test_fieldsets(mpdx, fields, keys, attributes, relationships):
    card = mpdx.card(display_name="Ann Lee")
    for body in (mpdx.get("", {"fields[contacts]": fields}).get_json(),
                 mpdx.get(f"/{card['id']}", {"fields[contacts]": fields}).get_json()):
        item = body["data"][0] if isinstance(body["data"], list) else body["data"]
        assert set(item) == keys
        assert list(item.get("attributes", {})) == (attributes or [])
        assert list(item.get("relationships", {})) == (relationships or [])
