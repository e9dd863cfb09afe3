"""Item GETs answered before Flask (blueprints/item_reads.py): byte for byte what Flask answers.

Every case is sent twice, through the app as served (the ItemReads layer first) and
through Flask alone (the layer's inner app), and the two answers must be equal: status,
every header in order, body. `fast` says whether the layer answers the case itself (a plain
GET) or hands it to Flask (anything else); both are asserted, so a reader that quietly
stops answering fails here as surely as one that answers wrongly.
"""
from __future__ import annotations

import base64
import io
import json
import logging
import uuid

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from app import create_app
from blueprints.item_reads import ItemReads
from config import Config
from tests.etags import card_etag_of

BOOK = "/carddav/addressbooks/contacts/"
JSONAPI = "application/vnd.api+json"
RID = {"X-Request-Id": "item-reads-1"}  # a sane client id is echoed: the answers compare whole

RICH_VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Zoë Ünïcødé\r\nN:Ünïcødé;Zoë;;;\r\n"
    "EMAIL;TYPE=HOME:z@example.org\r\nEMAIL;TYPE=WORK:z@work.example\r\nTEL;TYPE=CELL:+44 20 7946 0001\r\n"
    "TEL;TYPE=WORK:+44 20 7946 0002\r\nADR;TYPE=HOME:;;1 Main St;Town;;123;UK\r\nURL:https://z.example\r\n"
    "ORG:Acme\r\nTITLE:Engineer\r\nCATEGORIES:friends,work\r\nNOTE:line1\\nline2 \"quoted\"\r\nEND:VCARD\r\n")


def basic(token: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"phone:{token}".encode()).decode()}


@pytest.fixture
def cards(client, auth, token):
    """Two cards: a rich one PUT through CardDAV and a plain one created in Niagara; an OSID contact."""
    rich = str(uuid.uuid4())
    r = client.put(f"{BOOK}{rich}.vcf", data=RICH_VCARD.format(uid=rich).encode(),
                   headers={**basic(token), "Content-Type": "text/vcard; charset=utf-8"})
    assert r.status_code == 201, r.data
    r = client.post("/contacts", json={"label": "x", "name": "Samantha Carter", "email": "sam@sg1.example",
                                       "phone": "555"}, headers=auth)
    assert r.status_code == 200, r.data
    plain = r.json["contact_id"]
    r = client.post("/contact/addresses", json={"displayName": "Mail", "addressText": "a@b.example"}, headers=auth)
    assert r.status_code == 201, r.data
    r = client.post(f"/contact/contacts?addressId={r.json['id']}&referenceId=resource.Resource:1@x",
                    json={"displayName": "Contact"}, headers=auth)
    assert r.status_code == 201, r.data
    return {"rich": rich, "plain": plain, "osid": r.json["id"]}


