"""OSID contacts and addresses through HTTP: CRUD, ids, genus/record types, queries, dates."""
from __future__ import annotations

import re

import pytest

from tests.osid.client import DEFAULT_BOOK, JSON, enc, item_uri, osid  # noqa: F401

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CONTACT_ID = re.compile(rf"^contact\.Contact:{UUID}@localhost$")
ADDRESS_ID = re.compile(rf"^contact\.Address:{UUID}@localhost$")
REF = "resource.Resource:504@base.url"


# ---------------------------------------------------------------- addresses

def test_create_address_answers_201_with_the_object(osid):
    r = osid.post("/addresses", {"displayName": "Tom's mail", "description": "work",
                                 "resourceId": "resource.Resource:2792@base.url",
                                 "addressText": "tom@earth.com"})
    body = osid.ok(r, 201)
    assert ADDRESS_ID.match(body["id"])
    assert body == {
        "id": body["id"],
        "uri": item_uri("addresses", body["id"]),
        "displayName": "Tom's mail",
        "description": "work",
        "genusTypeId": "type.Type:defaultAddressType@localhost",
        "recordTypeIds": [],
        "resourceId": "resource.Resource:2792@base.url",
        "addressText": "tom@earth.com",
    }
    assert r.headers["ETag"] == '"oa1"'
    assert r.headers["Location"] == body["uri"]


def test_address_get_put_delete(osid):
    address = osid.address(addressText="a@b.c")
    path = "/addresses/" + enc(address["id"])
    r = osid.get(path)
    assert osid.ok(r) == address
    assert r.headers["ETag"] == '"oa1"'

    r = osid.put(path, {"displayName": "Home", "resourceId": None})
    assert osid.ok(r) == {"message": "The address has been updated"}
    after = osid.ok(osid.get(path))
    assert after == {**address, "displayName": "Home", "resourceId": None}
    assert osid.get(path).headers["ETag"] == '"oa2"'

    assert osid.ok(osid.delete(path)) == {"message": "The address has been deleted"}
    r = osid.get(path)
    assert r.status_code == 404
    assert r.json == {"message": "address not found"}


def test_uri_of_an_object_is_its_own_url_on_this_server(osid):
    address = osid.address()
    uri = address["uri"]
    assert uri.startswith("http://localhost/contact/addresses/contact.Address%3A")
    r = osid.client.get(uri.removeprefix("http://localhost"), headers=osid.auth)
    assert r.status_code == 200 and r.json["id"] == address["id"]


def test_unencoded_ids_in_paths_work_too(osid):
    address = osid.address()
    assert osid.ok(osid.get("/addresses/" + address["id"]))["id"] == address["id"]


def test_genus_type_from_query_parameter_and_immutable_afterwards(osid):
    address = osid.address(params={"genusType": "type.Type:email@dxtera.org"})
    assert address["genusTypeId"] == "type.Type:email@dxtera.org"
    path = "/addresses/" + enc(address["id"])
    r = osid.put(path, {"genusTypeId": "type.Type:phone@dxtera.org"})
    assert r.status_code == 400
    assert r.json == {"message": "genusTypeId is read-only: it cannot be changed"}
    assert osid.ok(osid.get(path))["genusTypeId"] == "type.Type:email@dxtera.org"
    # Sending back the object as read (same genus, id, uri) is fine.
    assert osid.put(path, {**address, "displayName": "New"}).status_code == 200
    assert osid.ok(osid.get(path))["displayName"] == "New"


def test_genus_type_id_parameter_is_an_alias_of_genus_type(osid):
    address = osid.address(params={"genusTypeId": "type.Type:phone@dxtera.org"})
    assert address["genusTypeId"] == "type.Type:phone@dxtera.org"
    r = osid.post("/addresses", {"displayName": "x"},
                  {"genusType": "type.Type:a@x.org", "genusTypeId": "type.Type:b@x.org"})
    assert r.status_code == 400
    assert r.json == {"message": "genusType and genusTypeId name different types; send one"}


