"""HEAD on every route that answers GET: GET's status and headers, no body, nothing written.

Routes are read from the app's URL map, so a route added later is checked too. Each is
asked with the headers each door's clients send (a FOLIO tenant, MPDX's media type), by
the API token and, for the web UI, by a signed-in session, with a form body that a GET
ignores: HEAD skips the UI's CSRF check, so it must never run a form's action.
"""
from __future__ import annotations

import re

import pytest

from tests.ui.ui_support import sign_in

DOOR_HEADERS = [{}, {"X-Okapi-Tenant": "diku"},
                {"Accept": "application/vnd.api+json", "Content-Type": "application/vnd.api+json"}]
FORM = {"version": "1", "display_name": "Made By Head", "token": "not-a-token"}


def _get_paths(app, card_id: str) -> list[str]:
    """Every GET rule of the app, its arguments filled in (the card's id, an export format, a file)."""
    fill = {"fmt": "vcard", "filename": "app.css", "name": f"{card_id}.vcf"}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            paths.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: fill.get(m.group(1), card_id), rule.rule))
    return sorted(set(paths))


@pytest.mark.parametrize("signed_in", [False, True])
def test_head_is_get_without_a_body_on_every_route(app, client, auth, token, signed_in):
    created = client.post("/rest/v1/addressbook/contacts", json={"displayname": "Ada Lovelace", "number": "101"},
                          headers=auth)
    assert created.status_code == 200
    card_id = created.json["id"]
    if signed_in:
        assert sign_in(client, token).status_code == 303
    paths = _get_paths(app, card_id)
    assert len(paths) > 20  # every door's routes, the UI's, the docs
    mismatches = []
    for path in paths:
        for headers in DOOR_HEADERS:
            headers = {**auth, **headers}
            got = client.get(path, headers=headers)
            head = client.open(path, method="HEAD", headers=headers, data=FORM)
            if (head.status_code, head.data, head.headers.get("Location")) != (
                    got.status_code, b"", got.headers.get("Location")):
                mismatches.append((path, headers.get("Accept"), got.status_code, head.status_code, head.data[:80]))
    assert mismatches == []
    # nothing was created, changed or deleted by any HEAD
    listed = client.get("/contacts", headers=auth).json
    assert [(c["contact_id"], c["name"]) for c in listed["_embedded"]["nter:contacts"]] == [(card_id, "Ada Lovelace")]
