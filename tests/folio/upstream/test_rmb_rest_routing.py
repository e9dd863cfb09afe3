"""Ported from raml-module-builder `domain-models-runtime/src/main/java/org/folio/rest/RestRouting.java`:
the tenant check, `checkAcceptContentType` (Content-Type, then Accept: `acceptCheck`), parameter
parsing in signature order (`parseQueryParameter`), the body (`parseNonAnnotated`: Jackson, then
`isValidRequest`: read-only fields removed, every other violation a 422) and `validate_field`.
"""
from __future__ import annotations

import pytest

from .support import (NON_EXISTED_ID, NOT_NULL, NULL, PATTERN, USER, USER_RULE, contact_sample, error,
                      errors_as_set, text)

TENANT = "Unable to process request Tenant must be set"
PRODUCES = '["application/json","text/plain"]'


@pytest.mark.parametrize("method, path", [("get", ""), ("post", ""), ("get", f"/{NON_EXISTED_ID}"),
                                          ("put", f"/{NON_EXISTED_ID}"), ("delete", f"/{NON_EXISTED_ID}")])
def test_tenant_must_be_set(folio, method, path):
    call = getattr(folio, method)
    response = call(contact_sample(), path, drop=("X-Okapi-Tenant",)) if method == "post" else (
        call(path, contact_sample(), drop=("X-Okapi-Tenant",)) if method == "put" else
        call(path, drop=("X-Okapi-Tenant",)))
    assert text(response) == (400, "text/plain", TENANT)


@pytest.mark.parametrize("content_type, shown", [
    ("Application/JSON", "Application/JSON"),          # consumes.contains(): exact, case-sensitive
    ("", ""),                                          # present but empty
    ("text/plain; charset=utf-8", "text/plain"),       # parameters cut off
    ("application/json, text/plain", "application/json, text/plain"),
    ("  text/plain  ", "text/plain"),                  # trimmed
])
def test_content_type_must_be_json(folio, content_type, shown):
    message = f'Content-type header must be ["application/json"] but it is "{shown}"'
    assert text(folio.post(contact_sample(), headers={"Content-Type": content_type})) == (400, "text/plain", message)
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", contact_sample(), headers={"Content-Type": content_type})
    assert text(r) == (400, "text/plain", message)
    assert folio.count() == 1


@pytest.mark.parametrize("headers", [{"Content-Type": "application/json; charset=UTF-8"},
                                     {"Content-Type": "application/json;charset=utf-8"}])
def test_json_with_parameters_is_accepted(folio, headers):
    assert folio.post(contact_sample(), headers=headers).status_code == 201


def test_a_missing_content_type_counts_as_json(folio):
    r = folio.client.post("/organizations-storage/contacts", data=b'{"firstName": "a", "lastName": "b"}',
                          headers={key: value for key, value in folio.headers.items()})
    assert "Content-Type" not in r.request.headers
    assert r.status_code == 201


def test_content_type_is_checked_before_accept(folio):
    r = folio.post(contact_sample(), headers={"Content-Type": "text/plain", "Accept": "text/html"})
    assert text(r) == (400, "text/plain", 'Content-type header must be ["application/json"] but it is "text/plain"')


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/plain", "APPLICATION/JSON",
                                    "application/json;q=0.1", "text/html, */*", "text/html,application/json",
                                    " text/plain ; q=1"])
def test_accepted_accept_headers(folio, accept):
    r = folio.get(headers={"Accept": accept} if accept is not None else None, drop=() if accept else ("Accept",))
    assert r.status_code == 200


@pytest.mark.parametrize("accept", ["text/html", "application/*", "text/*", "", "application/jsonx",
                                    "application/json+x, text/html"])
def test_refused_accept_headers(folio, accept):
    message = f'Accept header must be {PRODUCES} for this request, but it is "{accept}", can not send */*'
    assert text(folio.get(headers={"Accept": accept})) == (400, "text/plain", message)
    assert text(folio.post(contact_sample(), headers={"Accept": accept})) == (400, "text/plain", message)
    assert text(folio.get(f"/{NON_EXISTED_ID}", headers={"Accept": accept})) == (400, "text/plain", message)
    assert folio.count() == 0


