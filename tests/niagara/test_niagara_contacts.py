"""Niagara contacts through HTTP: HAL wire format, problem+json errors, lock, ETags, cross-dialect."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli import cli
from tests.etags import card_etag_of

BASE = "/contacts"
HOST = "http://localhost"
HAL = "application/hal+json"
PROBLEM = "application/problem+json"
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ID_RE = re.compile(r"^[0-9a-zA-Z-_]+$")
CONTACT_KEYS = ["contact_id", "label", "created", "updated", "name", "email", "phone", "_links"]
CARTER = {"label": "Major", "name": "Major Samantha Carter", "email": "s.carter@sg1.com", "phone": "518-867-5309"}
SCHEMA = "https://docs.nterprise.com/schemas/niagara/contact.json#"


def create(client, auth, **fields):
    body = {**CARTER, **fields}
    r = client.post(BASE, json=body, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def problem(status, title, detail, **extra):
    name = {"Payload too Large": "PayloadTooLarge"}.get(title, title.replace(" ", ""))
    return {"title": title, "type": f"https://docs.nterprise.com/api/problem/{name}", "status": status,
            "detail": detail, **extra}


def required(name):
    return {"keyword": "required", "dataPath": "", "schemaPath": f"{SCHEMA}/required",
            "params": {"missingProperty": name}, "message": f"should have required property '{name}'"}


def count(client, auth) -> int:
    return client.get(BASE, headers=auth).json["total_count"]


# ---------------------------------------------------------------- create / read

def test_create_answers_200_with_the_hal_contact(client, auth):
    r = client.post(BASE, json=CARTER, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == HAL
    body = r.json
    assert list(body) == CONTACT_KEYS
    assert ID_RE.match(body["contact_id"])
    assert {k: body[k] for k in CARTER} == CARTER
    assert TIME_RE.match(body["created"]) and body["created"] == body["updated"]
    assert body["_links"] == {"self": {"href": f"{HOST}/contacts/{body['contact_id']}"}}
    assert r.headers["ETag"] == card_etag_of(body["contact_id"], 1)


def test_create_without_phone_shows_an_empty_phone(client, auth):
    body = {k: v for k, v in CARTER.items() if k != "phone"}
    created = client.post(BASE, json=body, headers=auth).json
    assert created["phone"] == ""


def test_empty_phone_stores_no_phone_row(client, auth):
    created = create(client, auth, phone="")
    assert created["phone"] == ""
    from models import ContactPhone

    with client.application.app_context():
        assert ContactPhone.select().count() == 0
    r = client.put(f"{BASE}/{created['contact_id']}", json={**CARTER, "phone": "42"}, headers=auth)
    assert r.json["phone"] == "42"
    r = client.put(f"{BASE}/{created['contact_id']}", json={**CARTER, "phone": ""}, headers=auth)
    assert r.json["phone"] == ""


def test_get_returns_what_create_returned(client, auth):
    created = create(client, auth)
    r = client.get(f"{BASE}/{created['contact_id']}", headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == HAL
    assert r.headers["ETag"] == card_etag_of(created["contact_id"], 1)
    assert r.json == created


def test_get_unknown_is_404_problem(client, auth):
    r = client.get(f"{BASE}/foo", headers=auth)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(404, "Not Found", 'A Resource with the id "foo" was not found')


def test_unknown_path_below_contacts_is_404_problem(client, auth):
    r = client.get(f"{BASE}/a/b/c", headers=auth)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(404, "Not Found", "No resource at /contacts/a/b/c")


def test_read_only_members_sent_back_are_ignored(client, auth):
    created = create(client, auth)
    echoed = {**created, "name": "Samantha Carter", "contact_id": "other", "created": "2000-01-01T00:00:00.000Z"}
    r = client.put(f"{BASE}/{created['contact_id']}", json=echoed, headers=auth)
    assert r.status_code == 200, r.data
    assert r.json["contact_id"] == created["contact_id"]
    assert r.json["created"] == created["created"]
    assert r.json["name"] == "Samantha Carter"


# ---------------------------------------------------------------- auth

def test_no_token_is_401_problem(client):
    r = client.get(BASE)
    assert r.status_code == 401
    assert r.headers["Content-Type"] == PROBLEM
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json == problem(401, "Unauthorized", "Authentication required: send Authorization: Bearer <token>")


def test_invalid_token_is_401_problem(client):
    r = client.get(BASE, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json == problem(401, "Unauthorized", "Invalid or revoked token")


@pytest.mark.parametrize("method, path_kind, scope", [
    ("GET", "collection", "contacts:create"),
    ("POST", "collection", "contacts:read"),
    ("PUT", "item", "contacts:create"),
    ("DELETE", "item", "contacts:update"),
])
def test_missing_scope_is_403_problem(client, auth, make_token, method, path_kind, scope):
    created = create(client, auth)
    path = BASE if path_kind == "collection" else f"{BASE}/{created['contact_id']}"
    token = make_token(scope)
    r = client.open(path, method=method, json=CARTER, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert r.headers["Content-Type"] == PROBLEM
    needed = {"GET": "contacts:read", "POST": "contacts:create", "PUT": "contacts:update",
              "DELETE": "contacts:delete"}[method]
    assert r.json == problem(403, "Forbidden", f"Token lacks the scope {needed}")
    assert count(client, auth) == 1


# ---------------------------------------------------------------- validation (400)

def test_empty_object_names_every_required_member(client, auth):
    r = client.post(BASE, json={}, headers=auth)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(400, "Bad Request", "Invalid Data",
                             validation_messages=[required("label"), required("name"), required("email")])


def test_every_failing_member_is_reported_in_ajv_shape(client, auth):
    body = {"label": 7, "name": None, "email": "not-an-email", "phone": ["1"], "nickname": "Sam"}
    r = client.post(BASE, json=body, headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"] == [
        {"keyword": "additionalProperties", "dataPath": "", "schemaPath": f"{SCHEMA}/additionalProperties",
         "params": {"additionalProperty": "nickname"}, "message": "should NOT have additional properties"},
        {"keyword": "type", "dataPath": ".label", "schemaPath": f"{SCHEMA}/properties/label/type",
         "params": {"type": "string"}, "message": "should be string"},
        {"keyword": "type", "dataPath": ".name", "schemaPath": f"{SCHEMA}/properties/name/type",
         "params": {"type": "string"}, "message": "should be string"},
        {"keyword": "format", "dataPath": ".email", "schemaPath": f"{SCHEMA}/properties/email/format",
         "params": {"format": "email"}, "message": 'should match format "email"'},
        {"keyword": "type", "dataPath": ".phone", "schemaPath": f"{SCHEMA}/properties/phone/type",
         "params": {"type": "string"}, "message": "should be string"},
    ]
    assert count(client, auth) == 0


@pytest.mark.parametrize("email, ok", [
    ("s.carter@sg1.com", True), ("first+tag@sub.example.org", True), ("UPPER@EXAMPLE.COM", True),
    ("no-at-sign", False), ("two@@example.com", False), ("trailing@dot.", False), ("sp ace@x.com", False),
])
def test_email_format(client, auth, email, ok):
    r = client.post(BASE, json={**CARTER, "email": email}, headers=auth)
    assert r.status_code == (200 if ok else 400), r.data
    if not ok:
        assert [m["keyword"] for m in r.json["validation_messages"]] == ["format"]


def test_body_that_is_not_an_object_is_400(client, auth):
    r = client.post(BASE, json=[CARTER], headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"] == [
        {"keyword": "type", "dataPath": "", "schemaPath": f"{SCHEMA}/type", "params": {"type": "object"},
         "message": "should be object"}]


def test_malformed_json_is_400_problem(client, auth):
    r = client.post(BASE, data=b'{"label": ', content_type="application/json", headers=auth)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json["title"] == "Bad Request"
    assert r.json["detail"].startswith("Malformed JSON in request body")
    assert r.json["validation_messages"] == []


def test_put_validates_like_create(client, auth):
    created = create(client, auth)
    r = client.put(f"{BASE}/{created['contact_id']}", json={"label": "x", "name": "y"}, headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"] == [required("email")]
    assert client.get(f"{BASE}/{created['contact_id']}", headers=auth).json == created


def test_oversized_body_is_413_problem(client, auth):
    r = client.post(BASE, data=b" " * (1024 * 1024 + 1), content_type="application/json", headers=auth)
    assert r.status_code == 413
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(413, "Payload too Large", "The request payload exceeded 1 MB")


def test_patch_is_405_problem(client, auth):
    created = create(client, auth)
    r = client.patch(f"{BASE}/{created['contact_id']}", json={"name": "x"}, headers=auth)
    assert r.status_code == 405
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json["type"] == "https://docs.nterprise.com/api/problem/MethodNotAllowed"
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "PUT", "DELETE"}


# ---------------------------------------------------------------- duplicates (409)

def test_duplicate_email_is_409_case_insensitive(client, auth):
    create(client, auth)
    r = client.post(BASE, json={**CARTER, "name": "Other", "email": "S.Carter@SG1.com"}, headers=auth)
    assert r.status_code == 409
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(409, "Conflict",
                             "A similar resource exists: another contact has the email S.Carter@SG1.com")
    assert count(client, auth) == 1


def test_put_to_another_contacts_email_is_409_and_writes_nothing(client, auth):
    create(client, auth)
    other = create(client, auth, name="Jack O'Neill", email="jack@sg1.com", phone="1")
    r = client.put(f"{BASE}/{other['contact_id']}", json={**CARTER, "email": "s.carter@SG1.com"}, headers=auth)
    assert r.status_code == 409
    after = client.get(f"{BASE}/{other['contact_id']}", headers=auth)
    assert after.json == other
    assert after.headers["ETag"] == card_etag_of(other["contact_id"], 1)


def test_put_keeping_its_own_email_is_not_a_conflict(client, auth):
    created = create(client, auth)
    r = client.put(f"{BASE}/{created['contact_id']}", json={**CARTER, "email": "S.CARTER@sg1.com"}, headers=auth)
    assert r.status_code == 200
    assert r.json["email"] == "S.CARTER@sg1.com"


def test_email_of_a_contact_from_another_dialect_conflicts(client, auth):
    client.post("/rest/v1/addressbook/contacts", json={"displayname": "A", "number": "1", "email2": "x@y.io"},
                headers=auth)
    r = client.post(BASE, json={**CARTER, "email": "X@Y.io"}, headers=auth)
    assert r.status_code == 409


# ---------------------------------------------------------------- replace

def test_put_replaces_the_whole_contact(client, auth):
    created = create(client, auth)
    body = {"label": "Colonel", "name": "Colonel Samantha Carter", "email": "carter@sgc.mil"}
    r = client.put(f"{BASE}/{created['contact_id']}", json=body, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == HAL
    assert r.headers["ETag"] == card_etag_of(created["contact_id"], 2)
    assert list(r.json) == CONTACT_KEYS
    assert {k: r.json[k] for k in body} == body
    assert r.json["phone"] == ""  # absent from a full replacement: removed
    assert r.json["created"] == created["created"]
    assert r.json["updated"] >= created["updated"]
    assert client.get(f"{BASE}/{created['contact_id']}", headers=auth).json == r.json


def test_put_unknown_is_404(client, auth):
    r = client.put(f"{BASE}/foo", json=CARTER, headers=auth)
    assert r.status_code == 404
    assert r.json == problem(404, "Not Found", 'A Resource with the id "foo" was not found')


def test_put_keeps_emails_and_phones_only_other_dialects_show(client, auth):
    inc = client.post("/rest/v1/addressbook/contacts", json={
        "displayname": "Daniel Jackson", "number": "100", "mobile": "200", "email": "d@sg1.com",
        "email2": "daniel@abydos.org"}, headers=auth).json
    r = client.put(f"{BASE}/{inc['id']}", json={"label": "Dr", "name": "Daniel Jackson", "email": "dj@sg1.com",
                                                  "phone": "101"}, headers=auth)
    assert r.status_code == 200
    after = client.get(f"/rest/v1/addressbook/contacts/{inc['id']}", headers=auth).json
    assert (after["number"], after["mobile"], after["email"], after["email2"]) == \
        ("101", "200", "dj@sg1.com", "daniel@abydos.org")


# ---------------------------------------------------------------- If-Match (412)

def test_stale_if_match_is_412_and_writes_nothing(client, auth):
    created = create(client, auth)
    path = f"{BASE}/{created['contact_id']}"
    r = client.put(path, json={**CARTER, "name": "X"}, headers={**auth, "If-Match": '"c9"'})
    assert r.status_code == 412
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(412, "Precondition Failed", "If-Match does not match the current version of the contact")
    r = client.delete(path, headers={**auth, "If-Match": '"c9"'})
    assert r.status_code == 412
    assert client.get(path, headers=auth).json == created


def test_current_if_match_is_accepted(client, auth):
    created = create(client, auth)
    path = f"{BASE}/{created['contact_id']}"
    etag = client.get(path, headers=auth).headers["ETag"]
    r = client.put(path, json={**CARTER, "name": "X"}, headers={**auth, "If-Match": etag})
    assert r.status_code == 200
    assert client.delete(path, headers={**auth, "If-Match": r.headers["ETag"]}).status_code == 205


# ---------------------------------------------------------------- lock (423)

def _cli(database_url, *args):
    result = CliRunner().invoke(cli, [*args, "--database-url", database_url])
    assert result.exit_code == 0, result.output
    return result.stdout  # stderr names the database


def test_locked_contact_refuses_put_and_delete_until_unlocked(client, auth, database_url):
    created = create(client, auth)
    path = f"{BASE}/{created['contact_id']}"
    assert _cli(database_url, "lock", created["contact_id"]) == f"locked {created['contact_id']}\n"
    locked = problem(423, "Locked", "This resource is currently locked from editing")
    r = client.put(path, json={**CARTER, "name": "X"}, headers=auth)
    assert r.status_code == 423
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == locked
    r = client.delete(path, headers=auth)
    assert (r.status_code, r.json) == (423, locked)
    assert client.get(path, headers=auth).json["name"] == CARTER["name"]
    _cli(database_url, "unlock", created["contact_id"])
    assert client.put(path, json={**CARTER, "name": "X"}, headers=auth).status_code == 200
    assert client.delete(path, headers=auth).status_code == 205


# ---------------------------------------------------------------- delete

def test_delete_answers_205_with_no_body(client, auth):
    created = create(client, auth)
    path = f"{BASE}/{created['contact_id']}"
    r = client.delete(path, headers=auth)
    assert r.status_code == 205
    assert r.data == b""
    assert "Content-Type" not in r.headers
    assert client.get(path, headers=auth).status_code == 404
    again = client.delete(path, headers=auth)
    assert again.status_code == 404
    assert again.json == problem(404, "Not Found", f'A Resource with the id "{created["contact_id"]}" was not found')


# ---------------------------------------------------------------- cross-dialect

def test_niagara_contact_reads_in_incoplax(client, auth):
    created = create(client, auth)
    r = client.get(f"/rest/v1/addressbook/contacts/{created['contact_id']}", headers=auth)
    assert r.status_code == 200
    assert (r.json["displayname"], r.json["email"], r.json["number"]) == \
        ("Major Samantha Carter", "s.carter@sg1.com", "518-867-5309")
    assert r.headers["ETag"] == client.get(f"{BASE}/{created['contact_id']}", headers=auth).headers["ETag"]


def test_incoplax_contact_reads_in_niagara(client, auth):
    inc = client.post("/rest/v1/addressbook/contacts", json={
        "displayname": "Teal'c", "number": "11", "email": "tealc@chulak.org", "email2": "t@sg1.com"},
        headers=auth).json
    r = client.get(f"{BASE}/{inc['id']}", headers=auth)
    assert r.status_code == 200
    assert r.json == {
        "contact_id": inc["id"], "label": "", "created": r.json["created"], "updated": r.json["updated"],
        "name": "Teal'c", "email": "tealc@chulak.org", "phone": "11",
        "_links": {"self": {"href": f"{HOST}/contacts/{inc['id']}"}}}
    assert r.json["created"][:19] == inc["ext"]["ct"][:19]


def test_niagara_change_shows_in_incoplax_and_incoplax_delete_removes_it(client, auth):
    created = create(client, auth)
    cid = created["contact_id"]
    client.put(f"{BASE}/{cid}", json={**CARTER, "name": "Sam Carter", "phone": "555"}, headers=auth)
    inc = client.get(f"/rest/v1/addressbook/contacts/{cid}", headers=auth).json
    assert (inc["displayname"], inc["number"]) == ("Sam Carter", "555")
    assert client.delete(f"/rest/v1/addressbook/contacts/{cid}", headers=auth).status_code == 204
    assert client.get(f"{BASE}/{cid}", headers=auth).status_code == 404


def test_links_follow_each_requests_scheme_and_host(client, auth):
    # The base URL is remembered per scheme and host: one host's links never leak to another.
    contact = create(client, auth)
    path = f"{BASE}/{contact['contact_id']}"
    for base in ("http://a.example/", "https://b.example:8443/", "http://a.example/"):
        r = client.get(path, headers=auth, base_url=base)
        assert r.status_code == 200
        assert r.json["_links"] == {"self": {"href": f"{base.rstrip('/')}{path}"}}
