"""FOLIO organizations-storage contacts over HTTP: CRUD, headers, defaults and error texts."""
from __future__ import annotations

import base64
import json
import os

import pytest

PREFIX = "/organizations-storage/contacts"
USER = "28d0fb04-d137-11e8-a8d5-f2801f1b9fd1"
OTHER_USER = "11111111-2222-4333-8444-555555555555"
UUID_RULE = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
CAT = "0e3f9680-ab06-4565-af64-609b7364e6eb"
SAMPLE = {
    "prefix": "Director", "firstName": "Nick", "lastName": "Fury", "language": "en-us",
    "notes": "SHIELD's Big Kahuna", "inactive": False,
    "phoneNumbers": [{"phoneNumber": "19789999999", "categories": [CAT], "language": "en-us",
                      "type": "Office", "isPrimary": True}],
    "emails": [{"value": "noreply@folio.org", "description": "Main", "categories": [], "language": "en-us"}],
    "addresses": [{"addressLine1": "10 Estes Street", "addressLine2": "", "city": "Ipswich", "stateRegion": "MA",
                   "zipCode": "01938", "country": "USA", "categories": [CAT], "language": "en"}],
    "urls": [{"value": "http://folio.org", "description": "", "language": "en-us", "categories": [],
              "notes": ""}],
    "categories": [CAT],
}


