"""Cases ported from MPDX's `spec/support/shared_controller_examples/including_related_resources_examples.rb`
(mpdx_api): `include=*` includes the direct relationships; `include=**` is dropped (no `included`).
"""
from __future__ import annotations

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture


def test_star(mpdx):  # lines 45-53
    mpdx.card(display_name="Ann Lee", addresses=[{"city": "Lima"}], emails=[{"value": "ann@example.org"}])
    body = mpdx.get("", {"include": "*"}).get_json()
    assert [item["type"] for item in body["included"]] == ["account_lists", "people", "addresses"]


def test_double_star(mpdx):  # lines 32-43
    mpdx.card(display_name="Ann Lee")
    assert "included" not in mpdx.get("", {"include": "**"}).get_json()
