"""Every dialect route, taken from the app's URL map, refuses requests without a usable token.

The cases are generated from `app.url_map`, so a route added later is covered without
editing this file: it must answer 401 (no, garbage or revoked token) and 403 (a token
without the needed scope), each in its dialect's own error format. The web UI's routes
(/ui) are generated the same way: without a valid session a page redirects to the
sign-in page and a POST answers 401, a session whose token lacks the scope gets 403,
and a POST without the session's CSRF token 403, all as HTML pages. Every route of the
app is either a dialect's, the UI's, or one of the few open ones listed here.
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


URL_MAP_APP = create_app(Config(database_url="sqlite:///:memory:", auth=True), run_migrations=False)
# Routes that need no token at all: health, metrics and the API's own documentation.
OPEN_ENDPOINTS = {"static", "api-docs.openapi_json", "healthz", "readyz", "metrics",
                  # /docs: our Swagger UI page, its files and its LOOKUP plugin (blueprints/docs.py)
                  "docs.page", "docs.assets", "docs.static",
                  # RFC 6764 discovery: a 301 to /carddav/ for anyone (a redirect reveals nothing; clients
                  # ask it before they send credentials; docs/mapping/carddav.md)
                  "carddav.well_known"}
# Web UI routes reachable without a session (their POSTs still need the CSRF token).
UI_PUBLIC_ENDPOINTS = {"ui.sign_in", "ui.sign_out", "ui.static"}


def _path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", MPDX_ID if rule.rule.startswith(MPDX) else r"x-\1", rule.rule)


def _routes(wanted):
    cases = []
    for rule in URL_MAP_APP.url_map.iter_rules():
        path = _path(rule)
        if not wanted(path, rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((method, path, rule.endpoint))
    return cases


ROUTES = _routes(lambda path, endpoint: is_protected(path))
UI_ROUTES = _routes(lambda path, endpoint: path.startswith("/ui") and endpoint not in UI_PUBLIC_ENDPOINTS)


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


# ---------------------------------------------------------------- every route, and the web UI's

def test_every_route_is_a_dialects_the_uis_or_open():
    assert OPEN_ENDPOINTS <= {rule.endpoint for rule in URL_MAP_APP.url_map.iter_rules()}  # no stale entry
    for rule in URL_MAP_APP.url_map.iter_rules():
        path = _path(rule)
        assert is_protected(path) or path.startswith("/ui/") or rule.endpoint in OPEN_ENDPOINTS, rule.rule


def test_only_sign_in_sign_out_and_static_files_need_no_session():
    from blueprints.ui import is_public

    with URL_MAP_APP.test_request_context("/ui/"):
        public = {rule.endpoint for rule in URL_MAP_APP.url_map.iter_rules()
                  if rule.rule.startswith("/ui") and is_public(rule.endpoint)}
    assert public == UI_PUBLIC_ENDPOINTS
    assert len(UI_ROUTES) >= 10


def _ui_session(app, client, token):
    from tests.ui.ui_support import sign_in

    assert sign_in(client, token).status_code == 303
    with client.session_transaction("/ui/") as session:
        return session["csrf_token"]


def _assert_signed_out(r, method, path):
    assert r.headers["Content-Type"] == "text/html; charset=utf-8", (method, path)
    if method == "GET":
        assert r.status_code == 303, (method, path, r.status_code)
        assert r.headers["Location"].startswith("/ui/sign-in?next="), r.headers["Location"]
    else:
        assert r.status_code == 401, (method, path, r.status_code)
        assert b"Sign in first" in r.data


@pytest.mark.parametrize("method, path, endpoint", UI_ROUTES)
def test_ui_route_needs_a_live_session(app, client, make_token, method, path, endpoint):
    from services.tokens import revoke_token

    r = client.open(path, method=method, data={"csrf_token": "x"})  # no session at all
    _assert_signed_out(r, method, path)
    token = make_token("*")
    csrf = _ui_session(app, client, token)
    with app.app_context():
        revoke_token(token[:10])
    r = client.open(path, method=method, data={"csrf_token": csrf})
    _assert_signed_out(r, method, path)
    client.set_cookie("contacts_ui", "forged", path="/ui")
    _assert_signed_out(client.open(path, method=method, data={"csrf_token": csrf}), method, path)


@pytest.mark.parametrize("method, path, endpoint", UI_ROUTES)
def test_ui_route_needs_its_scope(app, client, make_token, method, path, endpoint):
    with app.test_request_context(path, method=method):
        needed = required_scope(endpoint, method)
    assert needed in ALL_SCOPES, (method, path, needed)
    csrf = _ui_session(app, client, make_token(*[s for s in ALL_SCOPES if s != needed]))
    r = client.open(path, method=method, data={"csrf_token": csrf})
    assert r.status_code == 403, (method, path, r.status_code)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f"lacks the scope {needed}".encode() in r.data


@pytest.mark.parametrize("method, path, endpoint", [c for c in UI_ROUTES if c[0] == "POST"]
                         + [("POST", "/ui/sign-in", "ui.sign_in"), ("POST", "/ui/sign-out", "ui.sign_out")])
def test_ui_post_needs_the_csrf_token(app, client, make_token, method, path, endpoint):
    csrf = _ui_session(app, client, make_token("*"))
    for data in ({}, {"csrf_token": ""}, {"csrf_token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}):
        r = client.open(path, method=method, data=data)
        assert r.status_code == 403, (path, data, r.status_code)
        assert b"This form has expired or did not come from this site" in r.data
