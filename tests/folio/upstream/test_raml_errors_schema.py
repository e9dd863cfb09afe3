"""Ported from raml-util (folio-org/raml) `schemas/errors.schema` and `schemas/error.schema` (with
`schemas/parameters.schema`): every 422 body is `{"errors": [{"message", "type", "code",
"parameters": [{"key", "value"}]}]}`, message required, all values strings.
"""
from __future__ import annotations

import jsonschema
import pytest

from .support import contact_sample

PARAMETERS = {"type": "array", "items": {"type": "object", "properties": {
    "key": {"type": "string"}, "value": {"type": "string"}}, "additionalProperties": False, "required": ["key"]}}
ERROR = {"type": "object", "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                                          "code": {"type": "string"}, "parameters": PARAMETERS},
         "additionalProperties": False, "required": ["message"]}
ERRORS = {"type": "object", "properties": {"errors": {"type": "array", "items": ERROR},
                                           "total_records": {"type": "integer"}},
          "additionalProperties": False, "required": ["errors"]}


@pytest.mark.parametrize("body", [
    {}, {"firstName": "a", "lastName": "b", "foo": 1}, {"firstName": "a", "lastName": "b", "id": "x"},
    {"firstName": "a", "lastName": "b", "urls": [{"value": "x", "metadata": {"createdDate": 0}}]},
    {"firstName": "a", "lastName": "b", "metadata": {"createdByUserId": "x"}},
])
def test_every_422_body_is_an_errors_document(folio, body):
    r = folio.post(body)
    assert (r.status_code, r.headers["Content-Type"]) == (422, "application/json")
    jsonschema.validate(r.json, ERRORS)
    assert all(problem["type"] == "1" for problem in r.json["errors"])


def test_the_duplicate_id_422_is_an_errors_document(folio):
    created = folio.create(contact_sample())
    r = folio.post({**contact_sample(), "id": created["id"]})
    jsonschema.validate(r.json, ERRORS)
