"""Incoplax addressbook contacts through HTTP: wire format, LOOKUP, list parameters, errors."""
from __future__ import annotations

import json
import re

import pytest

from tests.etags import card_etag_of

BASE = "/rest/v1/addressbook/contacts"
JSON = "application/json; charset=utf-8"
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FULL_KEYS = ["id", "autokey", "displayname", "department", "jobtitle", "number", "numlocal", "numpublic",
             "mobile", "mobile2", "mobile3", "roomnum", "roomnum2", "roomnum3", "email", "email2", "email3",
             "photo", "opts", "ext"]


def create(client, auth, **fields):
    body = {"displayname": "John Smith", "number": "11", **fields}
    r = client.post(BASE, json=body, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def lookup(client, auth, raw: str):
    return client.open(BASE, method="LOOKUP", data=raw, content_type="application/json; charset=utf-8",
                       headers=auth)


def count_contacts(client, auth) -> int:
    return len(client.get(BASE, headers=auth).json)


# ---------------------------------------------------------------- create / get

def test_create_returns_full_entity_with_defaults(client, auth):
    r = client.post(BASE, json={"displayname": "John Smith", "number": "11"}, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == JSON
    body = r.json
    assert list(body) == FULL_KEYS
    assert UUID_RE.match(body["id"])
    assert body["autokey"] == 1
    for name in FULL_KEYS[2:18]:
        expected = {"displayname": "John Smith", "number": "11"}.get(name, "")
        assert body[name] == expected, name
    assert body["opts"] == {"title": "", "comment": "", "groups": [], "priority": None}
    assert list(body["ext"]) == ["ct", "lwt"]
    assert TIME_RE.match(body["ext"]["ct"]) and body["ext"]["ct"] == body["ext"]["lwt"]
    assert r.headers["ETag"] == card_etag_of(body["id"], 1)


def test_create_with_every_field_round_trips(client, auth):
    fields = {
        "id": "ae425147-016c-d818-82d0-50e54938780c", "displayname": "John Smith", "department": "IT",
        "jobtitle": "engineer", "number": "11", "numlocal": "411", "numpublic": "84950000000",
        "mobile": "8987000000", "mobile2": "8987000001", "mobile3": "8987000002", "roomnum": "2",
        "roomnum2": "3", "roomnum3": "4", "email": "m.sidorov@company.com", "email2": "a@b.c",
        "email3": "c@d.e", "photo": "http://x/p.png",
        "opts": {"title": "Mr", "comment": "VIP", "groups": [], "priority": 100},
    }
    created = client.post(BASE, json={"autokey": -1, **fields}, headers=auth).json
    got = client.get(f"{BASE}/{fields['id']}", headers=auth)
    assert got.status_code == 200
    for name, value in fields.items():
        assert got.json[name] == value, name
    assert got.json == created


def test_autokeys_increase(client, auth):
    assert create(client, auth)["autokey"] == 1
    assert create(client, auth, number="12")["autokey"] == 2


def test_get_unknown_is_404(client, auth):
    r = client.get(f"{BASE}/ae425147-016c-d818-82d0-50e54938780c", headers=auth)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == JSON
    assert r.json == {"error_code": 1404,
                      "error_message": "Contact ae425147-016c-d818-82d0-50e54938780c not found"}


def test_get_with_mask_and_flat(client, auth):
    c = create(client, auth, opts={"groups": [], "priority": 5})
    r = client.get(f"{BASE}/{c['id']}?mask=id,opts.priority,roomnum", headers=auth)
    assert r.json == {"id": c["id"], "roomnum": "", "opts": {"priority": 5}}
    r = client.get(f"{BASE}/{c['id']}?mask=id,opts.priority&flat=true", headers=auth)
    assert r.json == {"id": c["id"], "opts.priority": 5}
    r = client.get(f"{BASE}/{c['id']}?flat=true", headers=auth)
    assert r.json["opts.groups"] == [] and "opts" not in r.json and "ext.ct" in r.json


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("body, fragment", [
    ({"number": "11"}, "displayname"),
    ({"displayname": "A"}, "number"),
    ({"displayname": "", "number": "11"}, "displayname"),
    ({"displayname": "A", "number": "11", "autokey": 5}, "autokey"),
    ({"displayname": "A", "number": 11}, "number"),
    ({"displayname": "A", "number": "11", "colour": "red"}, "colour"),
    ({"displayname": "A", "number": "11", "opts": {"groups": ["nope"]}}, "nope"),
    ({"displayname": "A", "number": "11", "opts": {"priority": "high"}}, "opts.priority"),
    ({"displayname": "A", "number": "11", "opts": {"priority": 2**31}}, "opts.priority: Must be greater than or equal to -2147483648 and less than or equal to 2147483647."),
    ({"displayname": "A", "number": "11", "opts": {"priority": 2**63}}, "opts.priority: Must be greater than or equal to -2147483648 and less than or equal to 2147483647."),
    ({"displayname": "A", "number": "11", "opts": {"colour": 1}}, "opts.colour"),
    ({"displayname": "A", "number": "11", "id": "not-a-uuid"}, "id"),
    ({"displayname": None, "number": "11"}, "displayname"),
])
def test_create_rejects_bad_fields_and_writes_nothing(client, auth, body, fragment):
    r = client.post(BASE, json=body, headers=auth)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == JSON
    assert set(r.json) == {"error_code", "error_message"}
    assert r.json["error_code"] == 1400
    assert fragment in r.json["error_message"]
    assert count_contacts(client, auth) == 0


@pytest.mark.parametrize("raw, fragment", [
    (b'{"displayname": "A",', "Malformed JSON"),
    (b'["displayname"]', "JSON object"),
    (b'"just a string"', "JSON object"),
    (b"", "empty"),
    (b'\xff\xfe', "Malformed JSON"),
])
def test_create_rejects_non_object_bodies(client, auth, raw, fragment):
    r = client.post(BASE, data=raw, content_type="application/json", headers=auth)
    assert r.status_code == 400
    assert r.json["error_code"] == 1400
    assert fragment in r.json["error_message"]
    assert count_contacts(client, auth) == 0


def test_duplicate_id_is_409(client, auth):
    c = create(client, auth)
    r = client.post(BASE, json={"id": c["id"], "displayname": "B", "number": "12"}, headers=auth)
    assert r.status_code == 409
    assert r.json == {"error_code": 1409, "error_message": f"Contact with id {c['id']} already exists"}


def test_body_over_one_mebibyte_is_413(client, auth):
    body = json.dumps({"displayname": "A", "number": "1", "photo": "x" * (1024 * 1024)})
    r = client.post(BASE, data=body, content_type="application/json", headers=auth)
    assert r.status_code == 413
    assert r.json["error_code"] == 1413
    assert count_contacts(client, auth) == 0


# ---------------------------------------------------------------- patch / delete

def test_patch_changes_only_given_fields(client, auth):
    c = create(client, auth, jobtitle="engineer", mobile="8987", email="a@b.c", roomnum="2")
    r = client.patch(f"{BASE}/{c['id']}", json={"jobtitle": "lead", "mobile2": "555"}, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == JSON
    after = r.json
    assert after["jobtitle"] == "lead" and after["mobile2"] == "555"
    assert after["ext"]["ct"] == c["ext"]["ct"]
    assert after["ext"]["lwt"] >= c["ext"]["lwt"]
    unchanged = {k: v for k, v in c.items() if k not in ("jobtitle", "mobile2", "ext")}
    assert {k: after[k] for k in unchanged} == unchanged
    assert r.headers["ETag"] == card_etag_of(c["id"], 2)


def test_patch_clearing_a_slot_keeps_the_others(client, auth):
    c = create(client, auth, mobile="1", mobile2="2", mobile3="3", email="a@x.y", email2="b@x.y")
    after = client.patch(f"{BASE}/{c['id']}", json={"mobile": "", "email2": ""}, headers=auth).json
    assert (after["mobile"], after["mobile2"], after["mobile3"]) == ("", "2", "3")
    assert (after["email"], after["email2"]) == ("a@x.y", "")


def test_patch_opts_is_merged(client, auth):
    c = create(client, auth, opts={"title": "Dr", "comment": "c", "priority": 7})
    after = client.patch(f"{BASE}/{c['id']}", json={"opts": {"comment": "new"}}, headers=auth).json
    assert after["opts"] == {"title": "Dr", "comment": "new", "groups": [], "priority": 7}


@pytest.mark.parametrize("body, fragment", [
    ({"autokey": 99}, "autokey"),
    ({"id": "ae425147-016c-d818-82d0-50e54938780c"}, "id"),
    ({"number": ""}, "number"),
    ({"displayname": 5}, "displayname"),
    ({"nope": 1}, "nope"),
])
def test_patch_rejects_and_writes_nothing(client, auth, body, fragment):
    c = create(client, auth)
    r = client.patch(f"{BASE}/{c['id']}", json=body, headers=auth)
    assert r.status_code == 400
    assert r.json["error_code"] == 1400 and fragment in r.json["error_message"]
    assert client.get(f"{BASE}/{c['id']}", headers=auth).json == c


def test_patch_with_own_id_and_autokey_is_accepted(client, auth):
    c = create(client, auth)
    r = client.patch(f"{BASE}/{c['id']}", json={"id": c["id"], "autokey": c["autokey"], "department": "X"},
                     headers=auth)
    assert r.status_code == 200 and r.json["department"] == "X"


def test_patch_unknown_is_404(client, auth):
    r = client.patch(f"{BASE}/nope", json={"jobtitle": "x"}, headers=auth)
    assert r.status_code == 404 and r.json["error_code"] == 1404


def test_if_match(client, auth):
    c = create(client, auth)
    url = f"{BASE}/{c['id']}"
    etag = client.get(url, headers=auth).headers["ETag"]
    ok = client.patch(url, json={"jobtitle": "a"}, headers={**auth, "If-Match": etag})
    assert ok.status_code == 200
    stale = client.patch(url, json={"jobtitle": "b"}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["error_code"] == 1412
    assert client.get(url, headers=auth).json["jobtitle"] == "a"
    gone = client.delete(url, headers={**auth, "If-Match": etag})
    assert gone.status_code == 412
    assert client.delete(url, headers={**auth, "If-Match": ok.headers["ETag"]}).status_code == 204


def test_delete(client, auth):
    c = create(client, auth)
    r = client.delete(f"{BASE}/{c['id']}", headers=auth)
    assert r.status_code == 204
    assert r.data == b""
    assert client.get(f"{BASE}/{c['id']}", headers=auth).status_code == 404
    assert client.delete(f"{BASE}/{c['id']}", headers=auth).status_code == 404


def test_locked_contact_cannot_be_changed_or_deleted(app, client, auth):
    from services.contacts import set_locked

    c = create(client, auth)
    with app.app_context():
        set_locked(c["id"], True)
    r = client.patch(f"{BASE}/{c['id']}", json={"jobtitle": "x"}, headers=auth)
    assert r.status_code == 423
    assert r.json == {"error_code": 1423, "error_message": f"Contact {c['id']} is locked"}
    assert client.delete(f"{BASE}/{c['id']}", headers=auth).status_code == 423
    assert client.get(f"{BASE}/{c['id']}", headers=auth).json["jobtitle"] == ""


def test_put_is_not_allowed(client, auth):
    c = create(client, auth)
    r = client.put(f"{BASE}/{c['id']}", json={}, headers=auth)
    assert r.status_code == 405
    assert r.json["error_code"] == 1405
    assert "PATCH" in r.headers["Allow"]


# ---------------------------------------------------------------- LOOKUP

def test_lookup_by_number_autokey_and_id(client, auth):
    c = create(client, auth, number="11")
    for key in ('"11"', f'"{c["autokey"]}"', f'"{c["id"]}"', str(c["autokey"])):
        r = lookup(client, auth, key)
        assert r.status_code == 200, key
        assert r.headers["Content-Type"] == JSON
        assert r.json == [c["id"]]


def test_lookup_union_ordered_by_autokey(client, auth):
    first = create(client, auth, number="2")   # autokey 1, number "2"
    second = create(client, auth, number="1")  # autokey 2, number "1"
    r = lookup(client, auth, '"1"')  # autokey of first, number of second
    assert r.json == [first["id"], second["id"]]
    r = lookup(client, auth, '"2"')  # number of first, autokey of second
    assert r.json == [first["id"], second["id"]]


def test_lookup_miss_is_exact_404(client, auth):
    create(client, auth)
    r = lookup(client, auth, '"nope"')
    assert r.status_code == 404
    assert r.headers["Content-Type"] == JSON
    assert r.data == b'{"error_code":1404,"error_message":"Lookup failed"}'


@pytest.mark.parametrize("raw", ['{"number": "11"}', "[1]", "not json", "", "null", "true"])
def test_lookup_rejects_non_string_bodies(client, auth, raw):
    r = lookup(client, auth, raw)
    assert r.status_code == 400
    assert r.json["error_code"] == 1400 and "JSON string" in r.json["error_message"]


def test_lookup_is_an_index_probe(app):
    from models.plans import plan_scans_table, query_plan
    from services.incoplax.query import contact_lookup_select

    with app.app_context():
        plan = query_plan(contact_lookup_select("11"))
    assert not plan_scans_table(plan, "contact"), plan
    assert any("contact_primary_phone" in line for line in plan), plan
    assert any("contact_id" in line for line in plan), plan


def test_lookup_needs_read_scope(client, make_token):
    token = make_token("contacts:create")
    r = lookup(client, {"Authorization": f"Bearer {token}"}, '"11"')
    assert r.status_code == 403
    assert r.json == {"error_code": 1403, "error_message": "Token lacks the scope contacts:read"}


# ---------------------------------------------------------------- list

def test_list_reduced_fields_offset_limit(client, auth):
    a = create(client, auth, displayname="John Smith", number="11", email="m@c.com", mobile="1")
    b = create(client, auth, displayname="Adam White", number="12")
    r = client.get(f"{BASE}?offset=0&limit=2", headers=auth)
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON
    assert [item["id"] for item in r.json] == [a["id"], b["id"]]
    assert r.json[0] == {
        "id": a["id"], "autokey": 1, "displayname": "John Smith", "department": "", "jobtitle": "",
        "number": "11", "email": "m@c.com", "opts": {"groups": [], "priority": None},
        "ext": {"ct": a["ext"]["ct"], "lwt": a["ext"]["lwt"]},
    }
    assert [i["id"] for i in client.get(f"{BASE}?offset=1&limit=5", headers=auth).json] == [b["id"]]
    assert client.get(f"{BASE}?offset=5", headers=auth).json == []


def test_list_mask_and_flat(client, auth):
    a = create(client, auth)
    assert client.get(f"{BASE}?mask=id,displayname", headers=auth).json == [
        {"id": a["id"], "displayname": "John Smith"}]
    assert client.get(f"{BASE}?mask=id,opts.groups&flat=true", headers=auth).json == [
        {"id": a["id"], "opts.groups": []}]


def test_list_filter_and_order(client, auth):
    a = create(client, auth, displayname="Bob", number="1", department="IT", opts={"priority": 1})
    b = create(client, auth, displayname="Al", number="2", department="IT", opts={"priority": 3})
    create(client, auth, displayname="Cy", number="3", department="HR")

    def ids(query):
        r = client.get(f"{BASE}?{query}", headers=auth)
        assert r.status_code == 200, r.json
        return [item["id"] for item in r.json]

    assert ids('filter={"department":"IT"}') == [a["id"], b["id"]]
    assert ids('filter={"number":["2","9"]}') == [b["id"]]
    assert ids('filter={"department":"IT","opts.priority":3}') == [b["id"]]
    assert ids('filter={"department":"IT"}&order=["displayname"]') == [b["id"], a["id"]]
    assert ids('filter={"department":"IT"}&order=[{"opts.priority":"desc"}]') == [b["id"], a["id"]]
    # integers no column holds (beyond 64 bits: SQLite cannot even bind them) match nothing
    assert ids('filter={"opts.priority":18446744073709551616}') == []
    assert ids('filter={"opts.priority":[18446744073709551616,3]}') == [b["id"]]
    assert ids(f'filter={{"autokey":[{a["autokey"]},-18446744073709551616]}}') == [a["id"]]
    combined = client.get('/rest/v1/addressbook/combined_contacts?filter={"key":[18446744073709551616]}', headers=auth)
    assert (combined.status_code, combined.json) == (200, [])
    priority_2_31 = client.post(BASE, json={"displayname": "D", "number": "4", "opts": {"priority": 2**31 - 1}},
                                headers=auth)
    assert (priority_2_31.status_code, priority_2_31.json["opts"]["priority"]) == (200, 2**31 - 1)


@pytest.mark.parametrize("query, fragment", [
    ("limit=-1", "limit"),
    ("limit=abc", "limit"),
    ("offset=-5", "offset"),
    ("filter={bad json", "filter"),
    ("filter=[1]", "filter"),
    ('filter={"roomnum":"1"}', "roomnum"),
    ('filter={"autokey":"1"}', "autokey"),
    ("order=displayname", "order"),
    ('order=["nope"]', "nope"),
    ('order=[{"displayname":"up"}]', "displayname"),
    ("mask=id,nope", "nope"),
    ("flat=maybe", "flat"),
])
def test_list_rejects_bad_parameters(client, auth, query, fragment):
    r = client.get(f"{BASE}?{query}", headers=auth)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == JSON
    assert r.json["error_code"] == 1400 and fragment in r.json["error_message"]


def test_list_default_limit_is_1000(app, client, auth):
    from services.contacts import create_card

    with app.app_context():
        for i in range(1001):
            create_card({"display_name": f"P {i}", "phones": [{"value": str(i), "is_primary": True}]})
    assert len(client.get(BASE, headers=auth).json) == 1000
    assert len(client.get(f"{BASE}?limit=1001", headers=auth).json) == 1001
