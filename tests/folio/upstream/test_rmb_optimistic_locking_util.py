"""Ported from raml-module-builder `domain-models-runtime/src/main/java/org/folio/rest/persist/OptimisticLockingUtil.java`
(`unsetVersionIfMinusOne`, which `PgUtil.put` calls and `PgUtil.post` does not) with
mod-organizations-storage `src/main/resources/templates/db_scripts/schema.json`, where table
`contacts` has no `withOptimisticLocking`: `_version` is stored as sent, never checked (no 409).
"""
from __future__ import annotations

import pytest

from .support import contact_sample


@pytest.mark.parametrize("version", [-1, 0, 1, 7, 2147483647, -2147483648])
def test_post_stores_version_as_sent(folio, version):
    r = folio.post({**contact_sample(), "_version": version})
    assert (r.status_code, r.json["_version"]) == (201, version)
    assert folio.get(f"/{r.json['id']}").json["_version"] == version


def test_put_never_conflicts(folio):
    created = folio.create({**contact_sample(), "_version": 7})
    assert folio.put(f"/{created['id']}", {**contact_sample(), "_version": 3}).status_code == 204
    assert folio.get(f"/{created['id']}").json["_version"] == 3
    assert folio.put(f"/{created['id']}", {**contact_sample(), "_version": 3}).status_code == 204
    assert folio.get(f"/{created['id']}").json["_version"] == 3


def test_put_unsets_minus_one(folio):
    created = folio.create({**contact_sample(), "_version": 5})
    assert folio.put(f"/{created['id']}", {**contact_sample(), "_version": -1}).status_code == 204
    assert "_version" not in folio.get(f"/{created['id']}").json


def test_put_without_version_drops_it(folio):
    created = folio.create(contact_sample())
    body = {key: value for key, value in contact_sample().items() if key != "_version"}
    assert folio.put(f"/{created['id']}", body).status_code == 204
    assert "_version" not in folio.get(f"/{created['id']}").json


@pytest.mark.parametrize("sent, stored", [("5", 5), (1.9, 1), (-1.5, -1), (3.0, 3)])
def test_version_is_a_java_integer(folio, sent, stored):
    """Jackson: a numeric string is read, a float truncated (ACCEPT_FLOAT_AS_INT)."""
    r = folio.post({**contact_sample(), "_version": sent})
    assert (r.status_code, r.json["_version"]) == (201, stored)