@pytest.mark.parametrize("method", ["put", "delete"])
def test_refused_accept_on_put_and_delete(folio, method):
    created = folio.create(contact_sample())
    path = f"/{created['id']}"
    call = getattr(folio, method)
    r = call(path, contact_sample(), headers={"Accept": "text/html"}) if method == "put" else (
        call(path, headers={"Accept": "text/html"}))
    status, content_type, body = text(r)
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith("Accept header must be [") and body.endswith('but it is "text/html", can not send */*')
    # both media types PUT and DELETE produce are fine
    assert folio.put(path, contact_sample(), headers={"Accept": "text/plain"}).status_code == 204
    assert folio.put(path, contact_sample(), headers={"Accept": "application/json"}).status_code == 204
    assert folio.delete(path, headers={"Accept": "text/plain"}).status_code == 204


@pytest.mark.parametrize("params, body", [
    ({"limit": "abc"}, 'For input string: "abc"'),
    ({"limit": "1.5"}, 'For input string: "1.5"'),
    ({"limit": " 5"}, 'For input string: " 5"'),        # Integer.valueOf does not trim
    ({"limit": "2147483648"}, 'For input string: "2147483648"'),
    ({"limit": ""}, "limit does not have a default value in the RAML and has been passed empty"),
    ({"offset": "abc", "limit": ""}, 'For input string: "abc"'),  # signature order: offset first
    ({"offset": "", "limit": "abc"}, "offset does not have a default value in the RAML and has been passed empty"),
    ({"offset": "-1", "limit": "abc"}, 'For input string: "abc"'),  # every parse before any range check
])
def test_query_parameters_are_parsed_in_signature_order(folio, params, body):
    assert text(folio.get(query=params)) == (400, "text/plain", body)


@pytest.mark.parametrize("params", [{"limit": "+5"}, {"limit": "-0"}, {"offset": "007"}])
def test_integer_value_of_accepts(folio, params):
    assert folio.get(query=params).status_code == 200


@pytest.mark.parametrize("raw", [b"", b"null", b"  "])
def test_an_empty_or_null_body_is_hv000116(folio, raw):
    r = folio.post(raw)
    assert text(r) == (400, "text/plain", "HV000116: The object to be validated must not be null.")


def test_malformed_json_is_400_text(folio):
    status, content_type, body = text(folio.post(b'{"firstName": "a",}'))
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith("Unexpected character ('}' (code 125)): was expecting double-quote to start field name")


@pytest.mark.parametrize("body, cls, field", [
    ({"firstName": "a", "lastName": "b", "foo": 1}, "Contact", "foo"),
    ({"firstName": "a", "lastName": "b", "metadata": {"createdDate": "2024-01-01T00:00:00Z", "foo": 1}},
     "Metadata", "foo"),
    ({"firstName": "a", "lastName": "b", "urls": [{"value": "", "url": "x"}]}, "Url", "url"),
])
def test_an_unrecognized_property_is_422(folio, body, cls, field):
    r = folio.post(body)
    assert (r.status_code, r.headers["Content-Type"]) == (422, "application/json")
    [problem] = r.json["errors"]
    assert problem["message"].startswith(f'Unrecognized field "{field}" (class org.folio.rest.jaxrs.model.{cls}), '
                                         "not marked as ignorable")
    assert (problem["type"], problem["code"], problem["parameters"]) == ("1", "-1", [{"key": "", "value": ""}])


def test_every_violation_is_reported(folio):
    r = folio.post({"id": "abc", "phoneNumbers": [{}], "urls": [{"value": "x"}]})
    assert r.status_code == 422
    assert errors_as_set(r.json) == errors_as_set({"errors": [
        error("must not be null", NOT_NULL, "firstName", "null"),
        error("must not be null", NOT_NULL, "lastName", "null"),
        error('must match "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-'
              '[0-9a-fA-F]{12}$"', PATTERN, "id", "abc"),
        error("must not be null", NOT_NULL, "phoneNumbers[0].phoneNumber", "null"),
        error('must match "^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)"', PATTERN, "urls[0].value", "x"),
    ]})
    assert folio.count() == 0


