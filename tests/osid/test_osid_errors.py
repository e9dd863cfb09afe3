"""OSID error format, authentication and scopes through HTTP."""
from __future__ import annotations

import pytest

from tests.osid.client import DEFAULT_BOOK, JSON, OsidClient, enc, osid  # noqa: F401

REF = "resource.Resource:504@base.url"


def test_no_token_is_401_in_the_dialect_format(client):
    r = client.get("/contact/contacts")
    assert r.status_code == 401
    assert r.headers["Content-Type"] == JSON
    assert r.json == {"message": "Authentication required: send Authorization: Bearer <token>"}
    r = client.get("/contact/contacts", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json == {"message": "Invalid or revoked token"}


@pytest.mark.parametrize("method, route, scope", [
    ("POST", "/address-books", "contacts:read"),
    ("PUT", f"/address-books/{enc(DEFAULT_BOOK)}", "contacts:create"),
    ("DELETE", f"/address-books/{enc(DEFAULT_BOOK)}", "contacts:update"),
    ("GET", "/contacts", "contacts:create"),
    ("PUT", f"/address-books/{enc(DEFAULT_BOOK)}/children/x", "contacts:read"),
])
def test_missing_scope_is_permission_denied(client, make_token, method, route, scope):
    api = OsidClient(client, {"Authorization": f"Bearer {make_token(scope)}"})
    r = api.call(method, route, body={"displayName": "x"} if method in ("POST", "PUT") else None)
    assert r.status_code == 403
    assert r.headers["Content-Type"] == JSON
    assert r.json == {"message": "Permission denied"}


def test_read_scope_reads_and_cannot_write(client, make_token, osid):
    address = osid.address()
    reader = OsidClient(client, {"Authorization": f"Bearer {make_token('contacts:read')}"})
    assert reader.ok(reader.get("/addresses/" + enc(address["id"])))["id"] == address["id"]
    assert reader.ok(reader.get("/addresses/metadata"))["title"] == "Address"
    assert reader.post("/addresses", {"displayName": "x"}).status_code == 403
    assert reader.delete("/addresses/" + enc(address["id"])).status_code == 403
    assert osid.ids("/addresses") == [address["id"]]


def test_unknown_route_and_method(osid):
    r = osid.get("/nothing-here")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == JSON
    assert r.json == {"message": "No resource at /contact/nothing-here"}
    r = osid.call("PATCH", "/contacts")
    assert r.status_code == 405
    assert r.json == {"message": "Method PATCH is not allowed on /contact/contacts"}
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_encoded_ids_any_case_of_percent_escapes(osid):
    address = osid.address()
    lower = address["id"].replace(":", "%3a").replace("@", "%40")
    assert osid.ok(osid.get("/addresses/" + lower))["id"] == address["id"]
    # No Id issued here holds a '/', so an encoded slash can only miss.
    r = osid.get("/addresses/contact.Address%3Ano%2Fslash%40localhost")
    assert r.status_code == 404
    assert r.json == {"message": "No resource at /contact/addresses/contact.Address:no/slash@localhost"}


def test_not_found_messages_of_every_item_route(osid):
    cases = [
        ("GET", "/contacts/contact.Contact%3Anone%40localhost", "contact not found"),
        ("PUT", "/contacts/contact.Contact%3Anone%40localhost", "contact not found"),
        ("DELETE", "/contacts/contact.Contact%3Anone%40localhost", "contact not found"),
        ("GET", "/addresses/contact.Address%3Anone%40localhost", "address not found"),
        ("PUT", "/addresses/contact.Address%3Anone%40localhost", "address not found"),
        ("DELETE", "/addresses/contact.Address%3Anone%40localhost", "address not found"),
        ("GET", "/address-books/contact.AddressBook%3Anone%40localhost", "address-book not found"),
        ("PUT", "/address-books/contact.AddressBook%3Anone%40localhost", "address-book not found"),
        ("DELETE", "/address-books/contact.AddressBook%3Anone%40localhost", "address-book not found"),
        ("GET", "/contacts/not-an-osid-id", "contact not found"),
    ]
    for method, route, message in cases:
        r = osid.call(method, route, body={"displayName": "x"} if method == "PUT" else None)
        assert r.status_code == 404, route
        assert r.headers["Content-Type"] == JSON
        assert r.json == {"message": message}, route


def test_unknown_query_parameters_are_ignored(osid):
    address = osid.address()
    assert osid.ids("/addresses", {"sort": "whatever"}) == [address["id"]]


def test_failed_create_writes_nothing(osid):
    address = osid.address()
    r = osid.post("/contacts", {"displayName": "x", "startDate": "2020-02-02", "endDate": "2020-01-01"},
                  {"addressId": address["id"], "referenceId": REF})
    assert r.status_code == 400
    assert osid.ids("/contacts") == []
    assert osid.ids(f"/address-books/{enc(DEFAULT_BOOK)}/contacts") == []


def test_openapi_documents_every_route(client):
    paths = client.get("/openapi.json").json["paths"]
    osid_paths = sorted(p for p in paths if p.startswith("/contact/"))
    assert len(osid_paths) == 20
    assert paths["/contact/contacts"]["get"]["summary"].startswith("List contacts")
    assert "requestBody" in paths["/contact/contacts"]["post"]
