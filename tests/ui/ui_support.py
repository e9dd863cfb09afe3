"""Helpers for the web UI's tests: signing in, CSRF tokens, cards made through the API doors."""
from __future__ import annotations

import re

from markupsafe import escape

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
INCOPLAX = "/rest/v1/addressbook/contacts"


def csrf(client) -> str:
    """The session's CSRF token (a session is started when there is none)."""
    with client.session_transaction("/ui/") as session:
        token = session.get("csrf_token")
    if token:
        return token
    for path in ("/ui/sign-in", "/ui/new", "/ui/transfer"):  # pages with a form, for whoever is signed in
        found = CSRF.search(client.get(path).get_data(as_text=True))
        if found:
            return found.group(1)
    raise AssertionError("no page offered a CSRF token")


def sign_in(client, token: str):
    """Sign the test client in with `token`; returns the sign-in POST's response."""
    return client.post("/ui/sign-in", data={"token": token, "csrf_token": csrf(client)})


def post(client, path: str, data: dict | None = None, **kwargs):
    """A form POST carrying the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf(client), **(data or {})}, **kwargs)


def make_card(client, auth: dict, **fields) -> dict:
    """A card created through Incoplax (displayname and number are required there)."""
    body = {"displayname": "Ada Lovelace", "number": "101", **fields}
    response = client.post(INCOPLAX, headers=auth, json=body)
    assert response.status_code == 200, response.data
    return response.json


def text(response) -> str:
    """A response body as text."""
    return response.get_data(as_text=True)


def shown(value: str) -> str:
    """How a text appears in a page (HTML-escaped)."""
    return str(escape(value))