@pytest.fixture
def h(auth):
    return {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-User-Id": USER}


def _post(client, h, body, **extra):
    return client.post(PREFIX, json=body, headers={**h, **extra})


def _without_meta(record):
    return {k: v for k, v in record.items() if k not in ("id", "metadata")}


def test_empty_collection(client, h):
    r = client.get(PREFIX, headers=h)
    assert (r.status_code, r.headers["Content-Type"], r.json) == (200, "application/json",
                                                                   {"contacts": [], "totalRecords": 0})


def test_post_round_trips_the_record_and_sets_location_and_metadata(client, h):
    r = _post(client, h, SAMPLE)
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "application/json"
    body = r.json
    assert r.headers["Location"] == body["id"]
    assert _without_meta(body) == SAMPLE
    meta = body["metadata"]
    assert meta["createdByUserId"] == meta["updatedByUserId"] == USER
    assert meta["createdDate"] == meta["updatedDate"] and meta["createdDate"].endswith("+00:00")
    got = client.get(f"{PREFIX}/{body['id']}", headers=h)
    assert (got.status_code, got.json) == (200, body)


def test_post_defaults_arrays_and_inactive(client, h):
    r = _post(client, h, {"firstName": "a", "lastName": "b"}, **{"X-Okapi-User-Id": ""})
    assert r.status_code == 201
    body = r.json
    assert {k: body[k] for k in ("phoneNumbers", "emails", "addresses", "urls", "categories", "inactive")} == {
        "phoneNumbers": [], "emails": [], "addresses": [], "urls": [], "categories": [], "inactive": False}
    assert "prefix" not in body and "notes" not in body
    assert set(body["metadata"]) == {"createdDate", "updatedDate"}


def test_post_with_id_then_duplicate_is_422(client, h):
    contact_id = "bad500aa-aaaa-500a-aaaa-aaaaaaaaaaab"
    assert _post(client, h, {"id": contact_id, "firstName": "a", "lastName": "b"}).status_code == 201
    r = _post(client, h, {"id": contact_id, "firstName": "c", "lastName": "d"})
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/json"
    assert r.json == {"errors": [{"message": f"id value already exists in table contacts: {contact_id}",
                                  "type": "1", "code": "-1", "parameters": [{"key": "id", "value": contact_id}]}]}
    assert client.get(f"{PREFIX}/{contact_id}", headers=h).json["firstName"] == "a"


def test_duplicate_id_with_a_new_category_makes_no_group(client, h):
    # The taken id is found as the card is inserted, after its categories were resolved (an
    # unknown one becomes a group): the refused create undoes that group too.
    from models import ContactGroup

    contact_id = "bad500aa-aaaa-500a-aaaa-aaaaaaaaaac1"
    assert _post(client, h, {"id": contact_id, "firstName": "a", "lastName": "b"}).status_code == 201
    groups_before = ContactGroup.select().count()
    r = _post(client, h, {"id": contact_id, "firstName": "c", "lastName": "d", "categories": ["brand-new-category"]})
    assert r.status_code == 422
    assert r.json["errors"][0]["message"] == f"id value already exists in table contacts: {contact_id}"
    assert ContactGroup.select().count() == groups_before
    assert not ContactGroup.select().where(ContactGroup.code == "brand-new-category").exists()


@pytest.mark.parametrize("body, errors", [
    ({"lastName": "X"}, [("must not be null", "jakarta.validation.constraints.NotNull.message", "firstName", "null")]),
    ({"firstName": None, "lastName": "X"},
     [("must not be null", "jakarta.validation.constraints.NotNull.message", "firstName", "null")]),
    ({}, [("must not be null", "jakarta.validation.constraints.NotNull.message", "firstName", "null"),
          ("must not be null", "jakarta.validation.constraints.NotNull.message", "lastName", "null")]),
    ({"firstName": "a", "lastName": "b", "phoneNumbers": [{"type": "Mobile"}]},
     [("must not be null", "jakarta.validation.constraints.NotNull.message", "phoneNumbers[0].phoneNumber", "null")]),
    ({"firstName": "a", "lastName": "b", "urls": [{"value": "www.folio.org"}]},
     [('must match "^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)"',
       "jakarta.validation.constraints.Pattern.message", "urls[0].value", "www.folio.org")]),
    ({"id": "abc", "firstName": "a", "lastName": "b"},
     [(f'must match "{UUID_RULE}"', "jakarta.validation.constraints.Pattern.message", "id", "abc")]),
])
def test_post_constraint_violations_are_422(client, h, body, errors):
    r = _post(client, h, body)
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/json"
    assert r.json == {"errors": [{"message": m, "type": "1", "code": c, "parameters": [{"key": k, "value": v}]}
                                 for m, c, k, v in errors]}
    assert client.get(PREFIX, headers=h).json["totalRecords"] == 0


@pytest.mark.parametrize("body, field, cls", [
    ({"firstName": "a", "lastName": "b", "foo": 1}, "foo", "Contact"),
    ({"firstName": "a", "lastName": "b", "emails": [{"email": {"value": "x"}}]}, "email", "Email"),
])
def test_unknown_properties_at_any_depth_are_422(client, h, body, field, cls):
    r = _post(client, h, body)
    assert r.status_code == 422
    error = r.json["errors"][0]
    assert error["message"].startswith(f'Unrecognized field "{field}" (class org.folio.rest.jaxrs.model.{cls}), '
                                       "not marked as ignorable")
    assert (error["type"], error["code"], error["parameters"]) == ("1", "-1", [{"key": "", "value": ""}])


@pytest.mark.parametrize("body, start", [
    ({"firstName": "a", "lastName": "b", "inactive": "yes"},
     'Cannot deserialize value of type `java.lang.Boolean` from String "yes": only "true" or "false" recognized'),
    ({"firstName": {"x": 1}, "lastName": "b"},
     "Cannot deserialize value of type `java.lang.String` from Object value (token `JsonToken.START_OBJECT`)"),
    ({"firstName": "a", "lastName": "b", "emails": {}},
     "Cannot deserialize value of type `java.util.ArrayList<org.folio.rest.jaxrs.model.Email>` from Object value"),
    ({"firstName": "a", "lastName": "b", "phoneNumbers": [{"phoneNumber": "1", "type": "mobile"}]},
     "Cannot construct instance of `org.folio.rest.jaxrs.model.PhoneNumber$Type`, problem: mobile"),
    ({"firstName": "a", "lastName": "b", "phoneNumbers": [{"phoneNumber": "1", "type": "Pager"}]},
     "Cannot construct instance of `org.folio.rest.jaxrs.model.PhoneNumber$Type`, problem: Pager"),
    ([], "Cannot deserialize value of type `org.folio.rest.jaxrs.model.Contact` from Array value"),
])
def test_jackson_type_errors_are_400_text(client, h, body, start):
    r = _post(client, h, body)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "text/plain"
    assert r.get_data(as_text=True).startswith(start)


def test_malformed_and_empty_bodies(client, h):
    r = client.post(PREFIX, data=b'{"firstName":"a",}', headers={**h, "Content-Type": "application/json"})
    assert (r.status_code, r.headers["Content-Type"]) == (400, "text/plain")
    assert r.get_data(as_text=True).startswith(
        "Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n at [Source: ")
    r = client.post(PREFIX, data=b"", headers={**h, "Content-Type": "application/json"})
    assert (r.status_code, r.get_data(as_text=True)) == (400, "HV000116: The object to be validated must not be null.")
    r = client.post(PREFIX, data=b"{}", headers={**h, "Content-Type": "text/plain"})
    assert (r.status_code, r.get_data(as_text=True)) == (
        400, 'Content-type header must be ["application/json"] but it is "text/plain"')


def test_jackson_coercions_are_accepted(client, h):
    r = _post(client, h, {"firstName": 123, "lastName": "b", "inactive": "true", "categories": [CAT.upper()]})
    assert r.status_code == 201
    assert (r.json["firstName"], r.json["inactive"], r.json["categories"]) == ("123", True, [CAT.upper()])
    r = _post(client, h, {"firstName": "a", "lastName": "b", "inactive": 1})
    assert r.json["inactive"] is True


def test_client_metadata_is_ignored(client, h):
    body = {"firstName": "a", "lastName": "b",
            "metadata": {"createdDate": "2000-01-01T00:00:00Z", "createdByUserId": OTHER_USER}}
    r = _post(client, h, body)
    assert r.status_code == 201
    assert r.json["metadata"]["createdByUserId"] == USER
    assert not r.json["metadata"]["createdDate"].startswith("2000")


def test_missing_tenant_is_400_on_every_route(client, auth):
    for method, path in (("get", PREFIX), ("post", PREFIX), ("get", f"{PREFIX}/{CAT}"),
                         ("put", f"{PREFIX}/{CAT}"), ("delete", f"{PREFIX}/{CAT}")):
        r = getattr(client, method)(path, headers=auth, json={"firstName": "a", "lastName": "b"})
        assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (
            400, "text/plain", "Unable to process request Tenant must be set"), (method, path)


def test_no_token_is_401_text(client):
    r = client.get(PREFIX, headers={"X-Okapi-Tenant": "diku"})
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (
        401, "text/plain", "unable to list contacts -- unauthorized")


def test_okapi_token_header_and_missing_scope(client, make_token):
    token = make_token("contacts:read")
    headers = {"X-Okapi-Tenant": "diku", "X-Okapi-Token": token}
    assert client.get(PREFIX, headers=headers).status_code == 200
    r = client.post(PREFIX, json={"firstName": "a", "lastName": "b"}, headers=headers)
    assert (r.status_code, r.get_data(as_text=True)) == (
        403, "Access requires permission: organizations-storage.contacts.item.post")


@pytest.mark.parametrize("params, text", [
    ({"limit": "-3"}, ("\n 'limit' parameter is incorrect. parameter value {-3} is not valid: "
                       "must be greater than or equal to 0")),
    ({"offset": "-1"}, ("\n 'offset' parameter is incorrect. parameter value {-1} is not valid: "
                        "must be greater than or equal to 0")),
    ({"limit": "abc"}, 'For input string: "abc"'),
    ({"limit": "2147483648"}, 'For input string: "2147483648"'),
    ({"limit": ""}, "limit does not have a default value in the RAML and has been passed empty"),
    ({"totalRecords": "foo"}, ("\n 'totalRecords' parameter is incorrect. parameter value {foo} is not valid: "
                               'must match "exact|estimated|none|auto"')),
])
def test_list_parameter_errors(client, h, params, text):
    r = client.get(PREFIX, query_string=params, headers=h)
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (400, "text/plain", text)


def test_paging_defaults_and_total_records(client, h):
    for i in range(17):
        assert _post(client, h, {"firstName": f"f{i}", "lastName": f"l{i}"}).status_code == 201
    body = client.get(PREFIX, headers=h).json
    assert (len(body["contacts"]), body["totalRecords"]) == (10, 17)
    assert [c["firstName"] for c in body["contacts"]] == [f"f{i}" for i in range(10)]
    body = client.get(PREFIX, query_string={"limit": 5, "offset": 15}, headers=h).json
    assert ([c["firstName"] for c in body["contacts"]], body["totalRecords"]) == (["f15", "f16"], 17)
    assert client.get(PREFIX, query_string={"offset": 100}, headers=h).json == {"contacts": [], "totalRecords": 17}
    assert client.get(PREFIX, query_string={"limit": 0}, headers=h).json == {"contacts": [], "totalRecords": 17}
    body = client.get(PREFIX, query_string={"limit": 3, "totalRecords": "none"}, headers=h).json
    assert list(body) == ["contacts"] and len(body["contacts"]) == 3


def test_get_unknown_and_invalid_ids(client, h):
    r = client.get(f"{PREFIX}/bad500aa-aaaa-500a-aaaa-aaaaaaaaaaaa", headers=h)
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (404, "text/plain", "Not found")
    r = client.get(f"{PREFIX}/abc", headers=h)
    assert (r.status_code, r.get_data(as_text=True)) == (
        400, f"\n 'id' parameter is incorrect. parameter value {{abc}} is not valid: must match \"{UUID_RULE}\"")


def test_put_replaces_whole_record_path_id_wins_and_keeps_creation_metadata(client, h):
    created = _post(client, h, SAMPLE).json
    other = "bad500aa-aaaa-500a-aaaa-aaaaaaaaaaac"
    replacement = {"id": other, "firstName": "Nicholas", "lastName": "Fury", "notes": "ABC123",
                   "metadata": created["metadata"]}
    r = client.put(f"{PREFIX}/{created['id']}", json=replacement, headers={**h, "X-Okapi-User-Id": OTHER_USER})
    assert (r.status_code, r.data) == (204, b"")
    got = client.get(f"{PREFIX}/{created['id']}", headers=h).json
    assert _without_meta(got) == {"firstName": "Nicholas", "lastName": "Fury", "notes": "ABC123",
                                  "phoneNumbers": [], "emails": [], "addresses": [], "urls": [],
                                  "categories": [], "inactive": False}
    meta = got["metadata"]
    assert (meta["createdDate"], meta["createdByUserId"]) == (created["metadata"]["createdDate"], USER)
    assert meta["updatedByUserId"] == OTHER_USER and meta["updatedDate"] >= meta["createdDate"]
    assert client.get(f"{PREFIX}/{other}", headers=h).status_code == 404


def test_put_errors(client, h):
    created = _post(client, h, SAMPLE).json
    r = client.put(f"{PREFIX}/{created['id']}", json={"firstName": "x"}, headers=h)
    assert r.status_code == 422 and r.json["errors"][0]["parameters"] == [{"key": "lastName", "value": "null"}]
    r = client.put(f"{PREFIX}/bad500aa-aaaa-500a-aaaa-aaaaaaaaaaaa", json={"firstName": "a", "lastName": "b"},
                   headers=h)
    assert (r.status_code, r.get_data(as_text=True)) == (404, "Not found")
    assert client.get(f"{PREFIX}/{created['id']}", headers=h).json["firstName"] == "Nick"


def test_delete(client, h):
    created = _post(client, h, SAMPLE).json
    r = client.delete(f"{PREFIX}/{created['id']}", headers=h)
    assert (r.status_code, r.data) == (204, b"")
    assert client.get(f"{PREFIX}/{created['id']}", headers=h).status_code == 404
    r = client.delete(f"{PREFIX}/{created['id']}", headers=h)
    assert (r.status_code, r.get_data(as_text=True)) == (404, "Not found")


def test_unknown_route_and_method(client, h):
    r = client.get(f"{PREFIX}/{CAT}/x", headers=h)
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (404, "text/plain", "Not found")
    r = client.patch(f"{PREFIX}/{CAT}", json={}, headers=h)
    assert (r.status_code, r.headers["Content-Type"]) == (405, "text/plain")


@pytest.mark.parametrize("path", ["", "/{id}", "?query=lastName%3DLovelace", "/bad500aa-aaaa-500a-aaaa-aaaaaaaaaaaa"])
def test_head_answers_as_get_without_the_body(client, h, path):
    created = _post(client, h, SAMPLE).json
    url = PREFIX + path.format(id=created["id"])
    got, head = client.get(url, headers=h), client.head(url, headers=h)
    assert (head.status_code, head.data) == (got.status_code, b"")
    assert (head.headers["Content-Type"], head.headers["Content-Length"]) == (
        got.headers["Content-Type"], str(len(got.data)))


# ---------------------------------------------------------------- cross-dialect

def test_card_from_incoplax_appears_with_parsed_names_and_phones(client, h, auth):
    r = client.post("/rest/v1/addressbook/contacts",
                    json={"displayname": "Dr. Jane Quincy Public Jr.", "number": "5551234", "mobile": "5559999",
                          "email": "jane@example.org"}, headers=auth)
    assert r.status_code == 200, r.data
    record = client.get(f"{PREFIX}/{r.json['id']}", headers=h).json
    assert (record["prefix"], record["firstName"], record["lastName"]) == ("Dr.", "Jane", "Public")
    assert [(p["phoneNumber"], p.get("type")) for p in record["phoneNumbers"]] == [
        ("5551234", "Office"), ("5559999", "Mobile")]
    assert [e["value"] for e in record["emails"]] == ["jane@example.org"]
    # a FOLIO PUT of the same view keeps what only Incoplax knows (middle name, suffix, slots)
    record.pop("metadata")
    assert client.put(f"{PREFIX}/{record['id']}", json=record, headers=h).status_code == 204
    incoplax = client.get(f"/rest/v1/addressbook/contacts/{record['id']}", headers=auth).json
    assert (incoplax["displayname"], incoplax["number"], incoplax["mobile"]) == (
        "Dr. Jane Quincy Public Jr.", "5551234", "5559999")


def test_folio_write_is_visible_to_incoplax(client, h, auth):
    created = _post(client, h, SAMPLE).json
    incoplax = client.get(f"/rest/v1/addressbook/contacts/{created['id']}", headers=auth).json
    assert (incoplax["displayname"], incoplax["number"], incoplax["email"]) == (
        "Director Nick Fury", "19789999999", "noreply@folio.org")
    assert incoplax["opts"]["groups"] == [CAT]


# ---------------------------------------------------------------- regressions found by the OpenAPI fuzz

JACKSON_AT = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]"


