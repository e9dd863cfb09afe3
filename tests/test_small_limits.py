"""Small bounds every request meets: huge numbers, many list items, chunked bodies, file modes."""
from __future__ import annotations

import http.client
import os
import stat

import pytest

from tests.live_server import LiveServer, request as http_request

IS_SQLITE = not os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres")
INCOPLAX = "/rest/v1/addressbook"


def test_a_lookup_key_of_100k_digits_is_just_not_found(client, auth):
    r = client.open(f"{INCOPLAX}/contacts", method="LOOKUP", data='"' + "1" * 100_000 + '"',
                    content_type="application/json; charset=utf-8", headers=auth)
    assert r.status_code == 404
    assert r.json == {"error_code": 1404, "error_message": "Lookup failed"}


@pytest.mark.parametrize("url", [
    f"{INCOPLAX}/contacts?limit=" + "9" * 5000,
    f"{INCOPLAX}/contacts?offset=" + "9" * 5000,
    "/api/v2/organizations/contacts?page=" + "9" * 5000,
    "/api/v2/organizations/contacts?per_page=" + "9" * 5000,
    "/organizations-storage/contacts?limit=" + "9" * 5000,
    "/organizations-storage/contacts?offset=" + "9" * 5000,
    "/contacts?limit=" + "9" * 5000,
    "/contacts?offset=" + "9" * 5000,
    "/contact/contacts?limit=" + "9" * 5000,
])
def test_numbers_longer_than_pythons_conversion_limit_are_a_4xx(client, auth, url):
    r = client.get(url, headers={**auth, "X-Okapi-Tenant": "diku"})
    assert 400 <= r.status_code < 500, (r.status_code, r.data[:300])


def test_a_group_with_33k_unknown_abonents_is_a_400(client, auth):
    r = client.post(f"{INCOPLAX}/contactgroups", headers=auth,
                    json={"name": "big", "code": "big", "opts": {"abonents": list(range(1, 33_001))}})
    assert r.status_code == 400, r.data[:300]
    assert b"opts.abonents" in r.data
    assert client.get(f"{INCOPLAX}/contactgroups", headers=auth).json == []


def test_a_folio_record_with_33k_categories_is_stored(client, auth):
    headers = {**auth, "X-Okapi-Tenant": "diku"}
    categories = [f"c{n}" for n in range(33_000)]
    r = client.post("/organizations-storage/contacts", headers=headers,
                    json={"firstName": "Many", "lastName": "Categories", "categories": categories})
    assert r.status_code == 201, r.data[:300]
    got = client.get(f"/organizations-storage/contacts/{r.json['id']}", headers=headers).json
    assert got["categories"] == categories


def test_a_chunked_body_over_the_limit_is_413(tmp_path):
    with LiveServer(f"sqlite:///{tmp_path}/c.db", workers=1) as server:
        token = server.first_token()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.putrequest("POST", "/contacts")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        piece = b'"' + b"x" * 65_534 + b'",'
        try:
            connection.send(b"1\r\n[\r\n")
            for _ in range(20):  # 1.25 MiB, over the 1 MiB limit
                connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            connection.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before reading it all
        response = connection.getresponse()
        assert response.status == 413, response.read()[:300]
        assert response.getheader("Content-Type") == "application/problem+json"
        connection.close()
        assert http_request(server.base + "/healthz")[0] == 200


@pytest.mark.skipif(not IS_SQLITE, reason="file modes of the SQLite files")
def test_database_wal_shm_and_lock_files_are_private(tmp_path):
    path = tmp_path / "new" / "contacts.db"
    with LiveServer(f"sqlite:///{path}", workers=1) as server:
        status, _, _ = http_request(server.base + "/contacts", "POST", token=server.first_token(),
                                    body={"label": "x", "name": "File Mode", "email": "f@example.com"})
        assert status == 200
        made = sorted(p.name for p in path.parent.iterdir())
        assert {"contacts.db", "contacts.db-wal", "contacts.db-shm", "contacts.db-writelock"} <= set(made)
        for name in made:
            mode = stat.S_IMODE(os.stat(path.parent / name).st_mode)
            assert mode == 0o600, (name, oct(mode))
