"""Cases ported from MPDX's `config/routes.rb` (mpdx_api): ids are constrained to UUID_REGEX
(config/initializers/regex_constants.rb, case-insensitive), so another id is a routing miss:
the catch-all's 404 "Route not found" (config/application.rb), after content negotiation
and without authentication.

Our extension: a card from another door may carry an id that is not a UUID (upstream's ids
always are); a caller with a valid token reaches it. Without one, such an id answers as
upstream does, so nothing tells whether that card exists.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture

ROUTE_NOT_FOUND = {"errors": [{"status": "404", "title": "Not Found", "detail": "Route not found"}]}


@pytest.mark.parametrize("with_token", [True, False])
def test_a_non_uuid_id_is_not_routed(mpdx, with_token):  # R4
    response = mpdx.raw("GET", f"{URL}/abc", headers={"Content-Type": JSONAPI}, token=with_token)
    assert response.status_code == 404
    assert response.get_json() == ROUTE_NOT_FOUND


def test_negotiation_comes_first(mpdx):  # R5
    response = mpdx.raw("GET", f"{URL}/abc", headers={"Content-Type": None})
    assert response.status_code == 415
    assert mpdx.raw("GET", f"{URL}/abc", headers={"Content-Type": JSONAPI, "Accept": "text/plain"}).status_code == 406


def test_a_uuid_in_capitals_is_routed_and_found(mpdx):  # R9: the regex has /i; PostgreSQL's uuid ignores case
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("GET", f"{URL}/{card['id'].upper()}", headers={"Content-Type": JSONAPI})
    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == card["id"]
    missing = "F2111BFC-7B2A-417F-9507-179ABA32E15A"
    response = mpdx.raw("GET", f"{URL}/{missing}", headers={"Content-Type": JSONAPI})
    assert response.get_json()["errors"][0]["detail"] == f"Couldn't find Contact with 'id'={missing}"
    assert mpdx.raw("DELETE", f"{URL}/{card['id'].upper()}", headers={"Content-Type": JSONAPI}).status_code == 204
    assert mpdx.ids() == []


def test_a_card_with_another_id_is_reached_with_a_token_only(mpdx):
    card = mpdx.card(id="vcard-uid-17", display_name="Ann Lee")
    assert card["id"] in mpdx.ids()
    response = mpdx.raw("GET", f"{URL}/vcard-uid-17", headers={"Content-Type": JSONAPI})
    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == "vcard-uid-17"
    anonymous = mpdx.raw("GET", f"{URL}/vcard-uid-17", headers={"Content-Type": JSONAPI}, token=False)
    assert anonymous.get_json() == ROUTE_NOT_FOUND  # as for an id no card has
    assert mpdx.raw("DELETE", f"{URL}/vcard-uid-17", headers={"Content-Type": JSONAPI}, token=False).status_code == 404
    assert mpdx.raw("DELETE", f"{URL}/vcard-uid-17", headers={"Content-Type": JSONAPI}).status_code == 204
    assert mpdx.raw("GET", f"{URL}/vcard-uid-17", headers={"Content-Type": JSONAPI}).get_json() == ROUTE_NOT_FOUND