def test_record_types_repeated_or_as_json_array(osid):
    a = osid.address(params=[("recordType", "type.Type:r1@campusapi.org"),
                             ("recordType", "type.Type:r2@campusapi.org")])
    assert a["recordTypeIds"] == ["type.Type:r1@campusapi.org", "type.Type:r2@campusapi.org"]
    b = osid.address(params={"recordType": '["type.Type:r2@campusapi.org"]'})
    assert b["recordTypeIds"] == ["type.Type:r2@campusapi.org"]
    assert osid.ids("/addresses", {"recordTypeId": "type.Type:r2@campusapi.org"}) == [a["id"], b["id"]]
    assert osid.ids("/addresses", {"recordTypeId": "type.Type:r1@CAMPUSAPI.org"}) == [a["id"]]
    assert osid.ids("/addresses", {"recordTypeId": "type.Type:R1@campusapi.org"}) == []


def test_read_only_fields_on_create_are_refused(osid):
    r = osid.post("/addresses", {"displayName": "x", "id": "contact.Address:1@localhost"})
    assert r.status_code == 400
    assert r.json == {"message": "id is read-only: it is provided by the system"}
    r = osid.post("/addresses", {"displayName": "x", "genusTypeId": "type.Type:email@x.org"})
    assert r.status_code == 400
    assert r.json == {"message": "genusTypeId is read-only: set it with the genusType query parameter"}
    assert osid.ids("/addresses") == []


@pytest.mark.parametrize("body, message", [
    ({}, "displayName: Missing data for required field."),
    ({"displayName": ""}, "displayName: Length must be between 1 and 128."),
    ({"displayName": "x" * 129}, "displayName: Length must be between 1 and 128."),
    ({"displayName": 5}, "displayName: Not a valid string."),
    ({"displayName": None}, "displayName: Field may not be null."),
    ({"displayName": "x", "description": "d" * 129}, "description: Length must be between 0 and 128."),
    ({"displayName": "x", "resourceId": "r1"},
     "resourceId: Not a valid OSID Id: expected namespace:identifier@authority "
     "(at most 1024 characters, no spaces)."),
    ({"displayName": "x", "color": "red"}, "color: Unknown field."),
])
def test_bad_address_bodies_answer_400_naming_the_field(osid, body, message):
    r = osid.post("/addresses", body)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == JSON
    assert r.json == {"message": message}
    assert osid.ids("/addresses") == []


def test_malformed_json_and_non_object_bodies(osid):
    r = osid.client.post("/contact/addresses", data="{", content_type="application/json", headers=osid.auth)
    assert r.status_code == 400
    assert r.json["message"].startswith("Malformed JSON in request body")
    r = osid.post("/addresses", ["x"])
    assert r.status_code == 400
    assert r.json == {"message": "Request body must be a JSON object, not array"}


def test_address_filters(osid):
    a = osid.address(resourceId="resource.Resource:1@x.org", params={"genusType": "type.Type:email@x.org"})
    b = osid.address(resourceId="resource.Resource:2@x.org")
    assert osid.ids("/addresses") == [a["id"], b["id"]]
    assert osid.ids("/addresses", {"resourceId": "RESOURCE.Resource:1@X.ORG"}) == [a["id"]]
    assert osid.ids("/addresses", {"genusTypeId": "type.Type:email@x.org"}) == [a["id"]]
    assert osid.ids("/addresses", {"parentGenusTypeId": "type.Type:email@x.org"}) == [a["id"]]
    assert osid.ids("/addresses", {"genusTypeId": "type.Type:defaultAddressType@localhost"}) == [b["id"]]
    assert osid.ids("/addresses", {"addressBookId": DEFAULT_BOOK}) == [a["id"], b["id"]]
    assert osid.ids("/addresses", {"addressBookId": "contact.AddressBook:nope@localhost"}) == []


def test_delete_address_referenced_by_a_contact_is_409_and_keeps_it(osid):
    address = osid.address()
    contact = osid.contact(address["id"])
    path = "/addresses/" + enc(address["id"])
    r = osid.delete(path)
    assert r.status_code == 409
    assert r.json == {"message": "The address is referenced by 1 contact(s); delete those contacts first"}
    assert osid.get(path).status_code == 200
    osid.ok(osid.delete("/contacts/" + enc(contact["id"])))
    assert osid.ok(osid.delete(path)) == {"message": "The address has been deleted"}


# ---------------------------------------------------------------- contacts

