"""Hostile input in every dialect: a 4xx in the dialect's own error format, never a 5xx, no write.

Table-driven: each endpoint row names its collection, an item path, the headers its
clients send and how its errors look; each case row is one hostile request. After
every case the stored data is compared with a checksum of every table taken before.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import quote

import jsonschema
import pytest

from models.connect import database

INCOPLAX = "/rest/v1/addressbook"
NIAGARA_PROBLEM = "application/problem+json"
SQL_INJECTIONS = ["' OR 1=1; DROP TABLE contact; --", "1; DELETE FROM contact", "\" OR \"\"=\"", "1' UNION SELECT sql FROM sqlite_master --"]
CQL_INJECTIONS = ['cql.allRecords=1 or id=="*"', "id==* sortBy id/sort.descending) and (((", '"\\") or 1=1 --']
ABSURD_NUMBERS = ["-1", str(10**30), "NaN", "abc", "Infinity", "1e3", "0x10", "%ff"]
# Search terms that look like attacks but, taken as data, match no word of the seeded contacts.
SEARCH_INJECTIONS = SQL_INJECTIONS + ['") or cql.allRecords=1 or ("', "\\\") or 1=1 --", "%' --", "_%"]
TRAVERSALS = ["..%2F..%2Fetc%2Fpasswd", "..%252F..%252Fetc%252Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"]


def _schema(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


_STR, _INT = {"type": "string"}, {"type": "integer"}
ERROR_SCHEMAS = {
    "incoplax": _schema(["error_code", "error_message"], error_code=_INT, error_message=_STR),
    "niagara": _schema(["title", "type", "status", "detail"], title=_STR, type=_STR, status=_INT, detail=_STR),
    "mpdx": _schema(["errors"], errors={"type": "array", "minItems": 1, "items": _schema(
        ["status", "title"], status=_STR, title=_STR)}),
    "osid": {**_schema(["message"], message=_STR), "additionalProperties": False},
    "folio422": _schema(["errors"], errors={"type": "array", "items": _schema(["message"], message=_STR)}),
}


@dataclass
class Endpoint:
    """One dialect collection and how its clients and errors look."""

    name: str
    dialect: str
    collection: str
    item: str | None  # with {id}
    create: dict | None  # a valid create body (None: the collection takes no POST)
    item_write: str | None  # PUT or PATCH
    error_type: str
    headers: dict = field(default_factory=dict)
    body_type: str = "application/json"
    params: dict = field(default_factory=dict)  # name -> "typed" (hostile value: 4xx) or "text" (2xx allowed)
    create_query: str = ""  # query string a POST needs (templated like the paths)

    def __str__(self) -> str:
        return self.name


ENDPOINTS = [
    Endpoint("incoplax-contacts", "incoplax", f"{INCOPLAX}/contacts", f"{INCOPLAX}/contacts/{{id}}",
             {"displayname": "Mallory", "number": "666"}, "PATCH", "application/json; charset=utf-8",
             params=dict.fromkeys(["filter", "mask", "order", "flat", "offset", "limit"], "typed")),
    Endpoint("incoplax-groups", "incoplax", f"{INCOPLAX}/contactgroups", f"{INCOPLAX}/contactgroups/{{id}}",
             {"name": "Mallory's", "code": "evil"}, "PATCH", "application/json; charset=utf-8",
             params=dict.fromkeys(["filter", "mask", "order", "flat", "offset", "limit"], "typed")),
    Endpoint("incoplax-combined", "incoplax", f"{INCOPLAX}/combined_contacts", None, None, None,
             "application/json; charset=utf-8", params=dict.fromkeys(["filter", "offset", "limit"], "typed")),
    Endpoint("niagara-contacts", "niagara", "/contacts", "/contacts/{id}",
             {"label": "x", "name": "Mallory", "email": "mallory@example.org"}, "PUT", NIAGARA_PROBLEM,
             params=dict.fromkeys(["limit", "offset"], "typed")),
    Endpoint("niagara-relations", "niagara", "/contacts/{seed}/relations", "/contacts/{seed}/relations/{id}",
             {"relation": "backup", "entity": {"entity_type": "CON", "entity_id": "{other}"}}, None, NIAGARA_PROBLEM,
             params=dict.fromkeys(["limit", "offset", "filter[direction]", "filter[relation]",
                                   "filter[entity_type]"], "typed")),
    Endpoint("folio-contacts", "folio", "/organizations-storage/contacts", "/organizations-storage/contacts/{id}",
             {"firstName": "Mallory", "lastName": "Evil"}, "PUT", "text/plain",
             headers={"X-Okapi-Tenant": "diku"},
             # CQL is a query language: a hostile-looking but valid query is answered (see SEARCHES)
             # `lang` is no parameter of the module (ignored, as upstream since 2023)
             params={"query": "text", "lang": "text", **dict.fromkeys(["offset", "limit", "totalRecords"], "typed")}),
    Endpoint("mpdx-contacts", "mpdx", "/api/v2/organizations/contacts", "/api/v2/organizations/contacts/{id}",
             None, None, "application/vnd.api+json; charset=utf-8",
             # MPDX refuses (415) any request without its media type, GET and DELETE too
             headers={"Accept": "application/vnd.api+json", "Content-Type": "application/vnd.api+json"},
             body_type="application/vnd.api+json",
             # MPDX ignores unknown include paths and filter values (nothing matches, 200), reads
             # page/per_page with Ruby's to_i (never an error) and refuses unknown sorts (400)
             params=dict.fromkeys(["page", "per_page", "sort", "include", "filter[organization_id]",
                                   "filter[status]", "filter[wildcard_search]", "fields[contacts]"], "text")),
    Endpoint("osid-contacts", "osid", "/contact/contacts", "/contact/contacts/{id}",
             {"displayName": "Mallory"}, "PUT", "application/json",
             create_query="?addressId={address}&referenceId=id.Id%3A1%40example.org",
             params={**dict.fromkeys(["addressId", "referenceId", "addressBookId", "fromDate", "toDate",
                                      "genusTypeId", "offset", "limit"], "typed"),
                     **dict.fromkeys(["recordType", "displayName"], "text")}),
    Endpoint("osid-addresses", "osid", "/contact/addresses", "/contact/addresses/{id}",
             {"displayName": "Mallory's lair"}, "PUT", "application/json",
             params=dict.fromkeys(["addressBookId", "offset", "limit", "genusTypeId"], "typed")),
    Endpoint("osid-address-books", "osid", "/contact/address-books", "/contact/address-books/{id}",
             {"displayName": "Mallory's book"}, "PUT", "application/json",
             params=dict.fromkeys(["offset", "limit", "genusTypeId"], "typed")),
]


# ---------------------------------------------------------------- fixtures and helpers

pytestmark = pytest.mark.usefixtures("quiet_access_log")


@pytest.fixture
def seed(client, auth) -> dict:
    """Two contacts (one in a group, related to the other) and an OSID address book."""
    first = client.post(f"{INCOPLAX}/contacts", headers=auth,
                        json={"displayname": "Alice Liddell", "number": "7946-0958", "email": "alice@wonderland.test"}).json
    other = client.post(f"{INCOPLAX}/contacts", headers=auth,
                        json={"displayname": "Bob Dodgson", "number": "7946-0959"}).json
    client.post(f"{INCOPLAX}/contactgroups", headers=auth,
                json={"name": "Wonderland", "code": "wl", "opts": {"abonents": [first["autokey"]]}})
    client.post(f"/contacts/{first['id']}/relations", headers=auth,
                json={"relation": "backup", "entity": {"entity_type": "CON", "entity_id": other["id"]}})
    client.post("/contact/address-books", headers=auth, json={"displayName": "Looking glass"})
    address = client.post("/contact/addresses", headers=auth, json={"displayName": "Rabbit hole"}).json
    return {"seed": first["id"], "other": other["id"], "address": quote(address["id"], safe="")}


def snapshot(app) -> str:
    """A checksum of every stored row (search indexes and tokens aside)."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in sorted(database.get_tables()):
            # folio_key is FOLIO's name index: a search may add the entries of new cards
            if table in ("api_token", "schema_migration", "folio_key") or "fts" in table or "dirty" in table:
                continue
            rows = database.execute_sql(f'SELECT * FROM "{table}"').fetchall()
            digest.update(table.encode() + repr(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


def _path(template: str, seed: dict, **values) -> str:
    return template.format(**seed, **values)


def _request(client, auth, endpoint: Endpoint, method: str, path: str, data=None, content_type=None):
    headers = {**auth, **endpoint.headers}
    if data is not None:
        headers["Content-Type"] = content_type or endpoint.body_type
    return client.open(path, method=method, data=data, headers=headers)


def assert_dialect_error(endpoint: Endpoint, response, *statuses: int) -> None:
    """A 4xx (one of `statuses` when given) with the dialect's error Content-Type and body shape."""
    status = response.status_code
    assert 400 <= status < 500, (status, response.data[:300])
    if statuses:
        assert status in statuses, (status, response.data[:300])
    if endpoint.dialect == "folio":
        if status == 422:
            assert response.headers["Content-Type"] == "application/json"
            jsonschema.validate(response.json, ERROR_SCHEMAS["folio422"])
        else:
            assert response.headers["Content-Type"] == "text/plain", response.headers["Content-Type"]
            assert response.data.strip() and not response.data.startswith(b"<"), response.data[:200]
        return
    assert response.headers["Content-Type"] == endpoint.error_type, (status, response.headers["Content-Type"])
    jsonschema.validate(json.loads(response.data), ERROR_SCHEMAS[endpoint.dialect])


def _body_json(endpoint: Endpoint, seed: dict) -> bytes:
    return json.dumps(endpoint.create).replace("{other}", seed["other"]).encode()


# ---------------------------------------------------------------- bodies

def _with_nul(body: dict) -> bytes:
    """The create body with a NUL inside its first string value."""
    text = json.dumps(body)
    key = next(k for k, v in body.items() if isinstance(v, str))
    return text.replace(json.dumps(body[key]), json.dumps(body[key][:2] + "\x00" + body[key][2:]), 1).encode()


def _with_bad_utf8(body: dict) -> bytes:
    key = next(k for k, v in body.items() if isinstance(v, str))
    return json.dumps(body).encode().replace(json.dumps(body[key]).encode(), b'"\xff\xfe\xc3("', 1)


BODY_CASES = {
    "malformed": lambda body: b'{"displayname": "x", ',
    "trailing-garbage": lambda body: json.dumps(body).encode() + b"}}",
    "deep-arrays": lambda body: b"[" * 100_000,
    "deep-objects": lambda body: b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep-in-field": lambda body: json.dumps({**body, "extra": 1}).encode().replace(b"1}", b"[" * 20_000 + b"]" * 20_000 + b"}"),
    "nul-in-string": _with_nul,
    "invalid-utf8": _with_bad_utf8,
    "not-an-object": lambda body: b"[1, 2, 3]",
    "bare-string": lambda body: b'"hello"',
    "empty": lambda body: b"",
    "huge": lambda body: b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}
