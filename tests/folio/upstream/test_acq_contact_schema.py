"""Ported from acq-models `mod-orgs/schemas/contact.json`: `required` firstName and lastName (missing or
JSON null: 422 `must not be null`), `additionalProperties: false` (422), the property order of the
POJO (`@JsonPropertyOrder`), `inactive` default false, every array default `[]`, Jackson's scalar
coercions and type errors (400 text/plain).
"""
from __future__ import annotations

import pytest

from .support import NOT_NULL, contact_sample, error, errors_as_set, text

ORDER = ["id", "_version", "prefix", "firstName", "lastName", "language", "notes", "phoneNumbers", "emails",
         "addresses", "urls", "categories", "inactive", "metadata"]


@pytest.mark.parametrize("body, keys", [
    ({"lastName": "x"}, ["firstName"]), ({"firstName": "x"}, ["lastName"]), ({}, ["firstName", "lastName"]),
    ({"firstName": None, "lastName": None}, ["firstName", "lastName"]),
])
def test_required_names(folio, body, keys):
    r = folio.post(body)
    assert (r.status_code, r.headers["Content-Type"]) == (422, "application/json")
    assert errors_as_set(r.json) == errors_as_set({"errors": [error("must not be null", NOT_NULL, key, "null")
                                                              for key in keys]})


def test_output_order_and_defaults(folio):
    r = folio.post({"notes": "", "lastName": "b", "firstName": "a", "_version": 2, "prefix": "Dr."})
    assert list(r.json) == [key for key in ORDER if key != "language"]
    assert (r.json["inactive"], r.json["phoneNumbers"], r.json["categories"], r.json["notes"]) == (False, [], [], "")
    assert list(folio.get(f"/{r.json['id']}").json) == list(r.json)


@pytest.mark.parametrize("field, value, shown", [("inactive", "true", True), ("inactive", 1, True),
                                                 ("inactive", "FALSE", False), ("firstName", 123, "123"),
                                                 ("notes", False, "false"), ("prefix", "", "")])
def test_jackson_coercions(folio, field, value, shown):
    r = folio.post({**contact_sample(), field: value})
    assert (r.status_code, r.json[field]) == (201, shown)


@pytest.mark.parametrize("field, value, start", [
    ("inactive", "yes", 'Cannot deserialize value of type `java.lang.Boolean` from String "yes"'),
    ("firstName", {"a": 1}, "Cannot deserialize value of type `java.lang.String` from Object value"),
    ("emails", {}, "Cannot deserialize value of type `java.util.ArrayList<org.folio.rest.jaxrs.model.Email>`"),
    ("categories", "x", "Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from String value"),
    ("_version", "x", 'Cannot deserialize value of type `java.lang.Integer` from String "x"'),
    ("_version", 2147483648, "Numeric value (2147483648) out of range of int (-2147483648 - 2147483647)"),
])
def test_jackson_type_errors(folio, field, value, start):
    status, content_type, body = text(folio.post({**contact_sample(), field: value}))
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith(start)
    assert body.endswith(f'(through reference chain: org.folio.rest.jaxrs.model.Contact["{field}"])')


def test_non_numeric_numbers_are_refused(folio):
    status, _, body = text(folio.post(b'{"firstName": "a", "lastName": "b", "_version": NaN}'))
    assert status == 400 and body.startswith("Non-standard token 'NaN'")
