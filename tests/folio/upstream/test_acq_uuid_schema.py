"""Ported from acq-models `common/schemas/uuid.json`: the pattern of every `id` (the contact's and each
sub-object's): version 1-5, variant 8-b, any case; a whole-string match.
"""
from __future__ import annotations

import pytest

from .support import PATTERN, UUID_RULE, contact_sample, error

GOOD = ["80fb5168-cdf1-11e8-a8d5-f2801f1b9fd1", "0E3F9680-AB06-4565-AF64-609B7364E6EB",
        "5e1b1c6a-7f8e-5d3c-bb2a-1c0d9e8f7a6b", "5e1b1c6a-7f8e-3d3c-Ab2a-1c0d9e8f7a6b"]
BAD = ["abc", "5e1b1c6a-7f8e-6d3c-9b2a-1c0d9e8f7a6b", "5e1b1c6a-7f8e-0d3c-9b2a-1c0d9e8f7a6b",
       "5e1b1c6a-7f8e-4d3c-cb2a-1c0d9e8f7a6b", "5e1b1c6a7f8e4d3c9b2a1c0d9e8f7a6b",
       "5e1b1c6a-7f8e-4d3c-9b2a-1c0d9e8f7a6b\n", " 5e1b1c6a-7f8e-4d3c-9b2a-1c0d9e8f7a6b", ""]


@pytest.mark.parametrize("value", GOOD)
def test_ids_the_pattern_accepts(folio, value):
    assert folio.post({**contact_sample(), "id": value}).status_code == 201
    r = folio.post({**contact_sample(), "phoneNumbers": [{"phoneNumber": "1", "id": value}]})
    assert (r.status_code, r.json["phoneNumbers"][0]["id"]) == (201, value)


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("where", ["id", "phoneNumbers[0].id", "emails[0].id", "addresses[0].id", "urls[0].id"])
def test_ids_the_pattern_refuses(folio, value, where):
    body = contact_sample()
    if where == "id":
        body["id"] = value
    else:
        kind = where.split("[")[0]
        body[kind] = [{"phoneNumber": "1", "id": value} if kind == "phoneNumbers" else
                      {"value": "", "id": value} if kind in ("emails", "urls") else {"id": value}]
    r = folio.post(body)
    assert (r.status_code, r.json) == (422, {"errors": [error(f'must match "{UUID_RULE}"', PATTERN, where, value)]})
