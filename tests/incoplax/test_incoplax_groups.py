"""Incoplax contact groups, mirrored membership and combined_contacts through HTTP."""
from __future__ import annotations

import re

import pytest

from tests.etags import card_etag_of

BASE = "/rest/v1/addressbook"
JSON = "application/json; charset=utf-8"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def contact(client, auth, name="John Smith", number="11", **fields):
    r = client.post(f"{BASE}/contacts", json={"displayname": name, "number": number, **fields}, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def group(client, auth, **fields):
    r = client.post(f"{BASE}/contactgroups", json={"name": "group number 101", **fields}, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def test_create_group_defaults(client, auth):
    r = client.post(f"{BASE}/contactgroups", json={"name": "group number 101"}, headers=auth)
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON
    g = r.json
    assert list(g) == ["id", "code", "name", "shortname", "opts", "ext"]
    assert UUID_RE.match(g["id"]) and UUID_RE.match(g["code"]) and g["id"] != g["code"]
    assert g["name"] == "group number 101" and g["shortname"] == ""
    assert g["opts"] == {"title": "", "comment": "", "priority": 1000, "abonents": [], "abonentcount": 0}
    assert list(g["ext"]) == ["ct", "lwt"]


def test_group_requires_name_and_unique_code(client, auth):
    r = client.post(f"{BASE}/contactgroups", json={"code": "x"}, headers=auth)
    assert r.status_code == 400 and "name" in r.json["error_message"]
    group(client, auth, code="101")
    r = client.post(f"{BASE}/contactgroups", json={"name": "again", "code": "101"}, headers=auth)
    assert r.status_code == 409
    assert r.json == {"error_code": 1409, "error_message": "Contact group with code 101 already exists"}
    assert len(client.get(f"{BASE}/contactgroups", headers=auth).json) == 1


def test_membership_from_contact_side(client, auth):
    g = group(client, auth, code="101")
    c = contact(client, auth)
    r = client.patch(f"{BASE}/contacts/{c['id']}", json={"opts": {"groups": ["101"]}}, headers=auth)
    assert r.json["opts"]["groups"] == ["101"]
    got = client.get(f"{BASE}/contactgroups/{g['id']}", headers=auth).json
    assert got["opts"]["abonents"] == [c["autokey"]] and got["opts"]["abonentcount"] == 1


def test_a_group_changed_from_the_card_side_changes_its_etag_and_lwt(client, auth):
    """abonents mirror the cards' groups: a card joining, leaving or deleted changes the group."""
    g = group(client, auth, code="101")

    def state():
        r = client.get(f"{BASE}/contactgroups/{g['id']}", headers=auth)
        return r.headers["ETag"], r.json["ext"]["lwt"], r.json["opts"]["abonents"]

    def updated():
        from models import ContactGroup

        return ContactGroup.select(ContactGroup.updated).where(ContactGroup.id == g["id"]).scalar()

    tag0, lwt0, _ = state()
    before = updated()
    assert tag0 == '"g1"'
    a = contact(client, auth, opts={"groups": ["101"]})  # joins at creation
    tag1, lwt1, members = state()
    # (lwt shows 10 ms steps: the join may fall in the step the group was made in)
    assert (tag1, members) == ('"g2"', [a["autokey"]]) and lwt1 >= lwt0 and updated() > before
    b = contact(client, auth, name="Adam White", number="12")
    assert client.patch(f"{BASE}/contacts/{b['id']}", json={"opts": {"groups": ["101"]}}, headers=auth).status_code == 200
    assert state()[0] == '"g3"'
    # A client that read the group before b joined cannot write its stale abonents over it.
    stale = client.patch(f"{BASE}/contactgroups/{g['id']}", json={"opts": {"abonents": [a["autokey"]]}},
                         headers={**auth, "If-Match": tag1})
    assert stale.status_code == 412
    assert state()[2] == [a["autokey"], b["autokey"]]
    # A card edit that leaves its groups as they are changes no group.
    assert client.patch(f"{BASE}/contacts/{b['id']}", json={"jobtitle": "x"}, headers=auth).status_code == 200
    assert state()[0] == '"g3"'
    assert client.delete(f"{BASE}/contacts/{a['id']}", headers=auth).status_code == 204
    assert state()[0::2] == ('"g4"', [b["autokey"]])


def test_membership_from_group_side(client, auth):
    g = group(client, auth, code="101")
    a = contact(client, auth, opts={"groups": ["101"]})
    b = contact(client, auth, name="Adam White", number="12")
    r = client.patch(f"{BASE}/contactgroups/{g['id']}", json={"opts": {"abonents": [b["autokey"]]}}, headers=auth)
    assert r.status_code == 200
    assert r.json["opts"]["abonents"] == [b["autokey"]] and r.json["opts"]["abonentcount"] == 1
    a_after = client.get(f"{BASE}/contacts/{a['id']}", headers=auth).json
    b_after = client.get(f"{BASE}/contacts/{b['id']}", headers=auth).json
    assert a_after["opts"]["groups"] == [] and b_after["opts"]["groups"] == ["101"]
    # the contact side changed, so its version and lwt moved
    assert a_after["ext"]["lwt"] >= a["ext"]["lwt"]
    etag = client.get(f"{BASE}/contacts/{a['id']}", headers=auth).headers["ETag"]
    assert etag == card_etag_of(a["id"], 2)


def test_group_created_with_abonents(client, auth):
    c = contact(client, auth)
    g = group(client, auth, code="g1", opts={"abonents": [c["autokey"]]})
    assert g["opts"]["abonents"] == [c["autokey"]]
    assert client.get(f"{BASE}/contacts/{c['id']}", headers=auth).json["opts"]["groups"] == ["g1"]


def test_deleting_contact_leaves_group(client, auth):
    g = group(client, auth, code="101")
    c = contact(client, auth, opts={"groups": ["101"]})
    contact(client, auth, name="B", number="2", opts={"groups": ["101"]})
    assert client.delete(f"{BASE}/contacts/{c['id']}", headers=auth).status_code == 204
    got = client.get(f"{BASE}/contactgroups/{g['id']}", headers=auth).json
    assert c["autokey"] not in got["opts"]["abonents"] and got["opts"]["abonentcount"] == 1


def test_deleting_group_leaves_contacts(client, auth):
    g = group(client, auth, code="101")
    group(client, auth, code="102", name="other")
    c = contact(client, auth, opts={"groups": ["101", "102"]})
    assert client.delete(f"{BASE}/contactgroups/{g['id']}", headers=auth).status_code == 204
    assert client.get(f"{BASE}/contacts/{c['id']}", headers=auth).json["opts"]["groups"] == ["102"]
    assert client.get(f"{BASE}/contactgroups/{g['id']}", headers=auth).status_code == 404


def test_renaming_code_rewrites_contacts(client, auth):
    g = group(client, auth, code="101")
    c = contact(client, auth, opts={"groups": ["101"]})
    client.patch(f"{BASE}/contactgroups/{g['id']}", json={"code": "201"}, headers=auth)
    assert client.get(f"{BASE}/contacts/{c['id']}", headers=auth).json["opts"]["groups"] == ["201"]


@pytest.mark.parametrize("body, fragment", [
    ({"opts": {"abonents": [999]}}, "999"),
    ({"opts": {"abonents": ["1"]}}, "opts.abonents"),
    # beyond SQLite's 64 bits: no contact has it (SQLite cannot even look it up)
    ({"opts": {"abonents": [2**63]}}, "unknown contact autokey(s) in opts.abonents: 9223372036854775808"),
    # the stored column is a 32-bit integer on PostgreSQL: the same bound on every database
    ({"opts": {"priority": 2**31}}, "opts.priority: Must be greater than or equal to -2147483648 and less than or equal to 2147483647."),
    ({"opts": {"priority": -2**31 - 1}}, "opts.priority: Must be greater than or equal to -2147483648 and less than or equal to 2147483647."),
    ({"opts": {"priority": 2**63}}, "opts.priority: Must be greater than or equal to -2147483648 and less than or equal to 2147483647."),
    ({"name": ""}, "name"),
    ({"code": ""}, "code"),
    ({"unknown": 1}, "unknown"),
])
def test_group_patch_rejects_and_writes_nothing(client, auth, body, fragment):
    g = group(client, auth, code="101")
    r = client.patch(f"{BASE}/contactgroups/{g['id']}", json=body, headers=auth)
    assert r.status_code == 400 and r.json["error_code"] == 1400
    assert fragment in r.json["error_message"]
    assert client.get(f"{BASE}/contactgroups/{g['id']}", headers=auth).json == g


def test_group_list_reduced_fields(client, auth):
    g = group(client, auth, code="abc", name="ABC")
    r = client.get(f"{BASE}/contactgroups", headers=auth)
    assert r.json == [{"id": g["id"], "code": "abc", "name": "ABC", "shortname": "",
                       "opts": {"priority": 1000, "abonentcount": 0},
                       "ext": {"ct": g["ext"]["ct"], "lwt": g["ext"]["lwt"]}}]
    assert "abonents" not in r.json[0]["opts"]
    masked = client.get(f"{BASE}/contactgroups?mask=code,opts.abonents&flat=true", headers=auth).json
    assert masked == [{"code": "abc", "opts.abonents": []}]


def test_group_ext_keeps_client_keys(client, auth):
    g = group(client, auth, ext={"ldap": "cn=x", "ct": "ignored"})
    assert g["ext"]["ldap"] == "cn=x" and g["ext"]["ct"] != "ignored"


def test_group_lookup(client, auth):
    g = group(client, auth, code="abc")
    r = client.open(f"{BASE}/contactgroups", method="LOOKUP", data='"abc"', content_type="application/json",
                    headers=auth)
    assert r.status_code == 200 and r.json == [g["id"]]
    r = client.open(f"{BASE}/contactgroups", method="LOOKUP", data='"zzz"', content_type="application/json",
                    headers=auth)
    assert r.status_code == 404 and r.json == {"error_code": 1404, "error_message": "Lookup failed"}


def test_combined_contacts_groups_first(client, auth):
    c = contact(client, auth, name="ABC", number="51515151")
    g = group(client, auth, code="abc", name="ABC")
    r = client.get(f"{BASE}/combined_contacts", headers=auth)
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON
    assert r.json == [
        {"id": g["id"], "key": "abc", "type": "contactgroup", "name": "ABC", "number": "group#abc"},
        {"id": c["id"], "key": c["autokey"], "type": "contact", "name": "ABC", "number": "51515151"},
    ]
    assert client.get(f"{BASE}/combined_contacts?offset=1", headers=auth).json[0]["type"] == "contact"
    assert len(client.get(f"{BASE}/combined_contacts?limit=1", headers=auth).json) == 1
    by_number = client.get(f"{BASE}/combined_contacts", query_string={"filter": '{"number":"group#abc"}'},
                           headers=auth).json
    assert [item["id"] for item in by_number] == [g["id"]]
    by_key = client.get(f'{BASE}/combined_contacts?filter={{"key":{c["autokey"]}}}', headers=auth).json
    assert [item["id"] for item in by_key] == [c["id"]]
    bad = client.get(f'{BASE}/combined_contacts?filter={{"displayname":"x"}}', headers=auth)
    assert bad.status_code == 400 and "displayname" in bad.json["error_message"]


def test_combined_contacts_default_limit(app, client, auth):
    from services.contacts import create_card

    with app.app_context():
        for i in range(1001):
            create_card({"display_name": f"P {i}"})
    assert len(client.get(f"{BASE}/combined_contacts", headers=auth).json) == 1000