@pytest.mark.parametrize("raw, shown", [(b"1180591620717411303424", "1180591620717411303424"),
                                        (b"2147483648", "2147483648"), (b"-2147483649", "-2147483649")])
def test_version_outside_java_int_is_400_not_500(client, h, raw, shown):
    """`_version` is a java.lang.Integer: a larger number was stored, then failed to serialize (500)."""
    body = b'{"firstName": "a", "lastName": "b", "_version": ' + raw + b"}"
    r = client.post(PREFIX, data=body, headers={**h, "Content-Type": "application/json"})
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (
        400, "text/plain", f"Numeric value ({shown}) out of range of int (-2147483648 - 2147483647)" + JACKSON_AT
        + ' (through reference chain: org.folio.rest.jaxrs.model.Contact["_version"])')
    assert client.get(PREFIX, headers=h).json == {"contacts": [], "totalRecords": 0}


def test_version_at_java_int_limits_is_kept(client, h):
    r = _post(client, h, {"firstName": "a", "lastName": "b", "_version": 2**31 - 1})
    assert (r.status_code, r.json["_version"]) == (201, 2**31 - 1)


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udc00"])
def test_unpaired_surrogate_is_400_not_500(client, h, escape):
    body = b'{"firstName": "a' + escape + b'", "lastName": "b"}'
    r = client.post(PREFIX, data=body, headers={**h, "Content-Type": "application/json"})
    code = escape.decode()[1:]
    assert (r.status_code, r.headers["Content-Type"], r.get_data(as_text=True)) == (
        400, "text/plain", f"Invalid JSON string: unpaired UTF-16 surrogate (\\{code}) cannot be stored" + JACKSON_AT)
    assert client.get(PREFIX, headers=h).json == {"contacts": [], "totalRecords": 0}


