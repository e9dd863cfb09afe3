"""Ported from mod-organizations-storage `src/test/java/org/folio/rest/impl/EntitiesCrudTest.java`
(the CONTACT rows of its parameterized tests), posting `src/test/resources/contact.sample` with the
helpers of `TestBase.java` and the CONTACT entry of `src/test/java/org/folio/rest/utils/TestEntities.java`
(updated field `notes`, value `ABC123`).
"""
from __future__ import annotations

import pytest

from .support import NON_EXISTED_ID, USER, contact_sample, text


def _as_model(sample: dict) -> dict:
    """`convertToMatchingModelJson`: the sample read into the Contact POJO and written back
    (jsonschema2pojo defaults: every `categories` list, `inactive`)."""
    model = {**sample, "categories": sample.get("categories", []), "inactive": sample.get("inactive", False)}
    for kind in ("phoneNumbers", "emails", "addresses", "urls"):
        model[kind] = [{**item, "categories": item.get("categories", [])} for item in sample.get(kind, [])]
    return model


def test_positive_cases(folio):
    """testPositiveCases: create, all fields echoed, count, fetch, edit, fetch edited, delete."""
    assert folio.get().json["totalRecords"] == 0  # verifyCollectionQuantity(endpoint, 0)
    sample = contact_sample()
    created = folio.post(sample)
    assert created.status_code == 201
    sample_id = created.json["id"]
    for field, value in _as_model(sample).items():  # testAllFieldsExists
        assert created.json[field] == value, field
    assert created.json["_version"] == 1
    assert folio.get().json["totalRecords"] == 1
    fetched = folio.get(f"/{sample_id}")  # testEntitySuccessfullyFetched
    assert (fetched.status_code, fetched.json["id"]) == (200, sample_id)
    edited = {**sample, "id": sample_id, "notes": "ABC123"}
    r = folio.put(f"/{sample_id}", edited, drop=("Accept",))  # testEntityEdit: putData sends no Accept
    assert (r.status_code, r.data) == (204, b"")
    assert folio.get(f"/{sample_id}").json["notes"] == "ABC123"  # testFetchingUpdatedEntity
    assert folio.delete(f"/{sample_id}").status_code == 204  # deleteDataSuccess
    assert folio.get(f"/{sample_id}").status_code == 404  # testVerifyEntityDeletion


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_non_existed_id_is_404(folio, method):
    """testFetchEntityWithNonExistedId, testEditEntityWithNonExistedId, testDeleteEntityWithNonExistedId."""
    path = f"/{NON_EXISTED_ID}"
    response = folio.put(path, contact_sample()) if method == "put" else getattr(folio, method)(path)
    assert text(response) == (404, "text/plain", "Not found")


def test_get_entities_with_invalid_cql_query(folio):
    """testGetEntitiesWithInvalidCQLQuery: `?query=invalid-query` -> 400."""
    assert text(folio.get(query={"query": "invalid-query"})) == (
        400, "text/plain", "org.folio.cql2pgjson.exception.QueryValidationException: "
                           "cql.serverChoice requested, but no serverChoiceIndexes defined.")


def test_receive_metadata(folio):
    """testReceiveMetadata: postDataWithUserId -> a `metadata` with the user."""
    metadata = folio.post(contact_sample()).json["metadata"]
    assert metadata["createdByUserId"] == metadata["updatedByUserId"] == USER
    assert metadata["createdDate"] == metadata["updatedDate"]
