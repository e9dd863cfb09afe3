"""Schemathesis drives every operation of /openapi.json and holds each answer to the document.

One test per documented operation (LOOKUP, which OpenAPI 3.0 cannot list as an operation,
is driven with hypothesis from its documented request schema). Each runs against a
fresh database seeded with one object of every kind, and half of the generated path ids
are swapped for real ones, so item routes answer with bodies, not only 404s. Checks: no
5xx, and the status code, Content-Type, headers and body match what the document says.
The example count is bounded (FUZZ_EXAMPLES, default 25) so the file runs in CI.
"""
from __future__ import annotations

import itertools
import json
import os

import jsonschema
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from config import Config

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FOLIO = "/organizations-storage/"
INCOPLAX = "/rest/v1/addressbook"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _document() -> dict:
    app = create_app(Config(database_url="sqlite:///:memory:", auth=True), run_migrations=False)
    return app.test_client().get("/openapi.json").json


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


pytestmark = pytest.mark.usefixtures("quiet_access_log")


def _ok(response, status: int) -> dict:
    assert response.status_code == status, response.data
    return response.json


@pytest.fixture
def known(client, auth) -> dict[tuple[str, str], str]:
    """One object of every kind, by (path prefix, path parameter name)."""
    incoplax = _ok(client.post(f"{INCOPLAX}/contacts", headers=auth,
                               json={"displayname": "Ada Lovelace", "number": "101", "email": "ada@example.org"}), 200)
    other = _ok(client.post(f"{INCOPLAX}/contacts", headers=auth,
                            json={"displayname": "Alan Turing", "number": "102"}), 200)
    group = _ok(client.post(f"{INCOPLAX}/contactgroups", headers=auth,
                            json={"name": "Team", "code": "team", "opts": {"abonents": [incoplax["autokey"]]}}), 200)
    relation = _ok(client.post(f"/contacts/{incoplax['id']}/relations", headers=auth, json={
        "relation": "backup", "entity": {"entity_type": "CON", "entity_id": other["id"]}}), 201)
    folio = _ok(client.post("/organizations-storage/contacts", headers={**auth, "X-Okapi-Tenant": "diku"},
                            json={"firstName": "Grace", "lastName": "Hopper"}), 201)
    address = _ok(client.post("/contact/addresses", headers=auth, json={"displayName": "Office"}), 201)
    osid_contact = _ok(client.post("/contact/contacts", headers=auth, json={"displayName": "Ada at the office"},
                                   query_string={"addressId": address["id"], "referenceId": "id.Id:1@example.org"}),
                       201)
    book = _ok(client.post("/contact/address-books", headers=auth, json={"displayName": "Friends"}), 201)
    child = _ok(client.post("/contact/address-books", headers=auth, json={"displayName": "Close friends"}), 201)
    return {
        (INCOPLAX, "contact_id"): incoplax["id"], (INCOPLAX, "group_id"): group["id"],
        ("/contacts", "contact_id"): incoplax["id"], ("/contacts", "relation_id"): relation["relation_id"],
        (FOLIO, "contact_id"): folio["id"], ("/api/v2", "contact_id"): other["id"],
        ("/contact/", "contact_id"): osid_contact["id"], ("/contact/", "address_id"): address["id"],
        ("/contact/", "book_id"): book["id"], ("/contact/", "child_id"): child["id"],
        ("/carddav/", "name"): f"{folio['id']}.vcf",
    }


_turn = itertools.count()


def _use_known_ids(case, known: dict) -> None:
    """Swap every other generated path id for a real one (ids of another kind too, by turns)."""
    for name in list(case.path_parameters or {}):
        if next(_turn) % 2:
            continue
        for (prefix, param), real in known.items():
            if param == name and case.path.startswith(prefix):
                case.path_parameters[name] = real
                break


