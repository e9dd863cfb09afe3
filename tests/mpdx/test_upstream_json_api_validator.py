"""Cases ported from MPDX's `lib/json_api_service/validator.rb` (mpdx_api): a DELETE that carries `data` must
name the `contacts` type (409 otherwise), checked after negotiation and the token, before the lookup.
"""
from __future__ import annotations

import json

import pytest

from tests.mpdx.test_mpdx_helpers import JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture

MISSING = ("JSONAPI resource objects MUST contain a `type` top-level member of its hash for POST and PATCH "
           "requests. Expected to find a `type` member at /data/type")


@pytest.mark.parametrize("body, status, detail", [
    ({"data": {"type": "people"}}, 409, "'people' is not a valid resource type for this endpoint. "
                                        "Expected 'contacts' instead"),  # R11
    ({"data": {}}, 409, MISSING),  # R12
    ({"data": {"id": "x"}}, 409, MISSING),
    ({"data": {"type": "contacts"}}, 204, None),
    ({"data": None}, 204, None),
    ({"meta": {}}, 204, None),
])
def test_delete_bodies(mpdx, body, status, detail):
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI}, data=json.dumps(body))
    assert response.status_code == status
    if detail:
        assert response.get_json() == {"errors": [{"status": "409", "title": "Conflict", "detail": detail}]}
        assert mpdx.ids() == [card["id"]]
    else:
        assert mpdx.ids() == []


def test_the_type_is_checked_after_the_token(mpdx):
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI}, token=False,
                        data=json.dumps({"data": {"type": "people"}}))
    assert response.status_code == 401
