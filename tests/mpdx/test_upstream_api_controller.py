"""Cases ported from MPDX's `app/controllers/api_controller.rb` (mpdx_api): how `verify_request` reads the
headers, and that it runs before `authenticate!` (app/controllers/api/v2_controller.rb), for every method.

- Content-Type: after `,` becomes `;`, one piece must equal `application/vnd.api+json`
  (not trimmed, case-sensitive); 415 otherwise.
- Accept: entries split by MEDIA_TYPE_MATCHER and stripped; one must equal the JSON:API type
  exactly or start with `*/*`; 406 otherwise. No Accept is fine.
- 415 before 406 (both wrong: upstream renders twice and fails with a 500; the 415 is kept).
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import CONTENT_TYPE, JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture

UNAUTHORIZED = {"errors": [{"status": "401", "title": "Unauthorized", "detail": "Exceptions::AuthenticationError"}]}


@pytest.mark.parametrize("content_type, status", [
    ("application/vnd.api+json; charset=utf-8", 200),  # N14: the first piece matches
    ("application/vnd.api+json;charset=test", 200),
    ("charset=utf-8;application/vnd.api+json", 200),  # any piece
    ("text/plain,application/vnd.api+json", 200),  # N16: `,` becomes `;`
    ("text/plain, application/vnd.api+json", 415),  # N15: " application/vnd.api+json" is not trimmed
    ("application/vnd.api+json ;charset=utf-8", 415),
    ("APPLICATION/VND.API+JSON", 415),  # N17: case-sensitive
    ("application/json", 415),
])
def test_content_type_pieces(mpdx, content_type, status):
    response = mpdx.raw("GET", headers={"Content-Type": content_type})
    assert response.status_code == status


@pytest.mark.parametrize("accept, status", [
    ("application/*", 406),  # N18
    ("application/vnd.api+json; q=0.5", 406),  # N19: a parameter, even q, is not the bare type
    ("text/html, */*;q=0.8", 200),  # N20: "*/*;q=0.8" starts with */*
    ("application/json", 406),
    ("APPLICATION/VND.API+JSON", 406),
    ("text/html, application/vnd.api+json;q=0.9", 406),
    ('application/vnd.api+json;ext="a,b", text/plain', 406),  # a quoted comma stays in its entry
    ("text/plain, application/vnd.api+json", 200),
])
def test_accept_entries(mpdx, accept, status):
    response = mpdx.raw("GET", headers={"Content-Type": JSONAPI, "Accept": accept})
    assert response.status_code == status
    if status == 406:
        assert response.get_json() == {"errors": [{"status": "406", "title": "Not Acceptable"}]}


@pytest.mark.parametrize("headers, status", [
    ({"Content-Type": None}, 415),  # N11: no token and no Content-Type: 415, not 401
    ({"Content-Type": JSONAPI, "Accept": "text/plain"}, 406),  # N12
    ({"Content-Type": JSONAPI}, 401),  # N13
    ({"Content-Type": "application/foobar", "Accept": "text/plain"}, 415),  # N23: 415 first
    ({"Content-Type": JSONAPI, "Authorization": "Bearer garbage"}, 401),
])
def test_negotiation_runs_before_authentication(mpdx, headers, status):
    response = mpdx.raw("GET", headers=headers, token=False)
    assert response.status_code == status
    assert response.headers["Content-Type"] == CONTENT_TYPE
    if status == 401:
        assert response.get_json() == UNAUTHORIZED


@pytest.mark.parametrize("headers, status", [
    ({"Content-Type": None}, 415),  # N21: a DELETE without the JSON:API type deletes nothing
    ({"Content-Type": "application/json"}, 415),
    ({"Content-Type": JSONAPI, "Accept": "text/plain"}, 406),  # N22
])
def test_delete_is_negotiated_too(mpdx, headers, status):
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers=headers)
    assert response.status_code == status
    assert mpdx.get(f"/{card['id']}").status_code == 200


def test_delete_with_the_type_deletes(mpdx):
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI})
    assert response.status_code == 204
    assert response.data == b""
    assert mpdx.get(f"/{card['id']}").status_code == 404


def test_a_single_contact_is_negotiated(mpdx):
    card = mpdx.card(display_name="Ann Lee")
    assert mpdx.raw("GET", f"{URL}/{card['id']}", headers={"Content-Type": None}).status_code == 415
    assert mpdx.raw("GET", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI}).status_code == 200