WRITERS = [e for e in ENDPOINTS if e.create is not None]


@pytest.mark.parametrize("case", list(BODY_CASES))
@pytest.mark.parametrize("endpoint", WRITERS, ids=str)
def test_hostile_create_bodies(app, client, auth, seed, endpoint, case):
    before = snapshot(app)
    body = json.loads(_body_json(endpoint, seed))
    r = _request(client, auth, endpoint, "POST", _path(endpoint.collection + endpoint.create_query, seed),
                 BODY_CASES[case](body))
    assert_dialect_error(endpoint, r, *((413,) if case == "huge" else ()))
    assert snapshot(app) == before


@pytest.mark.parametrize("case", ["malformed", "deep-arrays", "nul-in-string", "invalid-utf8", "huge"])
@pytest.mark.parametrize("endpoint", [e for e in WRITERS if e.item_write], ids=str)
def test_hostile_update_bodies(app, client, auth, seed, endpoint, case):
    item_id = _existing_id(client, auth, endpoint, seed)
    before = snapshot(app)
    body = json.loads(_body_json(endpoint, seed))
    r = _request(client, auth, endpoint, endpoint.item_write, _path(endpoint.item, seed, id=quote(item_id, safe="")),
                 BODY_CASES[case](body))
    assert_dialect_error(endpoint, r, *((413,) if case == "huge" else ()))
    assert snapshot(app) == before


