"""Shared helpers of the MPDX tests: the official JSON:API schema, seeding, requests."""
from __future__ import annotations

import datetime
import json
import pathlib
import uuid

import jsonschema
import pytest

from models.mpdx import UNASSIGNED_ACCOUNT_LIST_ID
from services import contacts as cards
from services.mpdx import imports as mpdx_import

URL = "/api/v2/organizations/contacts"
JSONAPI = "application/vnd.api+json"
CONTENT_TYPE = "application/vnd.api+json; charset=utf-8"
AVATAR = "https://mpdx.org/images/avatar.png"
UNASSIGNED = UNASSIGNED_ACCOUNT_LIST_ID
# docs/mapping/mpdx.md: derived ids are UUIDv5 in this namespace of "<type>:<card id>[:<position>]".
ID_NAMESPACE = uuid.UUID("0f5d8e57-8a4e-4a55-9d4c-2b9a3f6e1c70")
ORG_A = "aaaaaaaa-0000-4000-8000-000000000001"
ORG_B = "bbbbbbbb-0000-4000-8000-000000000002"
ORG_C = "cccccccc-0000-4000-8000-000000000003"
LIST_A = "a1a1a1a1-0000-4000-8000-000000000011"
LIST_AB = "abababab-0000-4000-8000-000000000012"
LIST_C = "c1c1c1c1-0000-4000-8000-000000000013"


def _patched(node):
    """The two fixes python-jsonschema needs (the JSON:API schema uses regex keys python-jsonschema reads differently): '' pattern keys match every name."""
    if isinstance(node, dict):
        return {("^.*$" if key == "" else key): _patched(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_patched(item) for item in node]
    return node


_SCHEMA = _patched(json.loads((pathlib.Path(__file__).parent.parent / "data" / "jsonapi-1.0-schema.json").read_text()))
# The schema declares draft-07, whose `dependencies` keyword carries the "no data with
# errors" and "no included without data" rules; they are asserted again below anyway.
VALIDATOR = jsonschema.Draft7Validator(_SCHEMA)


def assert_jsonapi(body: dict) -> None:
    """The body is a valid JSON:API 1.0 document with ids unique across resource types."""
    VALIDATOR.validate(body)
    assert not ("data" in body and "errors" in body)
    assert "included" not in body or "data" in body
    primary = body.get("data")
    resources = (primary if isinstance(primary, list) else [primary] if primary else []) + body.get("included", [])
    ids = [resource["id"] for resource in resources]
    assert len(ids) == len(set(ids)), "ids must be unique across types (the web client matches by id)"


def derived(kind: str, card_id: str, position: int | None = None) -> str:
    name = f"{kind}:{card_id}" if position is None else f"{kind}:{card_id}:{position}"
    return str(uuid.uuid5(ID_NAMESPACE, name))


def at(minute: int) -> datetime.datetime:
    return datetime.datetime(2022, 1, 12, 17, minute, 59)


class Mpdx:
    """Requests to the MPDX dialect as its web client sends them, plus seeding."""

    def __init__(self, app, client, headers):
        self.app, self.client, self.headers = app, client, headers

    def get(self, path: str = "", query: dict | None = None, headers: dict | None = None, check: bool = True):
        response = self.client.get(URL + path, query_string=query or {},
                                   headers={**self.headers, "Content-Type": JSONAPI, **(headers or {})})
        if check and response.data:
            assert_jsonapi(response.get_json())
        return response

    def delete(self, contact_id: str, headers: dict | None = None):
        return self.client.delete(f"{URL}/{contact_id}",
                                  headers={**self.headers, "Content-Type": JSONAPI, **(headers or {})})

    def raw(self, method: str, path: str = URL, headers: dict | None = None, *, token: bool = True,
            query: str | dict | None = None, data=None):
        """A request with exactly these headers (plus the token unless `token` is False); None drops a header."""
        sent = {**(self.headers if token else {}), **(headers or {})}
        sent = {name: value for name, value in sent.items() if value is not None}
        environ = {}
        if "Content-Type" in sent:  # Werkzeug's test client would otherwise set or drop it itself
            environ["CONTENT_TYPE"] = sent.pop("Content-Type")
        return self.client.open(path, method=method, headers=sent, query_string=query, data=data,
                                environ_overrides=environ)

    def query(self, query: str, headers: dict | None = None):
        """GET the list with a raw query string (brackets, `;` and `+` as a client would send them)."""
        return self.raw("GET", f"{URL}?{query}", {"Content-Type": JSONAPI, **(headers or {})})

    def ids(self, query: dict | None = None) -> list[str]:
        response = self.get("", query)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["data"]]

    def names(self, query: dict | None = None) -> list[str]:
        response = self.get("", query)
        assert response.status_code == 200, response.get_json()
        return [item["attributes"]["name"] for item in response.get_json()["data"]]

    def card(self, **data) -> dict:
        with self.app.app_context():
            return cards.create_card(data)

    def import_(self, document: dict) -> dict:
        with self.app.app_context():
            return mpdx_import.import_data(document)

    def lock(self, contact_id: str, locked: bool = True) -> None:
        with self.app.app_context():
            cards.set_locked(contact_id, locked)

    def organizations(self) -> None:
        """Organizations A, B, C; lists A (in A), AB (in A and B), C (in C)."""
        self.import_({
            "organizations": [{"id": ORG_A, "name": "Org A"}, {"id": ORG_B, "name": "Org B"},
                              {"id": ORG_C, "name": "Org C"}],
            "account_lists": [{"id": LIST_A, "name": "List A", "organizations": [ORG_A]},
                              {"id": LIST_AB, "name": "List AB", "organizations": [ORG_A, ORG_B]},
                              {"id": LIST_C, "name": "List C", "organizations": [ORG_C]}],
        })


@pytest.fixture
def mpdx(app, client, auth) -> Mpdx:
    return Mpdx(app, client, auth)


@pytest.mark.parametrize("kind, card_id, position", [
    ("people", "db880f43-a030-4657-a044-48c088edab09", None),
    ("addresses", "db880f43-a030-4657-a044-48c088edab09", 0),
    ("addresses", "9e76eb4c-da35-43e3-aef0-d53bb1e43e67", 12),
    ("email_addresses", "Zoë-ünïcode", 3),
])
def test_derived_ids_are_the_uuid5_of_kind_card_and_position(kind, card_id, position):
    from schemas.mpdx import ID_NAMESPACE, derived_id

    name = f"{kind}:{card_id}" if position is None else f"{kind}:{card_id}:{position}"
    assert derived_id(kind, card_id, position) == str(uuid.uuid5(ID_NAMESPACE, name))
