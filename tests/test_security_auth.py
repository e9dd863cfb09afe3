"""Every dialect route, taken from the app's URL map, refuses requests without a usable token.

The cases are generated from `app.url_map`, so a route added later is covered without
editing this file: it must answer 401 (no, garbage or revoked token) and 403 (a token
without the needed scope), each in its dialect's own error format.
"""
from __future__ import annotations

import re

import pytest

from app import create_app
from blueprints.auth import SCOPE_BY_METHOD, is_protected, required_scope
from blueprints.errors import renderer_for
from config import Config
from services.errors import Forbidden, Unauthorized

ALL_SCOPES = ("contacts:read", "contacts:create", "contacts:update", "contacts:delete")
# MPDX answers two things before it looks at the token, as upstream's Rails pipeline does: a
# request whose route does not exist (ids must be UUIDs) and content negotiation (415 without
# its JSON:API Content-Type). Its routes are exercised with a UUID and that Content-Type.
MPDX = "/api/v2/"
MPDX_ID = "f2111bfc-7b2a-417f-9507-179aba32e15a"


def _content_type(path: str) -> str:
    return "application/vnd.api+json" if path.startswith(MPDX) else "application/json"


def _routes():
    app = create_app(Config(database_url="sqlite:///:memory:", auth=True), run_migrations=False)
    cases = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", MPDX_ID if rule.rule.startswith(MPDX) else r"x-\1", rule.rule)
        if not is_protected(path):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((method, path, rule.endpoint))
    return cases


ROUTES = _routes()


def test_every_dialect_has_protected_routes():
    prefixes = {"/rest/v1/addressbook"}
    assert prefixes <= {p for _, path, _ in ROUTES for p in prefixes if path.startswith(p)}
    assert len(ROUTES) >= 10


def _expected(app, path, error):
    with app.test_request_context(path):
        return renderer_for(path)(error)


@pytest.mark.parametrize("method, path, endpoint", ROUTES)
def test_route_needs_a_valid_token(app, client, make_token, method, path, endpoint):
    revoked = make_token("*")
    from services.tokens import revoke_token

    with app.app_context():
        revoke_token(revoked)
    for headers in ({}, {"Authorization": "Bearer garbage"}, {"Authorization": f"Bearer {revoked}"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        r = client.open(path, method=method, headers=headers, data=b"{}", content_type=_content_type(path))
        assert r.status_code == 401, (method, path, headers, r.data)
        expected = _expected(app, path, Unauthorized("x"))
        assert r.headers["Content-Type"] == expected.headers["Content-Type"], (method, path)


@pytest.mark.parametrize("method, path, endpoint", ROUTES)
def test_route_needs_its_scope(app, client, make_token, method, path, endpoint):
    with app.test_request_context(path, method=method):
        needed = required_scope(endpoint, method)
    assert needed in ALL_SCOPES, (method, path, needed)
    others = [s for s in ALL_SCOPES if s != needed]
    token = make_token(*others)
    r = client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, data=b"{}",
                    content_type=_content_type(path))
    assert r.status_code == 403, (method, path, r.data)
    expected = _expected(app, path, Forbidden("x"))
    assert r.headers["Content-Type"] == expected.headers["Content-Type"], (method, path)


def test_scope_table_covers_every_method_used():
    assert {method for method, _, _ in ROUTES} <= set(SCOPE_BY_METHOD)


def test_token_revoked_by_another_process_is_refused_at_once(app, client, make_token, database_url):
    """Verified tokens are remembered between requests, but a revocation committed by
    another connection (the CLI, another worker) takes effect on the very next request."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the verified-token memory exists on SQLite only (PostgreSQL asks every time)")
    import sqlite3

    token = make_token("*")
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):  # the second answer comes from the remembered verification
        assert client.get("/rest/v1/addressbook/contacts", headers=headers).status_code == 200
    other = sqlite3.connect(database_url.split("///", 1)[1])
    with other:
        other.execute("UPDATE api_token SET revoked = 1")
    other.close()
    r = client.get("/rest/v1/addressbook/contacts", headers=headers)
    assert r.status_code == 401, r.data


@pytest.mark.parametrize("method, path, endpoint", [route for route in ROUTES if route[1].startswith(MPDX)])
def test_mpdx_negotiates_before_the_token(client, method, path, endpoint):
    """Upstream order: 415 (Content-Type) comes before 401, for every MPDX route."""
    r = client.open(path, method=method, headers={}, data=b"{}", content_type="application/json")
    assert r.status_code == 415, (method, path, r.data)
