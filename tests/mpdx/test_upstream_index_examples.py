"""Cases ported from MPDX's `spec/support/shared_controller_examples/index_examples.rb` (mpdx_api)."""
from __future__ import annotations

from tests.mpdx.test_mpdx_helpers import JSONAPI, at, mpdx  # noqa: F401 - `mpdx` is a fixture


def test_per_page_and_page_are_echoed_as_sent(mpdx):  # lines 45-56
    first, second = (mpdx.card(display_name=f"Card {n}", created=at(n))["id"] for n in range(2))
    body = mpdx.get("", {"per_page": "1", "page": "2"}).get_json()
    assert [item["id"] for item in body["data"]] == [second]
    assert second != first
    pagination = body["meta"]["pagination"]
    assert (pagination["per_page"], pagination["page"]) == ("1", "2")
    assert pagination["total_count"] is not None and pagination["total_pages"] is not None


def test_unauthenticated_index(mpdx):  # lines 32-35
    response = mpdx.raw("GET", headers={"Content-Type": JSONAPI}, token=False)
    assert response.status_code == 401
    assert response.get_json() == {"errors": [{"status": "401", "title": "Unauthorized",
                                               "detail": "Exceptions::AuthenticationError"}]}
