"""Ported from raml-module-builder `domain-models-runtime/src/main/java/org/folio/rest/persist/PgUtil.java`
(`post`, `getById`, `put`, `deleteById`, `get`, `responseUniqueViolation`) as mod-organizations-storage's
`ContactsAPI` calls it on table `contacts`.
"""
from __future__ import annotations

import re

import pytest

from .support import NON_EXISTED_ID, contact_sample, error, text

GIVEN = "5e1b1c6a-7f8e-4d3c-9b2a-1c0d9e8f7a6b"


def test_post_generates_a_random_uuid_and_answers_with_location(folio):
    r = folio.post(contact_sample())
    assert r.status_code == 201 and r.headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", r.json["id"])
    assert r.headers["Location"] == r.json["id"]  # the bare id, not a URL


def test_post_keeps_a_sent_id_lower_case_in_the_body_and_as_sent_in_location(folio):
    r = folio.post({**contact_sample(), "id": GIVEN.upper()})
    assert r.status_code == 201
    assert (r.json["id"], r.headers["Location"]) == (GIVEN, GIVEN.upper())
    assert folio.get(f"/{GIVEN}").status_code == 200
    assert folio.get(f"/{GIVEN.upper()}").json["id"] == GIVEN


@pytest.mark.parametrize("again", [GIVEN, GIVEN.upper()])
def test_a_taken_id_is_422_unique_violation(folio, again):
    folio.create({**contact_sample(), "id": GIVEN})
    r = folio.post({**contact_sample(), "id": again, "firstName": "Other"})
    assert (r.status_code, r.headers["Content-Type"]) == (422, "application/json")
    assert r.json == {"errors": [{**error(f"id value already exists in table contacts: {GIVEN}", "-1", "id", GIVEN)}]}
    assert folio.get(f"/{GIVEN}").json["firstName"] == "Nick"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_unknown_id_is_404_not_found(folio, method):
    call = getattr(folio, method)
    r = call(f"/{NON_EXISTED_ID}", contact_sample()) if method == "put" else call(f"/{NON_EXISTED_ID}")
    assert text(r) == (404, "text/plain", "Not found")


def test_put_the_path_id_wins_and_nothing_is_upserted(folio):
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", {**contact_sample(), "id": GIVEN, "notes": "x"})
    assert (r.status_code, r.data) == (204, b"")
    assert folio.get(f"/{created['id']}").json["notes"] == "x"
    assert folio.get(f"/{GIVEN}").status_code == 404
    assert folio.count() == 1


def test_put_replaces_the_whole_record(folio):
    created = folio.create(contact_sample())
    assert folio.put(f"/{created['id']}", {"firstName": "Only", "lastName": "Names"}).status_code == 204
    got = folio.get(f"/{created['id']}").json
    assert {k: v for k, v in got.items() if k != "metadata"} == {
        "id": created["id"], "firstName": "Only", "lastName": "Names", "phoneNumbers": [], "emails": [],
        "addresses": [], "urls": [], "categories": [], "inactive": False}


def test_delete_then_get_is_404(folio):
    created = folio.create(contact_sample())
    r = folio.delete(f"/{created['id']}")
    assert (r.status_code, r.data) == (204, b"")
    assert text(folio.get(f"/{created['id']}")) == (404, "text/plain", "Not found")


def test_get_collection_paging_and_counts(folio):
    """PgUtil.get with CQLWrapper: default limit 10, exact counts, `totalRecords=none` leaves it out."""
    for i in range(12):
        folio.create({"firstName": f"f{i}", "lastName": "x"})
    body = folio.get().json
    assert (len(body["contacts"]), body["totalRecords"]) == (10, 12)
    assert folio.get(query={"limit": 0}).json == {"contacts": [], "totalRecords": 12}
    assert folio.get(query={"offset": 50}).json == {"contacts": [], "totalRecords": 12}
    assert list(folio.get(query={"totalRecords": "none"}).json) == ["contacts"]
