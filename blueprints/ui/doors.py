""""Seen through each door": what every API answers for a card, fetched through the app itself.

For each door (dialect) the card page issues that door's GET-by-id request in-process
(the WSGI app called directly, in an app context of its own, so the request runs every
hook a client's request runs: auth, scopes, the dialect's rendering and errors) and
shows the status, headers and body exactly as a client would get them, with the curl
command that asks the same. The request carries the signed-in token's digest in the WSGI
environ (blueprints.auth.TOKEN_DIGEST_ENVIRON): the door checks it like a Bearer token,
so a revoked token or a missing scope shows up here as the door's own 401/403.

The list of doors is data: a door whose route this server does not have is skipped,
so a new door (CardDAV) is one line in DOORS.
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import EnvironBuilder, run_wsgi_app

from blueprints.auth import TOKEN_DIGEST_ENVIRON

# FOLIO requires a tenant; any value works here (one data space). "diku" is FOLIO's demo tenant.
FOLIO_TENANT = "diku"
# The OSID reference Id the UI looks up OSID contacts (address links) by: the card's id as an
# `id.Id` (the spec's own example namespace) of this server's authority.
OSID_REFERENCE = "id.Id:{id}@{authority}"


@dataclass(frozen=True)
class Door:
    """One API's GET for a card: `{id}` is the card id and `{reference}` its OSID reference, URL-encoded."""

    name: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    about: str = ""


DOORS: tuple[Door, ...] = (
    Door("Niagara", "/contacts/{id}", about="HAL; application/hal+json"),
    Door("FOLIO", "/organizations-storage/contacts/{id}", (("X-Okapi-Tenant", FOLIO_TENANT),),
         about="organizations-storage; needs X-Okapi-Tenant"),
    Door("Incoplax", "/rest/v1/addressbook/contacts/{id}", about="addressbook"),
    Door("MPDX", "/api/v2/organizations/contacts/{id}", (("Content-Type", "application/vnd.api+json"),),
         about="JSON:API; every request names the JSON:API media type, as MPDX's clients do"),
    Door("OSID", "/contact/contacts?referenceId={reference}",
         about="OSID contacts are links from an address to a reference Id: those whose reference is this card"),
    # CardDAV: the card as a vCard in the one address book (a card a phone PUT under a name of
    # its own also answers at <id>.vcf).
    Door("CardDAV", "/carddav/addressbooks/contacts/{id}.vcf", about="the card as a vCard (vCard 3.0 by default)"),
)


@dataclass
class DoorAnswer:
    """What one door answered, and how to ask it with curl."""

    door: Door
    url: str
    status: str
    headers: list[tuple[str, str]]
    body: str
    pretty: str | None  # the body re-indented when it is JSON (key order kept)
    curl: str
    data: object = None  # the parsed JSON body, if any

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status[:1] == "2"


def osid_reference(card_id: str) -> str:
    """The OSID reference Id that stands for the card."""
    return OSID_REFERENCE.format(id=card_id, authority=current_app.config["CONTACTS"].osid_authority)


def door_answers(card_id: str, digest: str | None) -> list[DoorAnswer]:
    """Every present door's answer for the card, asked with the signed-in token (its digest)."""
    app = current_app._get_current_object()
    base = request.host_url.rstrip("/") + request.script_root
    values = {"id": quote(card_id, safe=""), "reference": quote(osid_reference(card_id), safe="")}
    answers = []
    for door in DOORS:
        target = door.url.format(**values)
        if not _routed(app, target):
            continue
        answers.append(_ask(app, door, target, base, digest))
    return answers


def _routed(app: Flask, target: str) -> bool:
    """Whether this server has a route for GET `target` (a door not built yet is skipped)."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(target).path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    except Exception:  # noqa: BLE001 - a redirect (e.g. a missing slash) still means the route exists
        return True
    return True


def _ask(app: Flask, door: Door, target: str, base: str, digest: str | None) -> DoorAnswer:
    path, _, query = target.partition("?")
    overrides = {"REMOTE_ADDR": request.remote_addr or "127.0.0.1"}
    if digest is not None:
        overrides[TOKEN_DIGEST_ENVIRON] = digest
    builder = EnvironBuilder(path=path, query_string=query, method="GET", base_url=request.host_url,
                             headers=list(door.headers), environ_overrides=overrides)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    with app.app_context():  # its own `g`: the door's request must not share the page's
        app_iter, status, headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
    text = body.decode("utf-8", "replace")
    data, pretty = None, None
    if "json" in headers.get("Content-Type", "") and body:
        try:
            data = json.loads(text)
            pretty = json.dumps(data, indent=2, ensure_ascii=False)
        except ValueError:
            pass
    url = base + target
    return DoorAnswer(door, url, status, list(headers.items()), text, pretty, _curl(url, door, digest), data)


def _curl(url: str, door: Door, digest: str | None) -> str:
    """The curl command for the same request; the token is `$TOKEN`, never the real one."""
    parts = ["curl", "-g", "-i"]
    if digest is not None or current_app.config["CONTACTS_AUTH"]:
        parts += ["-H", '"Authorization: Bearer $TOKEN"']
    for name, value in door.headers:
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    parts.append(shlex.quote(url))
    return " ".join(parts)
