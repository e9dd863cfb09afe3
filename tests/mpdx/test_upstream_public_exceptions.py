"""Cases ported from MPDX's `config/initializers/public_exceptions.rb` (mpdx_api): errors raised outside a
controller. Rails' router has no route for PUT, PATCH, OPTIONS or a DELETE it cannot match, and the
catch-all route takes GET and POST only (config/application.rb), so these 404s come from
PublicExceptions: a JSON body without detail for a JSON Accept, else an empty HTML body; no 405,
no negotiation, no token. The JSON body parser's 400 (a body that is not JSON) comes the same way.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture

BARE_404 = {"errors": [{"status": "404", "title": "Not Found"}]}
UUID = "f2111bfc-7b2a-417f-9507-179aba32e15a"


@pytest.mark.parametrize("method, path", [
    ("DELETE", f"{URL}/abc"),  # R6
    ("PUT", f"{URL}/{UUID}"),  # R8
    ("PATCH", f"{URL}/{UUID}"),
    ("DELETE", URL),
    ("OPTIONS", URL),
    ("DELETE", "/api/v2/nothing/here"),
])
@pytest.mark.parametrize("with_token", [True, False])
def test_routing_misses(mpdx, method, path, with_token):
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw(method, path, headers={"Content-Type": JSONAPI, "Accept": JSONAPI}, token=with_token)
    assert response.status_code == 404
    assert response.get_json() == BARE_404
    html = mpdx.raw(method, path, headers={"Content-Type": None}, token=with_token)  # R7: no Accept, any Content-Type
    assert (html.status_code, html.data, html.headers["Content-Type"]) == (404, b"", "text/html; charset=utf-8")
    assert mpdx.ids() == [card["id"]]


def test_a_post_is_the_catch_all_route(mpdx):
    """No create action: a POST meets the catch-all, which negotiates and answers Route not found."""
    response = mpdx.raw("POST", URL, headers={"Content-Type": JSONAPI}, data="{}")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["detail"] == "Route not found"
    assert mpdx.raw("POST", URL, headers={"Content-Type": "application/json"}, data="{}").status_code == 415


@pytest.mark.parametrize("accept, body", [(JSONAPI, {"errors": [{"status": "400", "title": "Bad Request"}]}),
                                          (None, None)])
def test_a_body_that_is_not_json(mpdx, accept, body):
    """Rails' params parser answers before routing, negotiation and the token."""
    card = mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("DELETE", f"{URL}/{card['id']}", headers={"Content-Type": JSONAPI, "Accept": accept},
                        token=False, data='{"data": ')
    assert response.status_code == 400
    assert (response.get_json() if body else response.data) == (body or b"")
    assert mpdx.ids() == [card["id"]]
