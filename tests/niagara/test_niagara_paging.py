"""Niagara contact pages through HTTP: limit, the opaque keyset offset, _links.next, a HAL client."""
from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
import requests
from restnavigator import Navigator
from wsgiadapter import WSGIAdapter

BASE = "/contacts"
HOST = "http://localhost"
HAL = "application/hal+json"
PROBLEM = "application/problem+json"
PAGE_KEYS = ["total_count", "limit", "offset", "_embedded", "_links"]


def seed(client, auth, n, start=0):
    ids = []
    for i in range(start, start + n):
        r = client.post(BASE, json={"label": "L", "name": f"Person {i}", "email": f"p{i}@example.com"}, headers=auth)
        assert r.status_code == 200, r.data
        ids.append(r.json["contact_id"])
    return ids


def ids_of(page):
    return [item["contact_id"] for item in page["_embedded"]["nter:contacts"]]


def follow(client, auth, href):
    """GET an absolute href from a page (the test client needs the path and query only)."""
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == HOST
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path, headers=auth)


def bad_request(*messages):
    return {"title": "Bad Request", "type": "https://docs.nterprise.com/api/problem/BadRequest", "status": 400,
            "detail": "Invalid Data", "validation_messages": list(messages)}


def test_empty_collection_is_one_last_page(client, auth):
    r = client.get(BASE, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == HAL
    assert r.json == {"total_count": 0, "limit": 25, "offset": None, "_embedded": {"nter:contacts": []},
                      "_links": {"self": {"href": f"{HOST}/contacts"}}}


def test_three_contacts_in_pages_of_two(client, auth):
    ids = seed(client, auth, 3)
    first = client.get(f"{BASE}?limit=2", headers=auth)
    assert first.status_code == 200
    body = first.json
    assert list(body) == PAGE_KEYS
    assert (body["total_count"], body["limit"]) == (3, 2)
    assert ids_of(body) == ids[:2]
    assert isinstance(body["offset"], str) and body["offset"]
    assert body["_links"] == {"self": {"href": f"{HOST}/contacts?limit=2"},
                              "next": {"href": f"{HOST}/contacts?limit=2&offset={body['offset']}"}}
    second = follow(client, auth, body["_links"]["next"]["href"]).json
    assert list(second) == PAGE_KEYS
    assert ids_of(second) == ids[2:]
    assert (second["total_count"], second["limit"], second["offset"]) == (3, 2, None)
    assert list(second["_links"]) == ["self"]


def test_items_on_a_page_are_full_hal_contacts(client, auth):
    seed(client, auth, 1)
    item = client.get(BASE, headers=auth).json["_embedded"]["nter:contacts"][0]
    one = client.get(f"{BASE}/{item['contact_id']}", headers=auth).json
    assert item == one


def test_exactly_a_full_last_page_has_no_next(client, auth):
    seed(client, auth, 4)
    page = client.get(f"{BASE}?limit=2", headers=auth).json
    page = follow(client, auth, page["_links"]["next"]["href"]).json
    assert len(ids_of(page)) == 2
    assert page["offset"] is None and "next" not in page["_links"]


def test_cursor_walk_over_many_pages_is_complete_and_stable_under_inserts(client, auth):
    original = seed(client, auth, 11)
    seen, added, pages = [], [], 0
    href = f"{HOST}/contacts?limit=3"
    while href:
        page = follow(client, auth, href).json
        pages += 1
        seen.extend(ids_of(page))
        # A newer contact arrives while the client is walking.
        added += seed(client, auth, 1, start=100 + pages)
        href = page["_links"].get("next", {}).get("href")
        assert (page["offset"] is None) == (href is None)
    assert pages > 2
    assert len(seen) == len(set(seen)), "no contact appears twice"
    assert set(original) <= set(seen), "every contact that existed is seen"
    assert set(seen) <= set(original) | set(added)
    assert seen == sorted(seen, key=(original + added).index), "creation order"


def test_deleting_the_last_seen_contact_does_not_break_the_cursor(client, auth):
    ids = seed(client, auth, 5)
    page = client.get(f"{BASE}?limit=2", headers=auth).json
    assert client.delete(f"{BASE}/{ids[1]}", headers=auth).status_code == 205
    nxt = follow(client, auth, page["_links"]["next"]["href"]).json
    assert ids_of(nxt) == ids[2:4]
    assert nxt["total_count"] == 4


@pytest.mark.parametrize("limit, message", [
    ("0", {"keyword": "minimum", "params": {"comparison": ">=", "limit": 1, "exclusive": False},
           "message": "should be >= 1"}),
    ("101", {"keyword": "maximum", "params": {"comparison": "<=", "limit": 100, "exclusive": False},
             "message": "should be <= 100"}),
    ("ten", {"keyword": "type", "params": {"type": "integer"}, "message": "should be integer"}),
    ("2.5", {"keyword": "type", "params": {"type": "integer"}, "message": "should be integer"}),
])
def test_limit_out_of_range_is_400(client, auth, limit, message):
    r = client.get(f"{BASE}?limit={limit}", headers=auth)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == PROBLEM
    expected = {"keyword": message["keyword"], "dataPath": ".limit",
                "schemaPath": f"#/properties/limit/{message['keyword']}", "params": message["params"],
                "message": message["message"]}
    assert r.json == bad_request(expected)


def test_limit_bounds_are_accepted(client, auth):
    seed(client, auth, 2)
    assert client.get(f"{BASE}?limit=1", headers=auth).json["limit"] == 1
    assert client.get(f"{BASE}?limit=100", headers=auth).json["limit"] == 100


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("offset", [
    "garbage!", "not-a-cursor", _b64("CON#x"), _b64("REL#1"), _b64("CON#1") + "=", "Q09OIzE_", "%00",
])
def test_garbled_offset_is_400(client, auth, offset):
    seed(client, auth, 2)
    r = client.get(BASE, query_string={"offset": offset}, headers=auth)
    assert r.status_code == 400, offset
    assert r.json == bad_request({"keyword": "format", "dataPath": ".offset",
                                  "schemaPath": "#/properties/offset/format", "params": {"format": "offset"},
                                  "message": 'should match format "offset"'})


def test_offset_from_a_page_is_reusable(client, auth):
    ids = seed(client, auth, 3)
    offset = client.get(f"{BASE}?limit=1", headers=auth).json["offset"]
    for _ in range(2):
        assert ids_of(client.get(BASE, query_string={"offset": offset}, headers=auth).json) == ids[1:]


def test_page_query_runs_on_an_index(app):
    from models import Contact
    from models.plans import plan_scans_table, query_plan

    with app.app_context():
        plan = query_plan(Contact.select().where(Contact.autokey > 5).order_by(Contact.autokey).limit(26))
    assert not plan_scans_table(plan, "contact"), plan


# ---------------------------------------------------------------- a HAL client

def test_hal_client_walks_every_page_by_following_next(app, auth):
    """restnavigator (a generic HAL client) reads the collection by following `_links.next`."""
    client = app.test_client()
    ids = seed(client, auth, 7)
    session = requests.Session()
    session.mount("http://niagara.test", WSGIAdapter(app))
    nav = Navigator.hal("http://niagara.test/contacts?limit=3", session=session, headers=auth)
    walked, states = [], []
    while nav is not None:
        state = nav()
        states.append((state["total_count"], state["limit"]))
        walked += [item.uri.rsplit("/", 1)[1] for item in nav.embedded()["nter:contacts"]]
        assert nav.response.headers["Content-Type"] == HAL
        nav = nav.links().get("next")
    assert walked == ids
    assert states == [(7, 3)] * 3


def test_hal_client_follows_a_contact_self_link(app, auth):
    client = app.test_client()
    seed(client, auth, 1)
    session = requests.Session()
    session.mount("http://niagara.test", WSGIAdapter(app))
    page = Navigator.hal("http://niagara.test/contacts", session=session, headers=auth)
    page()
    item = page.embedded()["nter:contacts"][0]
    state = item()
    assert state["name"] == "Person 0" and state["email"] == "p0@example.com"
    assert item.links()["self"].uri == item.uri


def test_total_count_follows_every_write(app, client, auth):
    # The total is reused between writes (it walks an index); any write must show at once.
    seed(client, auth, 3)
    assert client.get(BASE, headers=auth).json["total_count"] == 3
    assert client.get(BASE, headers=auth).json["total_count"] == 3
    seed(client, auth, 1, start=3)  # a write on this connection
    assert client.get(BASE, headers=auth).json["total_count"] == 4
    from models.connect import database, is_sqlite

    if is_sqlite():  # a write by another connection (another worker, the CLI)
        import apsw

        other = apsw.Connection(database.database)
        other.execute("DELETE FROM contact WHERE autokey = (SELECT max(autokey) FROM contact)")
        other.close()
    else:
        database.execute_sql("DELETE FROM contact WHERE autokey = (SELECT max(autokey) FROM contact)")
    assert client.get(BASE, headers=auth).json["total_count"] == 3
