"""Ported from mod-organizations-storage's sample data `src/main/resources/data/contacts-1.1.0/*.json`
(13 records) and reference data `src/main/resources/data/privileged-contacts-5.0.0/*.json` (2), with the
counts `src/test/java/org/folio/rest/utils/TestEntities.java` and
`src/test/java/org/folio/rest/impl/TenantSampleDataTest.java` expect (CONTACT 13, PRIVILEGED_CONTACT 2).

RMB's tenant loading (`TenantLoading`) sends each file through the API: PUT by id, and POST on 404.
Every record must come back exactly as sent (trailing blanks, `""` values, category order), with
`metadata` set by the server.
"""
from __future__ import annotations

import pytest

from .support import USER, data_file, sample_files

SAMPLES = sample_files("mos-contacts-1.1.0")
PRIVILEGED = sample_files("mos-privileged-contacts-5.0.0")


def _load(folio, name: str) -> dict:
    record = data_file(name)
    r = folio.put(f"/{record['id']}", record)
    assert r.status_code == 404  # TenantLoading: PUT first, POST on 404
    r = folio.post(record)
    assert r.status_code == 201, (name, r.data)
    assert r.headers["Location"] == record["id"]
    return r.json


def _expected(record: dict) -> dict:
    """The record as the POJO writes it back: `categories` everywhere, `inactive`, no metadata."""
    out = {key: value for key, value in record.items() if key != "metadata"}
    out.setdefault("categories", [])
    out.setdefault("inactive", False)
    for kind in ("phoneNumbers", "emails", "addresses", "urls"):
        out[kind] = [{**item, "categories": item.get("categories", [])} for item in record.get(kind, [])]
    return out


def test_the_sample_data_loads_and_counts_13(folio):
    for name in SAMPLES:
        _load(folio, name)
    assert len(SAMPLES) == 13
    assert folio.get(query={"limit": 0}).json == {"contacts": [], "totalRecords": 13}


@pytest.mark.parametrize("name", SAMPLES + PRIVILEGED, ids=lambda name: name.rsplit("/", 1)[-1])
def test_each_record_round_trips_exactly(folio, name):
    record = data_file(name)
    created = _load(folio, name)
    got = folio.get(f"/{record['id']}").json
    assert got == created
    assert {key: value for key, value in got.items() if key != "metadata"} == _expected(record)
    # the server's metadata, not the file's (privileged samples carry one)
    assert got["metadata"]["createdByUserId"] == USER
    if "metadata" in record:
        assert got["metadata"]["createdDate"] != record["metadata"]["createdDate"]
    # what the UI does: PUT the record it got back -> 204, nothing changes
    assert folio.put(f"/{record['id']}", got).status_code == 204
    again = folio.get(f"/{record['id']}").json
    assert {k: v for k, v in again.items() if k != "metadata"} == {k: v for k, v in got.items() if k != "metadata"}


def test_the_reference_data_counts_2(folio):
    for name in PRIVILEGED:
        _load(folio, name)
    assert folio.count() == len(PRIVILEGED) == 2


def test_values_kept_as_sent(folio):
    """Points the samples exercise: trailing blanks, `""`, non-ASCII, category order, no phone type."""
    for name in SAMPLES:
        _load(folio, name)
    mgnp = folio.get("/f0fb6130-cdf1-11e8-a8d5-f2801f1b9fd1").json
    assert (mgnp["firstName"], mgnp["lastName"]) == ("Siouxsie", "Sioux ")
    susan = folio.get("/15fb695a-cdf1-11e8-a8d5-f2801f1b9fd1").json
    assert (susan["prefix"], susan["notes"], susan["addresses"][0]["stateRegion"]) == ("", "", "")
    assert susan["addresses"][0]["addressLine1"] == "RUA VISCONDE DE CARAVELAS, Nº 17"
    assert susan["categories"] == ["f52ceea4-8e35-404b-9ebd-5c7db6613195", "ab760714-4185-4859-b0dd-3e72f01c5c52",
                                   "28f1af24-e88f-45c9-8b65-8091afe4e799", "cbfaec07-5df1-4197-bfa5-1bc91f9073cf"]
    assert "type" not in susan["phoneNumbers"][0]
