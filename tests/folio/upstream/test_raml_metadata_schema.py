"""Ported from raml-util (folio-org/raml) `schemas/metadata.schema`: `createdDate` required, the
user ids' loose UUID pattern (any version), `additionalProperties: false`; the dates' `format:
date-time` makes them java.util.Date (see test_rmb_object_mapper_tool). A record's served
`metadata` always passes it: user ids are shown only when they match the pattern.
"""
from __future__ import annotations

import re

import pytest

from .support import NOT_NULL, PATTERN, USER_RULE, contact_sample, error

DATE = "2024-01-01T00:00:00.000+00:00"


@pytest.mark.parametrize("user", ["01890a5d-ac96-774b-bcce-b302099a8057", "00000000-0000-0000-0000-000000000000",
                                  "ABCDEF01-2345-6789-ABCD-EF0123456789"])
def test_any_uuid_shaped_user_id(folio, user):
    body = {**contact_sample(), "metadata": {"createdDate": DATE, "createdByUserId": user, "updatedByUserId": user,
                                             "createdByUsername": "any", "updatedByUsername": ""}}
    assert folio.post(body).status_code == 201


@pytest.mark.parametrize("user", ["abc", "seed", "01890a5d-ac96-774b-bcce-b302099a805", "01890a5dac96774bbcceb302099a8057",
                                  "01890a5d-ac96-774b-bcce-b302099a8057\n", ""])
@pytest.mark.parametrize("key", ["createdByUserId", "updatedByUserId"])
def test_user_ids_the_pattern_refuses(folio, user, key):
    r = folio.post({**contact_sample(), "metadata": {"createdDate": DATE, key: user}})
    assert (r.status_code, r.json) == (422, {"errors": [error(f'must match "{USER_RULE}"', PATTERN,
                                                              f"metadata.{key}", user)]})


def test_created_date_is_required(folio):
    r = folio.post({**contact_sample(), "metadata": {"updatedDate": DATE}})
    assert (r.status_code, r.json) == (422, {"errors": [error("must not be null", NOT_NULL, "metadata.createdDate",
                                                              "null")]})


def test_no_other_property(folio):
    r = folio.post({**contact_sample(), "metadata": {"createdDate": DATE, "createdBy": "x"}})
    assert r.status_code == 422
    assert r.json["errors"][0]["message"].startswith(
        'Unrecognized field "createdBy" (class org.folio.rest.jaxrs.model.Metadata), not marked as ignorable '
        '(6 known properties: "createdDate", "createdByUserId", "createdByUsername", "updatedDate", '
        '"updatedByUserId", "updatedByUsername"])')


def test_served_metadata_passes_the_schema(folio):
    meta = folio.create(contact_sample())["metadata"]
    assert set(meta) <= {"createdDate", "createdByUserId", "updatedDate", "updatedByUserId"}
    for key in ("createdByUserId", "updatedByUserId"):
        assert re.fullmatch(USER_RULE, meta[key])