@schema.parametrize()
@SETTINGS
def test_operation_answers_as_documented(case, app, auth, known):
    _use_known_ids(case, known)
    headers = dict(auth)
    if case.path.startswith(FOLIO):
        # A fixed tenant, whatever was generated: most cases then reach the handlers, not the tenant check.
        headers["X-Okapi-Tenant"] = "diku"
    if case.path.startswith("/api/v2/"):
        # MPDX answers 415 to any request without its media type (GET and DELETE too).
        headers["Accept"] = headers["Content-Type"] = "application/vnd.api+json"
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


# ---------------------------------------------------------------- LOOKUP (x-lookup)

def _lookup_bodies(path: str):
    """The documented request schema's values (JSON strings), plus arbitrary JSON and bytes."""
    request_schema = DOCUMENT["paths"][path]["x-lookup"]["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"type": "string"}
    json_values = st.recursive(st.none() | st.booleans() | st.integers()
                               | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
                               lambda inner: st.lists(inner, max_size=3)
                               | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
    return st.one_of(
        st.text().map(orjson.dumps),
        st.sampled_from(["101", "1", "team", "-1", "00000000-0000-0000-0000-000000000000"]).map(orjson.dumps),
        # The standard library's encoder: a client may send an integer beyond 64 bits, which orjson cannot write.
        json_values.map(lambda value: json.dumps(value, ensure_ascii=False).encode()),
        st.binary(max_size=64),
    )


def _validator(path: str, status: str) -> jsonschema.Draft4Validator:
    response = DOCUMENT["paths"][path]["x-lookup"]["responses"][status]
    body_schema = response["content"]["application/json"]["schema"]
    return jsonschema.Draft4Validator({**body_schema, "components": DOCUMENT["components"]})


@pytest.mark.parametrize("path", [p for p, item in DOCUMENT["paths"].items() if "x-lookup" in item])
def test_lookup_answers_as_documented(app, client, auth, known, path):
    documented = DOCUMENT["paths"][path]["x-lookup"]["responses"]

    @SETTINGS
    @given(body=_lookup_bodies(path))
    def run(body: bytes) -> None:
        r = client.open(path, method="LOOKUP", data=body, headers={**auth, "Content-Type": "application/json"})
        assert r.status_code < 500, (body, r.data)
        assert str(r.status_code) in documented, (body, r.status_code, r.data)
        content = documented[str(r.status_code)]["content"]
        assert r.mimetype in content, (body, r.headers["Content-Type"])
        errors = list(_validator(path, str(r.status_code)).iter_errors(r.json))
        assert not errors, (body, r.data, errors[0].message)

    run()
    # and the seeded keys are found
    key = "101" if path.endswith("/contacts") else "team"
    r = client.open(path, method="LOOKUP", data=orjson.dumps(key), headers=auth)
    assert r.status_code == 200 and len(r.json) == 1


def test_every_dialect_operation_is_in_the_document():
    """The URL map and the document agree: an undocumented route cannot hide from the fuzzer."""
    app = create_app(Config(database_url="sqlite:///:memory:", auth=True), run_migrations=False)
    from blueprints.auth import is_protected

    documented = {(path, method.upper()) for path, item in DOCUMENT["paths"].items() for method in item
                  if method in ("get", "put", "post", "delete", "patch")}
    documented |= {(path, method[2:].upper()) for path, item in DOCUMENT["paths"].items() for method in item
                   if method in ("x-lookup", "x-propfind", "x-proppatch", "x-report")}  # methods OpenAPI 3.0 cannot list
    routed = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        if is_protected(rule.rule):
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed - documented == set()


def test_no_dialect_documents_smorest_default_errors():
    """Every dialect lists its statuses in its own error format."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status >= "400":
                    (media_type,) = response["content"]
                    assert response["content"][media_type]["schema"] != {"$ref": "#/components/schemas/Error"}, (
                        method, path, status)


FOLIO_STATUSES = {
    ("/organizations-storage/contacts", "get"): {"200", "400", "401", "403", "414", "429", "503"},
    ("/organizations-storage/contacts", "post"): {"201", "400", "401", "403", "413", "414", "422", "429", "503"},
    ("/organizations-storage/contacts/{contact_id}", "get"): {"200", "400", "401", "403", "404", "414", "429",
                                                              "503"},
    ("/organizations-storage/contacts/{contact_id}", "put"): {"204", "400", "401", "403", "404", "412", "413",
                                                              "414", "422", "423", "429", "503"},
    ("/organizations-storage/contacts/{contact_id}", "delete"): {"204", "400", "401", "403", "404", "412", "423",
                                                                 "414", "429", "503"},
}


@pytest.mark.parametrize("path, method", list(FOLIO_STATUSES))
def test_folio_operations_document_tenant_statuses_and_media_types(path, method):
    """FOLIO: required X-Okapi-Tenant, its statuses, text/plain errors but a JSON 422, JSON successes."""
    operation = DOCUMENT["paths"][path][method]
    headers = {p["name"]: p["required"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"X-Okapi-Tenant": True, "X-Okapi-Token": False, "X-Okapi-User-Id": False}
    responses = operation["responses"]
    assert set(responses) == FOLIO_STATUSES[(path, method)]
    for status, response in responses.items():
        content = response.get("content")
        if status == "422":
            assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/FolioErrors"}}}
        elif status >= "400":
            assert content == {"text/plain": {"schema": {"$ref": "#/components/schemas/FolioText"}}}
        elif status == "204":
            assert content is None
        else:
            (schema,) = [c["schema"]["$ref"] for c in content.values()]
            assert list(content) == ["application/json"]
            assert schema == ("#/components/schemas/FolioContactCollection" if path.endswith("contacts")
                              and method == "get" else "#/components/schemas/FolioContact")
    if method == "post":
        assert responses["201"]["headers"]["Location"]["required"] is True
    if method in ("post", "put"):
        assert operation["requestBody"]["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/FolioContactBody"}}}


def test_folio_documented_schemas_accept_real_answers_and_reject_wrong_ones(client, auth):
    """The FOLIO record / collection / 422 schemas hold what the server sends, and are not `{}`."""
    headers = {**auth, "X-Okapi-Tenant": "diku"}
    created = client.post("/organizations-storage/contacts", headers=headers, json={
        "firstName": "Nick", "lastName": "Fury", "_version": 3,
        "phoneNumbers": [{"phoneNumber": "1", "type": "Office", "isPrimary": True}],
        "emails": [{"value": "n@x.org"}], "addresses": [{"city": "Ipswich"}], "urls": [{"value": "http://x.org"}]})
    listed = client.get("/organizations-storage/contacts", headers=headers)
    invalid = client.post("/organizations-storage/contacts", headers=headers, json={"lastName": "x"})
    assert (created.status_code, listed.status_code, invalid.status_code) == (201, 200, 422)
    cases = [("FolioContact", created), ("FolioContactCollection", listed), ("FolioErrors", invalid)]
    for name, response in cases:
        validator = jsonschema.Draft4Validator({"$ref": f"#/components/schemas/{name}",
                                                "components": DOCUMENT["components"]})
        assert list(validator.iter_errors(response.json)) == [], name
    record = jsonschema.Draft4Validator({"$ref": "#/components/schemas/FolioContact",
                                         "components": DOCUMENT["components"]})
    assert not record.is_valid({**created.json, "extra": 1})
    assert not record.is_valid({k: v for k, v in created.json.items() if k != "metadata"})
    assert not record.is_valid({**created.json, "phoneNumbers": [{"phoneNumber": "1", "categories": [],
                                                                  "type": "office"}]})
    errors = jsonschema.Draft4Validator({"$ref": "#/components/schemas/FolioErrors",
                                         "components": DOCUMENT["components"]})
    assert not errors.is_valid({"errors": [{"type": "1"}]})
