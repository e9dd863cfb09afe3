"""Ported from raml-module-builder `domain-models-runtime/src/main/java/org/folio/rest/tools/utils/MetadataUtil.java`
(`createMetadata`: the user is `X-Okapi-User-Id`, else the unvalidated `user_id` claim of
`X-Okapi-Token`; both dates now) and the update trigger of `templates/db_scripts/metadata.ftl`
(a PUT keeps createdDate/createdByUserId, sets updatedDate/updatedByUserId).

One deliberate difference (docs/mapping/folio.md): RMB records any header value, then refuses its
own record on PUT (metadata.schema's user-id pattern); only UUID-shaped users are recorded here.
"""
from __future__ import annotations

import base64
import json
import re

import pytest

from .support import USER, contact_sample

OTHER = "11111111-2222-4333-8444-555555555555"
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def _token(claims: dict) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{payload}.signature"


@pytest.mark.parametrize("headers, drop, user", [
    ({}, (), USER),
    ({"X-Okapi-Token": _token({"user_id": OTHER})}, ("X-Okapi-User-Id",), OTHER),
    ({"X-Okapi-Token": _token({"user_id": OTHER})}, (), USER),          # the header wins
    ({"X-Okapi-Token": "not a jwt"}, ("X-Okapi-User-Id",), None),
    ({"X-Okapi-Token": _token({"sub": "x"})}, ("X-Okapi-User-Id",), None),
    ({}, ("X-Okapi-User-Id",), None),
    ({"X-Okapi-User-Id": "", "X-Okapi-Token": _token({"user_id": OTHER})}, (), None),  # present: no fall-back
])
def test_create_metadata(folio, headers, drop, user):
    meta = folio.post(contact_sample(), headers=headers, drop=drop).json["metadata"]
    assert DATE.fullmatch(meta["createdDate"]) and meta["createdDate"] == meta["updatedDate"]
    if user is None:
        assert sorted(meta) == ["createdDate", "updatedDate"]
    else:
        assert (meta["createdByUserId"], meta["updatedByUserId"]) == (user, user)


def test_put_keeps_creation_and_sets_update(folio):
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", created, headers={"X-Okapi-User-Id": OTHER})
    assert r.status_code == 204
    meta = folio.get(f"/{created['id']}").json["metadata"]
    assert (meta["createdDate"], meta["createdByUserId"]) == (created["metadata"]["createdDate"], USER)
    assert meta["updatedByUserId"] == OTHER and meta["updatedDate"] >= meta["createdDate"]
    assert folio.put(f"/{created['id']}", created, drop=("X-Okapi-User-Id",)).status_code == 204
    meta = folio.get(f"/{created['id']}").json["metadata"]
    assert meta["createdByUserId"] == USER and "updatedByUserId" not in meta


@pytest.mark.parametrize("user", ["not-a-uuid", "seed", " " + USER])
def test_a_user_the_schema_refuses_is_not_recorded(folio, user):
    created = folio.post(contact_sample(), headers={"X-Okapi-User-Id": user}).json
    assert sorted(created["metadata"]) == ["createdDate", "updatedDate"]
    assert folio.put(f"/{created['id']}", created).status_code == 204
