"""Ported from acq-models `mod-orgs/schemas/phone_number.json`: `phoneNumber` required; `type` an enum
(`Office`, `Mobile`, `Fax`, `Other`: a Java enum, so anything else is a Jackson error, 400 text);
`metadata` readonly (see test_rmb_rest_routing).
"""
from __future__ import annotations

import pytest

from .support import NOT_NULL, contact_sample, error, text


@pytest.mark.parametrize("kind", ["Office", "Mobile", "Fax", "Other"])
def test_types(folio, kind):
    r = folio.post({**contact_sample(), "phoneNumbers": [{"phoneNumber": "1", "type": kind}]})
    assert (r.status_code, r.json["phoneNumbers"][0]["type"]) == (201, kind)


@pytest.mark.parametrize("kind", ["office", "MOBILE", "Pager", ""])
def test_other_types_are_jackson_errors(folio, kind):
    status, content_type, body = text(folio.post({**contact_sample(), "phoneNumbers": [{"phoneNumber": "1",
                                                                                        "type": kind}]}))
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith(f"Cannot construct instance of `org.folio.rest.jaxrs.model.PhoneNumber$Type`, "
                           f"problem: {kind}")


def test_phone_number_is_required(folio):
    r = folio.post({**contact_sample(), "phoneNumbers": [{"type": "Mobile"}, {"phoneNumber": None}]})
    assert r.status_code == 422
    assert sorted(p["parameters"][0]["key"] for p in r.json["errors"]) == [
        "phoneNumbers[0].phoneNumber", "phoneNumbers[1].phoneNumber"]
    assert r.json["errors"][0] == error("must not be null", NOT_NULL, r.json["errors"][0]["parameters"][0]["key"],
                                        "null")


def test_a_phone_without_type_stays_without(folio):
    r = folio.post({**contact_sample(), "phoneNumbers": [{"phoneNumber": "1-888-ASK-USGS", "isPrimary": True}]})
    assert r.json["phoneNumbers"] == [{"phoneNumber": "1-888-ASK-USGS", "categories": [], "isPrimary": True}]