def door_requests(card_id: str, bearer: dict, token: str) -> list[tuple[str, str, dict, bool]]:
    """(label, path, headers, answered before Flask) of one card in every door."""
    return [
        ("niagara", f"/contacts/{card_id}", bearer, True),
        ("folio", f"/organizations-storage/contacts/{card_id}", {**bearer, "X-Okapi-Tenant": "diku"}, True),
        ("folio okapi token", f"/organizations-storage/contacts/{card_id}",
         {"X-Okapi-Token": token, "X-Okapi-Tenant": "diku", "Accept": "application/json, text/plain"}, True),
        ("folio upper-case id", f"/organizations-storage/contacts/{card_id.upper()}",
         {**bearer, "X-Okapi-Tenant": "diku"}, True),
        ("incoplax", f"/rest/v1/addressbook/contacts/{card_id}", bearer, True),
        ("mpdx", f"/api/v2/organizations/contacts/{card_id}", {**bearer, "Content-Type": JSONAPI}, True),
        ("mpdx accept", f"/api/v2/organizations/contacts/{card_id}",
         {**bearer, "Content-Type": JSONAPI, "Accept": f"{JSONAPI}, */*"}, True),
        ("carddav basic", f"{BOOK}{card_id}.vcf", basic(token), True),
        ("carddav bearer 4.0", f"{BOOK}{card_id}.vcf", {**bearer, "Accept": "text/vcard; version=4.0"}, True),
        # Handed to Flask: whatever is not a plain GET with good credentials.
        ("niagara no token", f"/contacts/{card_id}", {}, False),
        ("niagara bad token", f"/contacts/{card_id}", {"Authorization": "Bearer nope"}, False),
        ("niagara query", f"/contacts/{card_id}?x=1", bearer, False),
        ("niagara origin", f"/contacts/{card_id}", {**bearer, "Origin": "https://elsewhere.example"}, False),
        ("folio no tenant", f"/organizations-storage/contacts/{card_id}", bearer, False),
        ("folio accept html", f"/organizations-storage/contacts/{card_id}",
         {**bearer, "X-Okapi-Tenant": "diku", "Accept": "text/html"}, False),
        ("incoplax mask", f"/rest/v1/addressbook/contacts/{card_id}?mask=id,displayname", bearer, False),
        ("mpdx no content type", f"/api/v2/organizations/contacts/{card_id}", bearer, False),
        ("mpdx accept html", f"/api/v2/organizations/contacts/{card_id}",
         {**bearer, "Content-Type": JSONAPI, "Accept": "text/html"}, False),
        ("mpdx include", f"/api/v2/organizations/contacts/{card_id}?include=account_list",
         {**bearer, "Content-Type": JSONAPI}, False),
        ("carddav if-none-match", f"{BOOK}{card_id}.vcf", {**basic(token), "If-None-Match": '"c1"'}, False),
    ]


MISSES = [
    ("niagara unknown", "/contacts/{missing}", {}),
    ("folio unknown", "/organizations-storage/contacts/{missing}", {"X-Okapi-Tenant": "diku"}),
    ("folio not a uuid", "/organizations-storage/contacts/not-a-uuid", {"X-Okapi-Tenant": "diku"}),
    ("incoplax unknown", "/rest/v1/addressbook/contacts/{missing}", {}),
    ("mpdx unknown", "/api/v2/organizations/contacts/{missing}", {"Content-Type": JSONAPI}),
    ("mpdx not a uuid", "/api/v2/organizations/contacts/not-a-uuid", {"Content-Type": JSONAPI}),
    ("carddav unknown", BOOK + "{missing}.vcf", {}),
    ("osid unknown", "/contact/contacts/contact.Contact:{missing}@localhost", {}),
    ("osid metadata route", "/contact/contacts/metadata", {}),
    ("incoplax contact groups", "/rest/v1/addressbook/contactgroups", {}),
    ("path with a space", "/contacts/a b", {}),
]