def test_create_contact_answers_201_with_every_field(osid):
    address = osid.address()
    r = osid.post("/contacts", {
        "displayName": "Display Name of this Contact", "description": "The description",
        "startDate": "2020-10-03T06:30:00.000Z", "endDate": "2020-12-18T19:30:00.000Z",
        "endReasonId": "process.State:2008@base.url", "addresseeId": "resource.Resource:8170@base.url",
    }, {"addressId": address["id"], "referenceId": "id.Id:5016@base.url",
        "recordType": "type.Type:exampleContactRecordType@campusapi.org"})
    body = osid.ok(r, 201)
    assert CONTACT_ID.match(body["id"])
    assert list(body) == ["id", "uri", "displayName", "description", "genusTypeId", "recordTypeIds",
                          "startDate", "endDate", "endReasonId", "addressId", "referenceId", "addresseeId"]
    assert body == {
        "id": body["id"],
        "uri": item_uri("contacts", body["id"]),
        "displayName": "Display Name of this Contact",
        "description": "The description",
        "genusTypeId": "type.Type:defaultContactType@localhost",
        "recordTypeIds": ["type.Type:exampleContactRecordType@campusapi.org"],
        "startDate": "2020-10-03T06:30:00.000Z",
        "endDate": "2020-12-18T19:30:00.000Z",
        "endReasonId": "process.State:2008@base.url",
        "addressId": address["id"],
        "referenceId": "id.Id:5016@base.url",
        "addresseeId": "resource.Resource:8170@base.url",
    }
    assert r.headers["ETag"] == '"oc1"'
    assert osid.ok(osid.get("/contacts/" + enc(body["id"]))) == body


def test_contact_dates_are_normalised_to_utc_milliseconds(osid):
    address = osid.address()
    c = osid.contact(address["id"], startDate="2020-10-03T08:30:00.123456+02:00", endDate="2020-12-18")
    assert c["startDate"] == "2020-10-03T06:30:00.123Z"
    assert c["endDate"] == "2020-12-18T00:00:00.000Z"


@pytest.mark.parametrize("params, message", [
    ({"referenceId": REF}, "addressId: Missing data for required field."),
    ({"addressId": "contact.Address:x@localhost"}, "referenceId: Missing data for required field."),
    ({"addressId": "contact.Address:nope@localhost", "referenceId": REF},
     "addressId: address contact.Address:nope@localhost not found"),
    ({"addressId": "nonsense", "referenceId": REF},
     "addressId: Not a valid OSID Id: expected namespace:identifier@authority "
     "(at most 1024 characters, no spaces)."),
])
def test_create_contact_query_parameter_errors(osid, params, message):
    r = osid.post("/contacts", {"displayName": "x"}, params)
    assert r.status_code == 400
    assert r.json == {"message": message}
    assert osid.ids("/contacts") == []


def test_create_contact_in_unknown_book_is_400(osid):
    address = osid.address()
    r = osid.post("/contacts", {"displayName": "x"}, {"addressId": address["id"], "referenceId": REF,
                                                      "addressBookId": "contact.AddressBook:zz@localhost"})
    assert r.status_code == 400
    assert r.json == {"message": "addressBookId: address book contact.AddressBook:zz@localhost not found"}


def test_contact_address_and_reference_are_read_only(osid):
    address, other = osid.address(), osid.address()
    contact = osid.contact(address["id"])
    path = "/contacts/" + enc(contact["id"])
    r = osid.put(path, {"addressId": other["id"]})
    assert r.status_code == 400
    assert r.json == {"message": "addressId is read-only: it cannot be changed"}
    r = osid.put(path, {"referenceId": "id.Id:other@x"})
    assert r.status_code == 400
    assert r.json == {"message": "referenceId is read-only: it cannot be changed"}
    # The same values (Id equality: namespace and authority are case-insensitive) pass.
    same_ref = "RESOURCE.RESOURCE:504@BASE.URL"
    assert osid.put(path, {"addressId": address["id"], "referenceId": same_ref}).status_code == 200
    assert osid.ok(osid.get(path))["referenceId"] == REF


def test_put_contact_changes_given_fields_and_clears_nulls(osid):
    address = osid.address()
    contact = osid.contact(address["id"], description="d", addresseeId="resource.Resource:1@x",
                           startDate="2020-01-01T00:00:00Z")
    path = "/contacts/" + enc(contact["id"])
    r = osid.put(path, {"displayName": "Renamed", "addresseeId": None, "description": None})
    assert osid.ok(r) == {"message": "The contact has been updated"}
    assert osid.ok(osid.get(path)) == {**contact, "displayName": "Renamed", "addresseeId": None,
                                       "description": ""}