def _existing_id(client, auth, endpoint: Endpoint, seed: dict) -> str:
    """Create one object through the endpoint itself and return its id."""
    r = _request(client, auth, endpoint, "POST", _path(endpoint.collection + endpoint.create_query, seed),
                 _body_json(endpoint, seed))
    assert r.status_code in (200, 201), r.data
    body = r.json
    return body.get("id") or body.get("contact_id") or body["relation_id"]


# ---------------------------------------------------------------- URLs

@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_huge_query_string_is_414(app, client, auth, seed, endpoint):
    before = snapshot(app)
    path = _path(endpoint.collection, seed)
    r = _request(client, auth, endpoint, "GET", f"{path}?{next(iter(endpoint.params))}={'a' * 100_000}")
    assert_dialect_error(endpoint, r, 414)
    r = _request(client, auth, endpoint, "GET", f"{path}?{'&'.join(f'p{i}=v' for i in range(20_000))}")
    assert_dialect_error(endpoint, r, 414)
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_nul_and_invalid_utf8_in_urls(app, client, auth, seed, endpoint):
    before = snapshot(app)
    path = _path(endpoint.collection, seed)
    for name in endpoint.params:
        r = _request(client, auth, endpoint, "GET", f"{path}?{quote(name)}=a%00b")
        assert_dialect_error(endpoint, r, 400)
        r = _request(client, auth, endpoint, "GET", f"{path}?{quote(name)}%00=1")
        assert_dialect_error(endpoint, r, 400)
    if endpoint.item:
        for method in ("GET", endpoint.item_write or "DELETE", "DELETE"):
            r = _request(client, auth, endpoint, method, _path(endpoint.item, seed, id="abc%00def"),
                         b"{}" if method in ("PUT", "PATCH") else None)
            assert_dialect_error(endpoint, r, 400)
            r = _request(client, auth, endpoint, method, _path(endpoint.item, seed, id="%ff%fe%c3%28"),
                         b"{}" if method in ("PUT", "PATCH") else None)
            assert_dialect_error(endpoint, r)
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.item], ids=str)
def test_path_traversal_in_ids(app, client, auth, seed, endpoint):
    before = snapshot(app)
    for traversal in TRAVERSALS + ["..", ".", "%2e%2e", "a" * 4000, "' OR 1=1 --"]:
        item = _path(endpoint.item, seed, id=traversal if "%" in traversal else quote(traversal, safe=""))
        for method in ("GET", endpoint.item_write, "DELETE"):
            if method is None:
                continue
            r = _request(client, auth, endpoint, method, item, b"{}" if method in ("PUT", "PATCH") else None)
            assert_dialect_error(endpoint, r, 400, 404, 405, 422)  # 422: FOLIO validates the body first
            assert b"root:" not in r.data
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_injection_and_absurd_values_in_every_parameter(app, client, auth, seed, endpoint):
    before = snapshot(app)
    path = _path(endpoint.collection, seed)
    for name, kind in endpoint.params.items():
        for value in SQL_INJECTIONS + CQL_INJECTIONS + ABSURD_NUMBERS:
            encoded = value if value == "%ff" else quote(value, safe="")
            r = _request(client, auth, endpoint, "GET", f"{path}?{quote(name)}={encoded}")
            if kind == "typed":
                assert_dialect_error(endpoint, r, 400, 422)
            else:
                assert r.status_code in (200, 400), (name, value, r.status_code, r.data[:200])
                if r.status_code == 400:
                    assert_dialect_error(endpoint, r, 400)
    assert snapshot(app) == before


