"""Reads answered before Flask: a door's GET of one card by id (and Incoplax's LOOKUP), as plain WSGI.

A GET of one card takes no arguments beyond its id, yet Flask's request context, routing,
hooks and response object cost more than reading and rendering the card (measured in
docs/benchmarks.md, "Item GETs before Flask"). So a door registers, for its item route,
a reader: a function from the WSGI environ and the id to the answer's bytes and headers.
`ItemReads`, the outermost WSGI layer, calls it for a plain request and hands every other
request to Flask unchanged. A phone system's caller lookup (Incoplax's `LOOKUP`, a JSON
string in a small body) is served the same way: its reader gets the body instead of an id.

Plain means: GET, no query string, no body, no `Origin` (CORS), an id of printable ASCII
without `/`, and credentials holding the read scope (or auth turned off). Anything else (no
or a bad token, an unknown id, a header the door's reader does not take, an exception)
goes to Flask, which answers exactly as it would without this layer, in the door's own
format. The door's Flask view and its reader render through the same function
(`answer_response`), so the fast answer is the 200 that Flask would have sent, with the same
access log line, metrics and `X-Request-Id`. With a rate limit or CORS configured the layer
is not installed: the limiter must count every request, and CORS adds headers to every answer.
"""
from __future__ import annotations

import io
import re
import time
from typing import Callable, NamedTuple

from flask import Flask, Response

from config import Config
from services.tokens import has_scope

from .auth import SCOPE_BY_METHOD, scopes_in_environ
from .observability import REQUEST_ID_HEADER, new_request_id, record_request


class ItemAnswer(NamedTuple):
    """A 200 answer: the body, its Content-Type and the door's own headers (ETag, ...)."""

    body: bytes
    content_type: str
    headers: list[tuple[str, str]]


# (environ, id) -> the answer, or None to let Flask answer (a header the reader does not take).
ItemReader = Callable[[dict, str], "ItemAnswer | None"]
# (environ, body) -> the answer to a LOOKUP, or None to let Flask answer.
LookupReader = Callable[[dict, bytes], "ItemAnswer | None"]


class _ItemRoute(NamedTuple):
    rule: str  # the Flask rule, as the access log and the metrics name the route
    read: ItemReader | LookupReader
    taken: frozenset[str] = frozenset()  # names of other routes beside the id (`/contacts/metadata`)


# An id as Flask's `<id>` sees it, with nothing to decode: printable ASCII without "/".
_PLAIN_ID = re.compile(r"[!-.0-~]{1,256}")
_EXTENSION = "contacts.item_reads"
_LOOKUP_EXTENSION = "contacts.lookup_reads"
_READ_SCOPE = SCOPE_BY_METHOD["GET"]
MAX_LOOKUP_BODY = 256  # a phone number or an id as a JSON string; anything longer goes to Flask


def answer_response(answer: ItemAnswer) -> Response:
    """The Flask response of an item answer (the door's view sends this; the reader the same bytes)."""
    return Response(answer.body, status=200, headers=answer.headers, content_type=answer.content_type)


def register_item_read(app: Flask, collection: str, rule: str, read: ItemReader) -> None:
    """Answer plain GETs of `collection`/<id> with `read` (`rule`: the Flask rule of that route)."""
    app.extensions.setdefault(_EXTENSION, {})[collection.rstrip("/")] = _ItemRoute(rule, read)


def register_lookup_read(app: Flask, path: str, read: LookupReader) -> None:
    """Answer plain LOOKUPs of `path` (a JSON body of at most MAX_LOOKUP_BODY bytes) with `read`."""
    app.extensions.setdefault(_LOOKUP_EXTENSION, {})[path] = _ItemRoute(path, read)


def install_item_reads(app: Flask, config: Config) -> None:
    """Put `ItemReads` in front of the app (last: outside every other WSGI layer)."""
    if config.rate_limit or app.config.get("CONTACTS_CORS"):
        return  # the limiter counts every request; CORS adds its headers to every answer
    routes = app.extensions.get(_EXTENSION, {})
    for collection, route in routes.items():
        routes[collection] = route._replace(taken=_fixed_names(app, collection))
    app.wsgi_app = ItemReads(app, routes, app.extensions.get(_LOOKUP_EXTENSION, {}))


def _fixed_names(app: Flask, collection: str) -> frozenset[str]:
    """The last segments of the app's argument-free rules `collection/<name>`: Flask routes those elsewhere."""
    names = set()
    for rule in app.url_map.iter_rules():
        head, _, name = rule.rule.rpartition("/")
        if head == collection and not rule.arguments:
            names.add(name)
    return frozenset(names)


class ItemReads:
    """WSGI layer: plain item GETs answered by their door's reader, everything else by Flask."""

    def __init__(self, app: Flask, routes: dict[str, _ItemRoute], lookups: dict[str, _ItemRoute]) -> None:
        self.flask_wsgi_app = app.wsgi_app
        self.config = app.config
        self.routes = routes
        self.lookups = lookups

    def __call__(self, environ: dict, start_response):
        started = time.perf_counter()
        found = self.answer(environ)
        if found is None:
            return self.flask_wsgi_app(environ, start_response)
        rule, answer = found
        rid = new_request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response("200 OK", [*answer.headers, ("Content-Type", answer.content_type),
                                  ("Content-Length", str(len(answer.body))), (REQUEST_ID_HEADER, rid)])
        record_request(environ["REQUEST_METHOD"], environ["PATH_INFO"], rule, 200, time.perf_counter() - started,
                       rid, environ.get("REMOTE_ADDR"))
        return [answer.body]

    def answer(self, environ: dict) -> tuple[str, ItemAnswer] | None:
        """The route's rule and the answer to a plain item GET or LOOKUP; None when Flask must answer."""
        if environ.get("QUERY_STRING") or "HTTP_TRANSFER_ENCODING" in environ or "HTTP_ORIGIN" in environ:
            return None
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        if method == "GET":
            if environ.get("CONTENT_LENGTH") not in (None, "", "0", 0):
                return None
            collection, _, item = path.rpartition("/")
            route = self.routes.get(collection)
            if route is None or item in route.taken or not _PLAIN_ID.fullmatch(item):
                return None
            argument: str | bytes = item
        elif method == "LOOKUP":
            route = self.lookups.get(path)
            argument = _small_body(environ) if route is not None else None
            if argument is None:
                return None
        else:
            return None
        try:
            if self.config["CONTACTS_AUTH"]:
                scopes = scopes_in_environ(environ, path)
                if scopes is None or not has_scope(scopes, _READ_SCOPE):
                    return None
            answer = route.read(environ, argument)
        except Exception:  # noqa: BLE001 - Flask reads it again and answers in the door's format
            return None
        return None if answer is None else (route.rule, answer)


def _small_body(environ: dict) -> bytes | None:
    """A body of 1..MAX_LOOKUP_BODY bytes, read and put back for Flask; None for any other."""
    sent = environ.get("CONTENT_LENGTH")
    length = int(sent) if isinstance(sent, str) and sent.isdigit() else 0
    if not 0 < length <= MAX_LOOKUP_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again when the reader declines
    return body if len(body) == length else None
