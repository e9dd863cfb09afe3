"""Ported from acq-models `mod-orgs/schemas/email.json`: `value` required (no format check), the other
properties optional and kept as sent; `metadata` readonly (see test_rmb_rest_routing).
"""
from __future__ import annotations

import pytest

from .support import NOT_NULL, contact_sample, error


@pytest.mark.parametrize("value", ["noreply@folio.org", "not an address", ""])
def test_any_value(folio, value):
    r = folio.post({**contact_sample(), "emails": [{"value": value}]})
    assert (r.status_code, r.json["emails"][0]["value"]) == (201, value)


def test_value_is_required(folio):
    r = folio.post({**contact_sample(), "emails": [{"description": "Main"}]})
    assert (r.status_code, r.json) == (422, {"errors": [error("must not be null", NOT_NULL, "emails[0].value",
                                                              "null")]})


def test_every_property_round_trips(folio):
    email = {"id": "0e3f9680-ab06-4565-af64-609b7364e6eb", "value": "a@b.c", "description": "personal email ",
             "isPrimary": False, "categories": ["c", "C"], "language": "English"}
    assert folio.post({**contact_sample(), "emails": [email]}).json["emails"] == [email]
