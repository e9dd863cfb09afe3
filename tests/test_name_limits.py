"""Names too long to index are refused by every door that writes names, in its own format, and nothing is stored.

On PostgreSQL a family name of about 2,700 bytes broke FOLIO's sort index with a 500; the
canonical card now takes given and family names of at most 300 characters (at any width
of character), so both engines answer alike.
"""
from __future__ import annotations

import pytest

LONG = "Ü" * 301  # 2 bytes a character in UTF-8
LONGEST = "語" * 300  # 3 bytes a character: still indexable

CREATES = {
    "incoplax": ("/rest/v1/addressbook/contacts", lambda family: {"displayname": f"Ada {family}", "number": "77"}),
    "niagara": ("/contacts", lambda family: {"label": "L", "name": f"Ada {family}", "email": "ada@example.org"}),
    "folio": ("/organizations-storage/contacts", lambda family: {"firstName": "Ada", "lastName": family}),
}


def _count(client, auth) -> int:
    return client.get("/contacts?limit=1", headers=auth).get_json()["total_count"]


@pytest.mark.parametrize("door", list(CREATES))
def test_an_overlong_family_name_is_refused_and_nothing_is_stored(client, auth, door):
    path, body = CREATES[door]
    headers = {**auth, "X-Okapi-Tenant": "diku"}
    r = client.post(path, json=body(LONG), headers=headers)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert "The family name is longer than 300 characters" in r.get_data(as_text=True)
    assert _count(client, auth) == 0


@pytest.mark.parametrize("door", list(CREATES))
def test_the_longest_family_name_is_stored_and_found(client, auth, door):
    path, body = CREATES[door]
    headers = {**auth, "X-Okapi-Tenant": "diku"}
    r = client.post(path, json=body(LONGEST), headers=headers)
    assert r.status_code in (200, 201), r.get_data(as_text=True)
    found = client.get("/organizations-storage/contacts", headers=headers,
                       query_string={"query": f'lastName="{LONGEST}" sortby lastName firstName'})
    assert found.status_code == 200 and found.get_json()["totalRecords"] == 1


def test_an_update_to_an_overlong_name_changes_nothing(client, auth):
    created = client.post("/contacts", json={"label": "L", "name": "Ada Lovelace", "email": "ada@example.org"},
                          headers=auth).get_json()
    r = client.put(f"/contacts/{created['contact_id']}", headers=auth,
                   json={"label": "L", "name": f"Ada {LONG}", "email": "ada@example.org"})
    assert r.status_code == 400
    assert client.get(f"/contacts/{created['contact_id']}", headers=auth).get_json()["name"] == "Ada Lovelace"
