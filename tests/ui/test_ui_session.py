"""Signing in and out of the web UI: the session cookie, CSRF, revocation, redirects."""
from __future__ import annotations

import base64
import json
import zlib

import pytest

from app import create_app
from config import Config
from services import tokens
from services.settings import SESSION_SECRET, get_setting

from .ui_support import csrf, make_card, post, sign_in, text


def _cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("contacts_ui=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def _payload(set_cookie: str) -> dict:
    """The session's content: Flask signs it but does not encrypt it (readable by anyone holding it)."""
    value = set_cookie.split(";", 1)[0].split("=", 1)[1]
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def test_pages_redirect_to_sign_in_and_back(client, token):
    r = client.get("/ui/cards/abc?x=1")
    assert r.status_code == 303
    assert r.headers["Location"] == "/ui/sign-in?next=/ui/cards/abc?x%3D1"
    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    assert '<label for="token">API token</label>' in text(page)
    assert 'name="next" value="/ui/cards/abc?x=1"' in text(page)
    r = client.post("/ui/sign-in", data={"token": token, "csrf_token": csrf(client), "next": "/ui/cards/abc?x=1"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/ui/cards/abc?x=1"


def test_the_cookie_is_httponly_strict_and_holds_only_the_tokens_digest(client, token):
    r = sign_in(client, token)
    assert r.status_code == 303 and r.headers["Location"] == "/ui/"
    cookie = _cookie(r)
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert sorted(attributes) == ["HttpOnly", "Path=/ui", "SameSite=Strict"]  # no Secure over http
    payload = _payload(cookie)
    assert token not in cookie and token not in json.dumps(payload)
    assert payload["t"] == tokens.hash_token(token)
    assert set(payload) == {"t", "at", "who", "csrf_token"}


def test_the_cookie_is_secure_over_https(app, token):
    client = app.test_client()
    page = client.get("/ui/sign-in", base_url="https://localhost")
    assert "Secure" in [p.strip() for p in _cookie(page).split(";")]
    token_field = csrf(client)
    r = client.post("/ui/sign-in", data={"token": token, "csrf_token": token_field}, base_url="https://localhost")
    assert r.status_code == 303
    assert "Secure" in [p.strip() for p in _cookie(r).split(";")]


def test_a_wrong_or_revoked_token_is_refused(app, client, make_token):
    r = sign_in(client, "ct_not-a-token")
    assert r.status_code == 401
    assert "That token is not valid" in text(r)
    assert 'aria-invalid="true" aria-describedby="token-error"' in text(r)
    revoked = make_token("*")
    with app.app_context():
        tokens.revoke_token(revoked[:10])
    assert sign_in(client, revoked).status_code == 401
    assert client.get("/ui/").status_code == 303


def test_empty_token(client):
    r = sign_in(client, "  ")
    assert r.status_code == 400
    assert "Enter your API token." in text(r)


def test_sign_in_needs_the_csrf_token(client, token):
    client.get("/ui/sign-in")
    r = client.post("/ui/sign-in", data={"token": token})
    assert r.status_code == 403
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "This form has expired" in text(r)
    assert client.get("/ui/").status_code == 303  # not signed in
    fresh = client.application.test_client()  # no cookie at all (cookies blocked)
    assert fresh.post("/ui/sign-in", data={"token": token, "csrf_token": "x"}).status_code == 403


def test_revoking_the_token_ends_the_session_at_once(app, client, make_token):
    token = make_token("*")
    sign_in(client, token)
    assert client.get("/ui/").status_code == 200
    with app.app_context():
        assert tokens.revoke_token(token[:10]) == 1
    r = client.get("/ui/")
    assert r.status_code == 303 and r.headers["Location"].startswith("/ui/sign-in")
    assert post(client, "/ui/new", {"display_name": "X"}).status_code == 401


def test_sign_out(client, token):
    sign_in(client, token)
    r = post(client, "/ui/sign-out")
    assert r.status_code == 303 and r.headers["Location"] == "/ui/sign-in"
    assert client.get("/ui/").status_code == 303
    assert "You are signed out." in text(client.get("/ui/sign-in"))


def test_sign_out_needs_the_csrf_token(client, token):
    sign_in(client, token)
    assert client.post("/ui/sign-out").status_code == 403
    assert client.get("/ui/").status_code == 200  # still signed in


@pytest.mark.parametrize("target", ["https://evil.example/ui/", "//evil.example/ui/", "/contacts", "/ui", "\\\\evil",
                                    "/ui/\\evil", "javascript:alert(1)"])
def test_next_only_leads_to_pages_of_the_ui(client, token, target):
    r = client.post("/ui/sign-in", data={"token": token, "csrf_token": csrf(client), "next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == "/ui/"


def test_sessions_end_after_twelve_hours(client, token):
    sign_in(client, token)
    with client.session_transaction("/ui/") as session:
        session["at"] -= 12 * 3600 + 1
    assert client.get("/ui/").status_code == 303


def test_a_tampered_or_foreign_cookie_is_no_session(app, client, token, tmp_path, database_url):
    sign_in(client, token)
    cookie = client.get_cookie("contacts_ui", path="/ui")
    client.set_cookie("contacts_ui", cookie.value[:-2] + "xx", path="/ui")
    assert client.get("/ui/").status_code == 303
    with app.app_context():
        secret = get_setting(SESSION_SECRET)
    assert secret and len(secret) >= 64  # 48 random bytes, base64url


def test_the_secret_belongs_to_the_database(tmp_path):
    """Two databases, two secrets: a session of one is nothing to the other."""
    secrets_seen = []
    for name in ("one", "two"):
        app = create_app(Config(database_url=f"sqlite:///{tmp_path}/{name}.db", auth=True))
        with app.app_context():
            secrets_seen.append(get_setting(SESSION_SECRET))
            again = get_setting(SESSION_SECRET)
        assert again == secrets_seen[-1]
    assert secrets_seen[0] != secrets_seen[1]


def test_pages_carry_security_headers(client, token):
    sign_in(client, token)
    for path in ("/ui/", "/ui/sign-in", "/ui/transfer", "/ui/nothing-here"):
        r = client.get(path)
        assert r.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'"), path
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Cache-Control"] == "no-store"
    assert client.get("/ui/nothing-here").status_code == 404
    css = client.get("/ui/static/ui.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "no-store" not in css.headers.get("Cache-Control", "")


def test_api_answers_carry_no_cookie(client, auth, token):
    sign_in(client, token)
    card = make_card(client, auth)
    r = client.get(f"/contacts/{card['id']}", headers=auth)
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers and "Vary" not in r.headers


def test_the_session_cookie_opens_no_api_door(client, token):
    """The cookie is scoped to /ui; sent to an API path anyway, it is no credential there."""
    sign_in(client, token)
    cookie = client.get_cookie("contacts_ui", path="/ui")
    other = client.application.test_client()
    r = other.get("/rest/v1/addressbook/contacts", headers={"Cookie": f"contacts_ui={cookie.value}"})
    assert r.status_code == 401


def test_with_authentication_off_the_ui_needs_no_sign_in(database_url, auth):
    app = create_app(Config(database_url=database_url, auth=False))
    client = app.test_client()
    r = client.get("/ui/")
    assert r.status_code == 200
    assert "authentication is off" in text(r)
    assert "Sign out" not in text(r)
    assert client.get("/ui/sign-in").status_code == 303
    created = post(client, "/ui/new", {"display_name": "Open Door"})
    assert created.status_code == 303
    page = text(client.get(created.headers["Location"]))
    assert "Authorization" not in page  # the curl lines need no token
    assert "curl -g -i http://localhost/contacts/" in page
    assert client.post("/ui/new", data={"display_name": "No CSRF"}).status_code == 403


def test_ui_pages_are_rate_limited_by_the_signed_in_token(tmp_path):
    """With a rate limit the UI is no way around it: its pages are limited per token like the
    dialect routes, and the card page's door requests spend those doors' budgets of the token."""
    app = create_app(Config(database_url=f"sqlite:///{tmp_path}/r.db", auth=True, rate_limit="3/minute"))
    client = app.test_client()
    with app.app_context():
        token, _ = tokens.create_token(["*"])
    auth = {"Authorization": f"Bearer {token}"}
    sign_in(client, token)  # limited by the client's address, not the token
    card = make_card(client, auth)
    assert [client.get("/ui/").status_code for _ in range(4)] == [200, 200, 200, 429]
    r = client.get("/ui/")
    assert r.headers["Content-Type"] == "text/html; charset=utf-8" and "Slow down" in text(r)
    assert r.headers["Retry-After"]
    for _ in range(3):
        assert client.get(f"/ui/cards/{card['id']}").status_code == 200
    assert client.get(f"/contacts/{card['id']}", headers=auth).status_code == 429  # spent by the UI's door requests
    assert client.get("/ui/static/ui.css").status_code == 200  # static files are not limited
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # signing in is limited by address: 2 of 3 are spent
    with app.app_context():
        second, _ = tokens.create_token(["*"])
    assert sign_in(other, second).status_code == 303
    assert other.get("/ui/").status_code == 200  # another token, its own budget
