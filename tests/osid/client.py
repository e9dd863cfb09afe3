"""A thin CampusAPI/OSID client over the Flask test client, shared by the OSID test modules.

(No tests live here; the name only keeps the module inside the OSID test files.)
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

BASE = "/contact"
JSON = "application/json"
AUTHORITY = "localhost"
DEFAULT_BOOK = "contact.AddressBook:default@localhost"
HOST = "http://localhost"


def enc(osid_id: str) -> str:
    """An Id URL-encoded for a path segment (':' -> %3A, '@' -> %40)."""
    return quote(osid_id, safe="")


def item_uri(collection: str, osid_id: str) -> str:
    """The `uri` this server gives an object."""
    return f"{HOST}{BASE}/{collection}/{enc(osid_id)}"


class OsidClient:
    """Requests with a '*' token; every helper asserts the status it expects."""

    def __init__(self, client, auth):
        self.client = client
        self.auth = auth

    def call(self, method: str, path: str, params: dict | list | None = None, body=None, headers=None):
        url = BASE + path
        if params:
            url += "?" + urlencode(params, doseq=True)
        kwargs = {"headers": {**self.auth, **(headers or {})}}
        if body is not None:
            kwargs["json"] = body
        return self.client.open(url, method=method, **kwargs)

    def get(self, path, params=None, headers=None):
        return self.call("GET", path, params, headers=headers)

    def post(self, path, body, params=None):
        return self.call("POST", path, params, body)

    def put(self, path, body=None, headers=None):
        return self.call("PUT", path, body=body, headers=headers)

    def delete(self, path, headers=None):
        return self.call("DELETE", path, headers=headers)

    def ok(self, response, status: int = 200):
        assert response.status_code == status, (response.status_code, response.data)
        assert response.headers["Content-Type"] == JSON
        return response.json

    def address(self, params=None, **fields) -> dict:
        body = {"displayName": "Tom's mail", **fields}
        return self.ok(self.post("/addresses", body, params), 201)

    def contact(self, address_id: str, reference_id: str = "resource.Resource:504@base.url",
                params=None, **fields) -> dict:
        query = {"addressId": address_id, "referenceId": reference_id, **(params or {})}
        body = {"displayName": "Contact Tom", **fields}
        return self.ok(self.post("/contacts", body, query), 201)

    def book(self, params=None, **fields) -> dict:
        body = {"displayName": "Main", **fields}
        return self.ok(self.post("/address-books", body, params), 201)

    def ids(self, path: str, params=None) -> list[str]:
        return [item["id"] for item in self.ok(self.get(path, params))]


@pytest.fixture
def osid(client, auth) -> OsidClient:
    """The OSID client with a token of every scope."""
    return OsidClient(client, auth)
