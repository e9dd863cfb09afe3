"""Ported from acq-models `mod-orgs/schemas/address.json`: no required property; every field a string
kept as sent (`""` included); `metadata` readonly (see test_rmb_rest_routing).
"""
from __future__ import annotations

from .support import contact_sample


def test_an_empty_address_is_valid(folio):
    r = folio.post({**contact_sample(), "addresses": [{}]})
    assert (r.status_code, r.json["addresses"]) == (201, [{"categories": []}])


def test_every_property_round_trips(folio):
    address = {"id": "0e3f9680-ab06-4565-af64-609b7364e6eb", "addressLine1": "RUA VISCONDE DE CARAVELAS, Nº 17",
               "addressLine2": "", "city": "RIO DE JANEIRO", "stateRegion": "", "zipCode": "22271-021",
               "country": "Brazil", "isPrimary": True, "categories": [], "language": "Portuguese"}
    r = folio.post({**contact_sample(), "addresses": [address, {"city": "Ipswich"}]})
    assert r.json["addresses"] == [address, {"city": "Ipswich", "categories": []}]