def test_contact_end_before_start_is_400(osid):
    address = osid.address()
    r = osid.post("/contacts", {"displayName": "x", "startDate": "2020-02-01", "endDate": "2020-01-01"},
                  {"addressId": address["id"], "referenceId": REF})
    assert r.status_code == 400
    assert r.json == {"message": "endDate must not be before startDate"}
    contact = osid.contact(address["id"], startDate="2020-02-01")
    r = osid.put("/contacts/" + enc(contact["id"]), {"endDate": "2020-01-31T23:59:59Z"})
    assert r.status_code == 400
    assert r.json == {"message": "endDate must not be before startDate"}


def test_bad_contact_date_is_400(osid):
    address = osid.address()
    r = osid.post("/contacts", {"displayName": "x", "startDate": "yesterday"},
                  {"addressId": address["id"], "referenceId": REF})
    assert r.status_code == 400
    assert r.json == {"message": "startDate: Not a valid date-time: expected ISO 8601, "
                                 "e.g. 2020-10-03T06:30:00.000Z."}


def test_delete_contact(osid):
    contact = osid.contact(osid.address()["id"])
    path = "/contacts/" + enc(contact["id"])
    assert osid.ok(osid.delete(path)) == {"message": "The contact has been deleted"}
    r = osid.get(path)
    assert r.status_code == 404 and r.json == {"message": "contact not found"}
    r = osid.delete(path)
    assert r.status_code == 404 and r.json == {"message": "contact not found"}
    r = osid.put(path, {"displayName": "x"})
    assert r.status_code == 404 and r.json == {"message": "contact not found"}


def test_if_match(osid):
    contact = osid.contact(osid.address()["id"])
    path = "/contacts/" + enc(contact["id"])
    r = osid.put(path, {"displayName": "a"}, headers={"If-Match": '"oc2"'})
    assert r.status_code == 412
    assert r.json == {"message": "If-Match does not match the current version"}
    assert osid.put(path, {"displayName": "a"}, headers={"If-Match": '"oc1"'}).status_code == 200
    assert osid.delete(path, headers={"If-Match": '"oc1"'}).status_code == 412
    assert osid.delete(path, headers={"If-Match": '"oc2"'}).status_code == 200


def test_contact_filters(osid):
    a1, a2 = osid.address(), osid.address()
    c1 = osid.contact(a1["id"], "id.Id:1@x.org", params={"genusType": "type.Type:work@x.org"})
    c2 = osid.contact(a2["id"], "id.Id:2@x.org")
    c3 = osid.contact(a1["id"], "id.Id:2@x.org")
    assert osid.ids("/contacts") == [c1["id"], c2["id"], c3["id"]]
    assert osid.ids("/contacts", {"addressId": a1["id"]}) == [c1["id"], c3["id"]]
    assert osid.ids("/contacts", {"addressId": "contact.Address:gone@localhost"}) == []
    assert osid.ids("/contacts", {"referenceId": "ID.ID:2@X.ORG"}) == [c2["id"], c3["id"]]
    assert osid.ids("/contacts", {"referenceId": "id.Id:2@x.org", "addressId": a2["id"]}) == [c2["id"]]
    assert osid.ids("/contacts", {"genusTypeId": "type.Type:work@x.org"}) == [c1["id"]]
    assert osid.ids("/contacts", {"addressBookId": DEFAULT_BOOK}) == [c1["id"], c2["id"], c3["id"]]


def test_offset_and_limit(osid):
    address = osid.address()
    made = [osid.contact(address["id"], displayName=f"c{i}")["id"] for i in range(12)]
    assert osid.ids("/contacts") == made[:10]  # default limit 10
    assert osid.ids("/contacts", {"offset": 10}) == made[10:]
    assert osid.ids("/contacts", {"offset": 3, "limit": 2}) == made[3:5]
    assert osid.ids("/contacts", {"limit": 0}) == []