def test_paired_surrogates_are_one_character(client, h):
    body = b'{"firstName": "a\\ud83d\\ude00", "lastName": "b"}'
    r = client.post(PREFIX, data=body, headers={**h, "Content-Type": "application/json"})
    assert (r.status_code, r.json["firstName"]) == (201, "a\U0001F600")


def test_category_named_like_an_incoplax_group_code_is_not_a_conflict(client, h, auth):
    """FOLIO never answers 409: a category id equal to another group's code still becomes a group."""
    group = client.post("/rest/v1/addressbook/contactgroups", headers=auth, json={"name": "Team", "code": "team"})
    assert group.status_code == 200
    r = _post(client, h, {"firstName": "a", "lastName": "b", "categories": ["team"]})
    assert (r.status_code, r.json["categories"]) == (201, ["team"])
    again = _post(client, h, {"firstName": "c", "lastName": "d", "categories": ["team"]})
    assert (again.status_code, again.json["categories"]) == (201, ["team"])
    groups = client.get("/rest/v1/addressbook/contactgroups", headers=auth).json
    assert [g["id"] for g in groups if g["code"] == "team"] == [group.json["id"]]
    assert [(g["name"], g["code"] != "team") for g in groups if g["id"] == "team"] == [("team", True)]


@pytest.mark.parametrize("claim", [5, {"a": 1}, ["x"], True, ""])
def test_non_string_user_id_claim_is_ignored(client, auth, claim):
    """The JWT's `user_id` is read as a string claim; anything else is no user, not its Python repr."""
    payload = base64.urlsafe_b64encode(json.dumps({"user_id": claim}).encode()).decode().rstrip("=")
    headers = {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-Token": f"x.{payload}.y"}
    r = client.post(PREFIX, json={"firstName": "a", "lastName": "b"}, headers=headers)
    assert r.status_code == 201
    assert sorted(r.json["metadata"]) == ["createdDate", "updatedDate"]


def test_string_user_id_claim_is_the_metadata_user(client, auth):
    payload = base64.urlsafe_b64encode(json.dumps({"user_id": OTHER_USER}).encode()).decode().rstrip("=")
    headers = {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-Token": f"x.{payload}.y"}
    r = client.post(PREFIX, json={"firstName": "a", "lastName": "b"}, headers=headers)
    assert r.json["metadata"]["createdByUserId"] == r.json["metadata"]["updatedByUserId"] == OTHER_USER


def test_category_id_longer_than_a_group_id_is_kept_verbatim(client, auth):
    # RMB stores categories as any strings; one longer than a group id (64) maps to no group.
    body = {"firstName": "Long", "lastName": "Category", "categories": ["c" * 65, "ABC", "abc"]}
    response = client.post(PREFIX, json=body, headers={**auth, "X-Okapi-Tenant": "diku"})
    assert response.status_code == 201
    assert response.get_json()["categories"] == ["c" * 65, "ABC", "abc"]
    groups = client.get("/rest/v1/addressbook/contactgroups", headers=auth).get_json()
    assert [group["id"] for group in groups] == ["abc"]


@pytest.mark.skipif(bool(os.environ.get("CONTACTS_TEST_DATABASE_URL")),
                    reason="group commit is SQLite's (PostgreSQL commits each create on its own)")
def test_folio_posts_waiting_together_share_one_commit(app, h, monkeypatch):
    # FOLIO creates take the same grouped commit as every other door's creates: POSTs queued
    # while another thread holds the writer lock are committed by one leader, in one
    # transaction, and each still gets its own 201 (a taken id alone gets its 422).
    from models import writer
    from tests.writer_support import queued_while_writer_held

    existing = _post(app.test_client(), h, dict(SAMPLE, firstName="Taken")).get_json()["id"]
    batches = []
    real_commit = writer._commit_group
    monkeypatch.setattr(writer, "_commit_group", lambda batch: (batches.append(len(batch)), real_commit(batch)))
    answers = {}

    def create(i):
        body = dict(SAMPLE, firstName=f"Grouped{i}")
        if i == 2:
            body["id"] = existing
        answers[i] = _post(app.test_client(), h, body)

    queued_while_writer_held(create, 4)
    assert batches == [4]
    assert {i: r.status_code for i, r in answers.items()} == {0: 201, 1: 201, 2: 422, 3: 201}
    assert answers[2].get_json()["errors"][0]["message"] == f"id value already exists in table contacts: {existing}"
    for i in (0, 1, 3):
        stored = app.test_client().get(f"{PREFIX}/{answers[i].get_json()['id']}", headers=h)
        assert stored.status_code == 200 and stored.get_json()["firstName"] == f"Grouped{i}"