# Valid containers with hostile content: parsed as data, they match nothing and change nothing.
SEARCHES = [
    ("incoplax-contacts", "filter", lambda v: json.dumps({"displayname": v}), lambda body: body),
    ("incoplax-contacts", "filter", lambda v: json.dumps({"number": [v, "1' OR '1'='1"]}), lambda body: body),
    ("incoplax-groups", "filter", lambda v: json.dumps({"code": v}), lambda body: body),
    ("folio-contacts", "query", lambda v: f'firstName="{v.replace(chr(34), "")}"', lambda body: body["contacts"]),
    ("folio-contacts", "query", lambda v: f'lastName=="{v.replace(chr(34), "")}*" sortBy firstName',
     lambda body: body["contacts"]),
    ("mpdx-contacts", "filter[wildcard_search]", lambda v: v, lambda body: body["data"]),
    ("osid-contacts", "displayName", lambda v: v, lambda body: body),
]


@pytest.mark.parametrize("name, param, build, items", SEARCHES, ids=[f"{s[0]}-{s[1]}" for s in SEARCHES])
def test_injection_inside_valid_searches_matches_nothing(app, client, auth, seed, name, param, build, items):
    endpoint = next(e for e in ENDPOINTS if e.name == name)
    before = snapshot(app)
    for value in SEARCH_INJECTIONS:
        r = _request(client, auth, endpoint, "GET", f"{endpoint.collection}?{quote(param)}={quote(build(value))}")
        assert r.status_code == 200, (value, r.data[:300])
        if name == "mpdx-contacts" and value == "_%":  # upstream's ILIKE wildcards: any non-empty name
            assert len(items(r.json)) == 2, (value, r.data[:300])
            continue
        assert items(r.json) == [], (value, r.data[:300])
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "limit" in e.params or "per_page" in e.params], ids=str)
def test_absurd_limits_and_offsets(app, client, auth, seed, endpoint):
    before = snapshot(app)
    path = _path(endpoint.collection, seed)
    names = [n for n in ("limit", "offset", "page", "per_page") if n in endpoint.params]
    for name in names:
        for value in ("-1", "-9223372036854775809", str(2**63), str(10**30), "NaN", "abc", "1.5", ""):
            r = _request(client, auth, endpoint, "GET", f"{path}?{name}={quote(value)}")
            if endpoint.name == "mpdx-contacts":  # Kaminari: Ruby's to_i, never an error; the value echoed
                assert r.status_code == 200, (name, value, r.data[:300])
                assert r.json["meta"]["pagination"][name] == value
                continue
            if value == "" and r.status_code == 200:
                continue  # an empty value means "not given" in some dialects
            assert_dialect_error(endpoint, r, 400, 422)
    assert snapshot(app) == before


# ---------------------------------------------------------------- tokens never reach the log

def test_no_log_line_ever_carries_a_token(app, client, auth, token, caplog):
    """Every logger, every level, errors included: neither header nor query may leak a token."""
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("contacts.access")
    logger.disabled = False
    propagate, logger.propagate = logger.propagate, True  # let caplog see the access lines too
    try:
        for headers in (auth, {"Authorization": f"Bearer {token}x"}, {"X-Okapi-Token": token, "X-Okapi-Tenant": "t"}):
            client.get(f"{INCOPLAX}/contacts?access_token={token}", headers=headers)
            client.post("/contacts", data=b"[" * 5000, headers={**headers, "Content-Type": "application/json"})
            client.get(f"/organizations-storage/contacts?query={'(' * 3000}", headers={**headers, "X-Okapi-Tenant": "t"})
    finally:
        logger.propagate = propagate
    assert len(caplog.records) >= 12
    for record in caplog.records:
        assert token not in record.getMessage() and token not in (record.exc_text or "")
