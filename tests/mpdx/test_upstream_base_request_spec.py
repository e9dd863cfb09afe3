"""Cases ported from MPDX's `spec/requests/api/v2/base_request_spec.rb` (mpdx_api): Content-Type and Accept.

Every case sends a valid token; the table gives the request headers and the status upstream
expects, with upstream's exact 415/406 bodies.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import CONTENT_TYPE, JSONAPI, mpdx  # noqa: F401 - `mpdx` is a fixture

E415 = {"errors": [{"status": "415", "title": "Unsupported Media Type"}]}
E406 = {"errors": [{"status": "406", "title": "Not Acceptable"}]}


@pytest.mark.parametrize("content_type, accept, status", [
    ("", "", 415),  # lines 10-20: an empty Content-Type
    (None, None, 415),  # no Content-Type at all
    (JSONAPI, "", 200),  # lines 23-29
    ("application/foobar", None, 415),  # lines 31-37
    (JSONAPI, JSONAPI, 200),  # lines 39-48
    (JSONAPI, "application/vnd.api+json,application/vnd.api+json;charset=test", 200),  # lines 50-59
    (JSONAPI, "application/vnd.api+json;charset=test,application/vnd.api+json;charset=test", 406),  # lines 61-70
    (JSONAPI, "*/*", 200),  # lines 72-81
    (JSONAPI, "*/*q=1.2", 200),  # lines 83-92
    (JSONAPI, "application/vnd.api+json;charset=test", 406),  # lines 94-103
    (JSONAPI, "text/plain", 406),  # lines 105-114
])
def test_content_type_and_accept(mpdx, content_type, accept, status):
    mpdx.card(display_name="Ann Lee")
    response = mpdx.raw("GET", headers={"Content-Type": content_type, "Accept": accept})
    assert response.status_code == status
    assert response.headers["Content-Type"] == CONTENT_TYPE
    body = response.get_json()
    if status == 415:
        assert body == E415
    elif status == 406:
        assert body == E406
    else:
        assert len(body["data"]) == 1
