"""Cases ported from MPDX's `spec/support/shared_controller_examples/destroy_examples.rb` (mpdx_api): a
destroy answers 204 with no body and removes the row; refused destroys change nothing.
"""
from __future__ import annotations

from tests.mpdx.test_mpdx_helpers import JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture


def test_destroy(mpdx):  # lines 5-13
    card, other = mpdx.card(display_name="Ann Lee"), mpdx.card(display_name="Bo Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI})
    assert (response.status_code, response.data) == (204, b"")
    assert "Content-Type" not in response.headers
    assert mpdx.ids() == [other["id"]]


def test_refused_destroys_change_nothing(mpdx, make_token):  # lines 15-30
    card = mpdx.card(display_name="Ann Lee")
    reader = f"Bearer {make_token('contacts:read')}"
    forbidden = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI, "Authorization": reader})
    assert forbidden.status_code == 403
    unauthenticated = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI}, token=False)
    assert unauthenticated.status_code == 401
    assert mpdx.ids() == [card["id"]]