def test_a_valid_client_metadata_is_removed_and_set_by_the_server(folio):
    """isValidRequest: the `@Null` violation of the read-only `metadata` is removed silently."""
    sent = {"createdDate": "2000-01-01T00:00:00Z", "createdByUserId": "11111111-1111-1111-1111-111111111111",
            "createdByUsername": "someone", "updatedDate": 946684800000}
    r = folio.post({**contact_sample(), "metadata": sent})
    assert r.status_code == 201
    meta = r.json["metadata"]
    assert (meta["createdByUserId"], meta["updatedByUserId"]) == (USER, USER)
    assert not meta["createdDate"].startswith("2000") and "createdByUsername" not in meta


@pytest.mark.parametrize("metadata, problems", [
    ({}, [("must not be null", NOT_NULL, "metadata.createdDate", "null")]),
    ({"createdDate": None}, [("must not be null", NOT_NULL, "metadata.createdDate", "null")]),
    ({"createdDate": "2024-01-01T00:00:00Z", "createdByUserId": "abc"},
     [(f'must match "{USER_RULE}"', PATTERN, "metadata.createdByUserId", "abc")]),
    ({"updatedByUserId": "seed"},
     [("must not be null", NOT_NULL, "metadata.createdDate", "null"),
      (f'must match "{USER_RULE}"', PATTERN, "metadata.updatedByUserId", "seed")]),
])
def test_the_contents_of_a_client_metadata_are_validated(folio, metadata, problems):
    """The removed metadata is still cascaded into (`@Valid`): its violations are 422s."""
    r = folio.post({**contact_sample(), "metadata": metadata})
    assert r.status_code == 422
    assert errors_as_set(r.json) == errors_as_set({"errors": [error(*p) for p in problems]})
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", {**created, "metadata": metadata})
    assert r.status_code == 422
    assert errors_as_set(r.json) == errors_as_set({"errors": [error(*p) for p in problems]})
    assert folio.count() == 1


@pytest.mark.parametrize("kind, item", [("phoneNumbers", {"phoneNumber": "1"}), ("emails", {"value": "a@b.c"}),
                                        ("addresses", {}), ("urls", {"value": "http://x"})])
def test_a_sub_object_metadata_is_422_must_be_null(folio, kind, item):
    """The removal walks the property path with getJsonObject, which fails on the array: the
    `@Null` violation stays an error (with its own contents' violations)."""
    body = {**contact_sample(), kind: [{**item, "metadata": {"createdDate": "2024-01-01T00:00:00Z"}}]}
    r = folio.post(body)
    assert r.status_code == 422
    [problem] = r.json["errors"]
    assert (problem["message"], problem["type"], problem["code"]) == ("must be null", "1", NULL)
    assert problem["parameters"][0]["key"] == f"{kind}[0].metadata"
    assert problem["parameters"][0]["value"].startswith("org.folio.rest.jaxrs.model.Metadata@")
    assert "[createdDate=Mon Jan 01 00:00:00 UTC 2024,createdByUserId=<null>," in problem["parameters"][0]["value"]
    body[kind][0]["metadata"] = {"createdByUserId": "x"}
    keys = sorted(p["parameters"][0]["key"] for p in folio.post(body).json["errors"])
    assert keys == [f"{kind}[0].metadata", f"{kind}[0].metadata.createdByUserId", f"{kind}[0].metadata.createdDate"]
    assert folio.count() == 0


def test_validate_field_only_validates(folio):
    """`?validate_field=`: only the named fields' violations count; none -> 200, nothing written."""
    r = folio.post(contact_sample(), query={"validate_field": "firstName"})
    assert (r.status_code, r.data) == (200, b"")
    r = folio.post({"lastName": "x"}, query={"validate_field": "lastName"})
    assert (r.status_code, r.data) == (200, b"")
    r = folio.post({}, query={"validate_field": "firstName"})
    assert (r.status_code, r.json) == (422, {"errors": [error("must not be null", NOT_NULL, "firstName", "null")]})
    assert folio.count() == 0
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", {**contact_sample(), "notes": "changed"}, query={"validate_field": "notes"})
    assert r.status_code == 200
    assert folio.get(f"/{created['id']}").json["notes"] == contact_sample()["notes"]


def test_the_body_is_checked_before_the_path_id(folio):
    r = folio.put("/abc", {})
    assert r.status_code == 422
    assert {p["parameters"][0]["key"] for p in r.json["errors"]} == {"firstName", "lastName"}