@pytest.mark.parametrize("params, message", [
    ({"limit": "x"}, "limit: Not a valid integer."),
    ({"limit": 1001}, "limit: Must be between 0 and 1000."),
    ({"offset": -1}, "offset: Must be a non-negative integer (at most 2^62)."),
    ({"fromDate": "tomorrow"}, "fromDate: Not a valid date: expected YYYY-MM-DD or an ISO 8601 date-time."),
    ({"fromDate": "2020-12-19", "toDate": "2020-12-18"}, "fromDate must not be after toDate"),
    ({"genusTypeId": "plain"}, "genusTypeId: Not a valid OSID Id: expected namespace:identifier@authority "
                               "(at most 1024 characters, no spaces)."),
])
def test_bad_list_parameters_are_400(osid, params, message):
    r = osid.get("/contacts", params)
    assert r.status_code == 400
    assert r.json == {"message": message}


# ---------------------------------------------------------------- effective dates

@pytest.fixture
def dated(osid):
    """Contacts with various effective periods, by name."""
    address = osid.address()
    periods = {
        "spec": ("2020-10-03T06:30:00.000Z", "2020-12-18T19:30:00.000Z"),  # the spec's example
        "late_start": ("2020-10-04T00:00:00Z", "2021-01-01T00:00:00Z"),
        "early_end": ("2020-01-01T00:00:00Z", "2020-12-17T23:59:59Z"),
        "open_start": (None, "2021-06-01T00:00:00Z"),
        "open_end": ("2020-06-01T00:00:00Z", None),
        "open": (None, None),
    }
    made = {}
    for name, (start, end) in periods.items():
        made[osid.contact(address["id"], displayName=name, startDate=start, endDate=end)["id"]] = name
    return made


def names(osid, made, params) -> list[str]:
    return [made[i] for i in osid.ids("/contacts", {**params, "limit": 100})]


def test_date_range_selects_contacts_effective_over_the_whole_range(osid, dated):
    got = names(osid, dated, {"fromDate": "2020-10-03", "toDate": "2020-12-18"})
    assert got == ["spec", "open_start", "open_end", "open"]


def test_date_range_excludes_partial_overlaps(osid, dated):
    got = names(osid, dated, {"fromDate": "2020-09-01", "toDate": "2020-12-31"})
    assert got == ["open_start", "open_end", "open"]


def test_date_bounds_with_times_are_exact_instants(osid, dated):
    assert "spec" in names(osid, dated, {"fromDate": "2020-10-03T06:30:00Z", "toDate": "2020-12-18T19:30:00Z"})
    assert "spec" not in names(osid, dated, {"fromDate": "2020-10-03T06:29:59Z",
                                             "toDate": "2020-12-18T19:30:00Z"})
    assert "spec" not in names(osid, dated, {"fromDate": "2020-10-03T06:30:00Z",
                                             "toDate": "2020-12-18T19:30:00.001Z"})


def test_single_date_means_effective_on_that_date(osid, dated):
    assert names(osid, dated, {"fromDate": "2020-12-18"}) == ["spec", "late_start", "open_start", "open_end",
                                                              "open"]
    assert names(osid, dated, {"toDate": "2020-05-01"}) == ["early_end", "open_start", "open"]


def test_create_body_may_repeat_what_the_query_sets(osid):
    address = osid.address()
    contact = osid.contact(address["id"], addressId=address["id"], referenceId=REF,
                           genusTypeId="type.Type:defaultContactType@localhost", recordTypeIds=[])
    assert contact["addressId"] == address["id"]
    r = osid.post("/contacts", {"displayName": "x", "referenceId": "id.Id:other@x"},
                  {"addressId": address["id"], "referenceId": REF})
    assert r.status_code == 400
    assert r.json == {"message": "referenceId is read-only: set it with the referenceId query parameter"}


def test_bad_record_type_parameter_is_400(osid):
    r = osid.post("/addresses", {"displayName": "x"}, [("recordType", "type.Type:ok@x"), ("recordType", "bad")])
    assert r.status_code == 400
    assert r.json == {"message": "recordType[1]: Not a valid OSID Id: expected namespace:identifier@authority "
                                 "(at most 1024 characters, no spaces)."}
    r = osid.post("/addresses", {"displayName": "x"}, {"recordType": "[not json"})
    assert r.status_code == 400
    assert r.json == {"message": "recordType: Not a valid JSON array of type Ids."}