def both_ways(app, path: str, headers: dict, method: str = "GET", data: bytes | None = None
              ) -> tuple[Response, Response]:
    """The answer through the app as served, and Flask's own answer."""
    assert isinstance(app.wsgi_app, ItemReads)
    served = app.test_client().open(path, method=method, headers=headers, data=data)
    flask_only = Client(app.wsgi_app.flask_wsgi_app, Response).open(
        path, method=method, headers=headers, data=data, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return served, flask_only


def answered_before_flask(app, path: str, headers: dict, method: str = "GET", data: bytes | None = None) -> bool:
    base, _, query = path.partition("?")
    environ = EnvironBuilder(path=base, query_string=query, method=method, headers=headers, data=data).get_environ()
    if data is None:
        environ["wsgi.input"] = io.BytesIO(b"")
    found = app.wsgi_app.answer(environ) is not None
    if data is not None:  # a declined request's body is still there for Flask
        assert environ["wsgi.input"].read() == data
    return found


def assert_same(served: Response, flask_only: Response) -> None:
    assert served.status == flask_only.status
    assert served.headers.to_wsgi_list() == flask_only.headers.to_wsgi_list()
    assert served.get_data() == flask_only.get_data()


@pytest.mark.parametrize("which", ["rich", "plain"])
def test_every_door_answers_an_item_get_as_flask_does(app, cards, auth, token, which):
    for label, path, headers, fast in door_requests(cards[which], auth, token):
        served, flask_only = both_ways(app, path, {**headers, **RID})
        assert_same(served, flask_only)
        assert answered_before_flask(app, path, {**headers, **RID}) is fast, label
        if fast:
            assert served.status_code == 200, (label, served.data)


def test_osid_contact_answered_before_flask_as_flask_does(app, cards, auth):
    path = "/contact/contacts/" + cards["osid"]
    served, flask_only = both_ways(app, path, {**auth, **RID})
    assert served.status_code == 200 and served.json["id"] == cards["osid"]
    assert_same(served, flask_only)
    assert answered_before_flask(app, path, auth)


@pytest.mark.parametrize("label,template,headers", MISSES, ids=[m[0] for m in MISSES])
def test_misses_and_other_routes_are_flasks_to_answer(app, cards, auth, label, template, headers):
    path = template.format(missing=uuid.uuid4())
    served, flask_only = both_ways(app, path, {**auth, **headers, **RID})
    assert served.status_code != 200 or label == "osid metadata route" or label == "incoplax contact groups"
    assert_same(served, flask_only)
    assert not answered_before_flask(app, path, {**auth, **headers})


def test_head_and_other_methods_are_flasks(app, cards, auth):
    path = f"/contacts/{cards['plain']}"
    for method in ("HEAD", "OPTIONS", "DELETE"):
        assert not answered_before_flask(app, path, auth, method)
    served, flask_only = both_ways(app, path, {**auth, **RID}, "HEAD")
    assert_same(served, flask_only)


def test_a_token_without_the_read_scope_is_refused_by_flask(app, cards, make_token):
    creator = {"Authorization": f"Bearer {make_token('contacts:create')}"}
    path = f"/contacts/{cards['plain']}"
    served, flask_only = both_ways(app, path, {**creator, **RID})
    assert served.status_code == 403
    assert_same(served, flask_only)
    assert not answered_before_flask(app, path, creator)


def test_a_write_is_seen_by_the_next_fast_read(app, client, cards, auth):
    path = f"/contacts/{cards['plain']}"
    before = client.get(path, headers=auth)
    r = client.put(path, json={"label": "y", "name": "Sam Carter", "email": "sam@sg1.example", "phone": "556"},
                   headers={**auth, "If-Match": before.headers["ETag"]})
    assert r.status_code == 200, r.data
    served, flask_only = both_ways(app, path, {**auth, **RID})
    assert served.headers["ETag"] == card_etag_of(cards["plain"], 2) and served.json["phone"] == "556"
    assert_same(served, flask_only)
    assert answered_before_flask(app, path, auth)
    assert client.delete(path, headers=auth).status_code == 205
    assert client.get(path, headers=auth).status_code == 404


def test_a_request_id_is_made_when_the_client_sends_none(client, cards, auth):
    r = client.get(f"/contacts/{cards['plain']}", headers=auth)
    assert r.status_code == 200
    assert len(r.headers["X-Request-Id"]) == 32 and int(r.headers["X-Request-Id"], 16) >= 0


def test_fast_answers_are_logged_and_counted_as_flasks_are(app, client, cards, auth):
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    keep = Keep()
    logger = logging.getLogger("contacts.access")
    logger.addHandler(keep)
    path = f"/contacts/{cards['plain']}"
    sample = 'contacts_http_requests_total{method="GET",route="/contacts/<contact_id>",status="200"}'

    def counted() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        return next((float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(sample)), 0.0)

    try:
        before = counted()
        served, flask_only = both_ways(app, path, {**auth, **RID})
        assert counted() == before + 2
    finally:
        logger.removeHandler(keep)
    fast_line, flask_line = [line for line in lines if line["path"] == path]
    for line in (fast_line, flask_line):
        assert set(line) == {"ts", "level", "event", "method", "path", "route", "status", "duration_ms",
                             "request_id", "remote_addr", "pid"}
    same = ("level", "event", "method", "path", "route", "status", "request_id", "remote_addr", "pid")
    assert {k: fast_line[k] for k in same} == {k: flask_line[k] for k in same} == {
        **{k: flask_line[k] for k in ("pid", "remote_addr")}, "level": "info", "event": "request", "method": "GET",
        "path": path, "route": "/contacts/<contact_id>", "status": 200, "request_id": "item-reads-1"}


def test_auth_off_serves_without_a_token(database_url, cards):
    app = create_app(Config(database_url=database_url, auth=False))
    path = f"/rest/v1/addressbook/contacts/{cards['plain']}"
    served, flask_only = both_ways(app, path, RID)
    assert served.status_code == 200
    assert_same(served, flask_only)
    assert answered_before_flask(app, path, {})


@pytest.mark.parametrize("setting", [{"rate_limit": "1000/minute"}, {"cors_origins": "https://ui.example"}])
def test_with_a_rate_limit_or_cors_every_request_goes_through_flask(database_url, setting):
    # The limiter counts every request; flask-cors adds its headers to every answer, Origin or not.
    app = create_app(Config(database_url=database_url, auth=True, **setting))
    assert not isinstance(app.wsgi_app, ItemReads)


LOOKUPS = [
    # (label, path, body, headers, answered before Flask, status)
    ("number", "/rest/v1/addressbook/contacts", b'"555"', {"Content-Type": "application/json"}, True, 200),
    ("number as an integer", "/rest/v1/addressbook/contacts", b"555", {}, True, 200),
    ("unknown number", "/rest/v1/addressbook/contacts", b'"000-none"', {}, False, 404),
    ("escaped NUL", "/rest/v1/addressbook/contacts", b'"55\\u00005"', {"Content-Type": "application/json"},
     False, 400),
    ("escaped digits", "/rest/v1/addressbook/contacts", b'"\\u0035\\u00355"', {}, False, 200),
    ("boolean", "/rest/v1/addressbook/contacts", b"true", {}, False, 400),
    ("not JSON", "/rest/v1/addressbook/contacts", b"555 x", {}, False, 400),
    ("no body", "/rest/v1/addressbook/contacts", b"", {}, False, 400),
    ("long body", "/rest/v1/addressbook/contacts", b'"' + b"5" * 300 + b'"', {}, False, 404),
    ("query string", "/rest/v1/addressbook/contacts?x=1", b'"555"', {}, False, 200),
    ("contact groups", "/rest/v1/addressbook/contactgroups", b'"eng"', {}, False, 404),
]


@pytest.mark.parametrize("label,path,body,headers,fast,status", LOOKUPS, ids=[case[0] for case in LOOKUPS])
def test_lookup_answers_as_flask_does(app, cards, auth, label, path, body, headers, fast, status):
    every = {**auth, **headers, **RID}
    served, flask_only = both_ways(app, path, every, "LOOKUP", body)
    assert_same(served, flask_only)
    assert answered_before_flask(app, path, every, "LOOKUP", body) is fast
    assert served.status_code == status, served.data
    if status == 200:
        assert served.json == [cards["plain"]]


def test_lookup_without_a_token_is_refused_by_flask(app, cards):
    served, flask_only = both_ways(app, "/rest/v1/addressbook/contacts", RID, "LOOKUP", b'"555"')
    assert served.status_code == 401
    assert_same(served, flask_only)
    assert not answered_before_flask(app, "/rest/v1/addressbook/contacts", {}, "LOOKUP", b'"555"')
