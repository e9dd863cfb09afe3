"""Cases ported from MPDX's `spec/requests/api/v2/error_request_spec.rb` (mpdx_api): error bodies, verbatim."""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import CONTENT_TYPE, JSONAPI, URL, mpdx  # noqa: F401 - `mpdx` is a fixture

ROUTE_NOT_FOUND = b'{"errors":[{"status":"404","title":"Not Found","detail":"Route not found"}]}'


@pytest.mark.parametrize("accept", [JSONAPI, ""])  # lines 53-61 and 63-71
def test_unknown_route(mpdx, accept):
    response = mpdx.raw("GET", "/api/v2/this_route_does_not_exist", headers={"Content-Type": JSONAPI,
                                                                             "Accept": accept})
    assert response.status_code == 404
    assert response.data == ROUTE_NOT_FOUND  # asserted as a string upstream
    assert response.headers["Content-Type"] == CONTENT_TYPE


def test_unknown_route_needs_no_token(mpdx):
    response = mpdx.raw("GET", "/api/v2/this_route_does_not_exist", headers={"Content-Type": JSONAPI}, token=False)
    assert (response.status_code, response.data) == (404, ROUTE_NOT_FOUND)


def test_record_not_found(mpdx):  # lines 30-51
    missing = "f2111bfc-7b2a-417f-9507-179aba32e15a"
    response = mpdx.raw("GET", f"{URL}/{missing}", headers={"Content-Type": JSONAPI})
    assert response.status_code == 404
    assert response.get_json() == {"errors": [{"status": "404", "title": "Not Found",
                                               "detail": f"Couldn't find Contact with 'id'={missing}"}]}


def test_server_error(mpdx, monkeypatch):  # lines 19-28
    from services.mpdx import contacts

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(contacts, "list_contacts", broken)
    response = mpdx.raw("GET", headers={"Content-Type": JSONAPI, "Accept": JSONAPI})
    assert response.status_code == 500
    assert response.data == b'{"errors":[{"status":"500","title":"Internal Server Error"}]}'
