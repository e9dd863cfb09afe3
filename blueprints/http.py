"""HTTP helpers shared by every dialect: JSON bodies, ETags and If-Match."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from flask.views import MethodView
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge
from werkzeug.wrappers import Request as WerkzeugRequest

from services.card_tags import CardTag, card_etag, parse_card_tag
from services.errors import Invalid, PreconditionFailed, UnsupportedMediaType

JSON_UTF8 = "application/json; charset=utf-8"


def dumps(data: Any) -> bytes:
    """JSON bytes in insertion order (fast; UTF-8, no ASCII escaping)."""
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200, content_type: str = JSON_UTF8,
                  headers: dict[str, str] | None = None) -> Response:
    """A response carrying `data` as JSON with an exact Content-Type."""
    response = Response(dumps(data), status=status, headers=headers)
    response.headers["Content-Type"] = content_type
    return response


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """A response with no body at all (204, 205)."""
    response = Response(b"", status=status, headers=headers)
    response.headers.pop("Content-Type", None)
    return response


def read_json_body(*, required_type: type | tuple | None = dict, allow_any_media_type: bool = True) -> Any:
    """The request body parsed as JSON, as a domain error if it is not usable."""
    raw = request.get_data(cache=True)
    if not allow_any_media_type and request.mimetype and not request.mimetype.endswith("json"):
        raise UnsupportedMediaType(f"Content-Type {request.mimetype} is not supported; send JSON")
    if not raw.strip():
        raise Invalid("Request body is empty; a JSON document is required")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"Malformed JSON in request body: {exc.args[0] if exc.args else exc}") from exc
    if required_type is not None and not isinstance(data, required_type):
        expected = "object" if required_type is dict else "value of another type"
        raise Invalid(f"Request body must be a JSON {expected}, not {json_type_name(data)}")
    return data


def json_type_name(value: Any) -> str:
    """The JSON name of a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def etag_for(version: int, kind: str) -> str:
    """The strong ETag of a resource version of `kind` (a group, an OSID object; a card's is `card_etag_for`)."""
    return f'"{kind}{version}"'


def card_etag_for(card: dict) -> str:
    """A card's strong ETag, the same in every dialect: its version and creation instant (services.card_tags)."""
    return card_etag(card["version"], card["created"])


_ETAG_RE = re.compile(r'(W/)?"([^"]*)"')


def expected_card() -> CardTag | None:
    """The card version an If-Match header demands, None when absent or `*` (412 when it names none)."""
    return _if_match(parse_card_tag)


def _if_match(parse: Callable[[str], Any]) -> Any:
    """What `parse` reads from the first strong tag of If-Match it takes, None when the header is
    absent or `*`. A header with no tag `parse` takes can never match: it fails as 412."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    for weak, tag in _ETAG_RE.findall(header):
        found = None if weak else parse(tag)
        if found is not None:
            return found
    raise PreconditionFailed("If-Match does not match the current version")


def expected_version(kind: str) -> int | None:
    """The version of `kind` an If-Match header demands, None when absent or `*` (412 when it names none)."""
    def version_of(tag: str) -> int | None:
        digits = tag[len(kind):]
        return int(digits) if tag.startswith(kind) and digits.isdigit() else None
    return _if_match(version_of)


# ---------------------------------------------------------------- request guards

# Path + query string; far above any real query. Below gunicorn's own request-line limit
# (8,190 bytes, its maximum), so a long URL gets this 414 in the dialect's format.
MAX_URL_BYTES = 8000
_ESCAPED_NUL = re.compile(rb'(?<!\\)(?:\\\\)*\\u0000')


def check_request_url() -> None:
    """414 for a URL over MAX_URL_BYTES, 400 for a NUL character in it (a dialect whose checks run
    before the token calls this first, as a front server would refuse such a request)."""
    environ = request.environ
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    if len(path) + len(query) > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The URL is longer than {MAX_URL_BYTES} bytes")
    if "\x00" in path or "%00" in query or "\x00" in query:
        raise Invalid("NUL characters are not allowed in the URL")


def install_request_guards(app: Flask) -> None:
    """Refuse URLs over MAX_URL_BYTES (414) and NUL characters in URLs or JSON bodies (400).

    NUL can never be part of a contact, PostgreSQL cannot store it in text, and a URL
    this long is an attack or a bug; refusing both up front gives the same 4xx on
    every database and dialect (rendered by the dialect's own error format).
    """

    def _guard() -> None:
        check_request_url()
        environ = request.environ
        # CONTENT_LENGTH as sent (some WSGI adapters put an int there, which Werkzeug cannot parse)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        has_body = environ.get("CONTENT_LENGTH") not in (None, "", "0", 0) or chunked
        if chunked and environ.get("CONTENT_LENGTH") in (None, ""):
            _buffer_chunked_body(environ, current_app.config.get("MAX_CONTENT_LENGTH"))
        if has_body and request.mimetype.endswith("json") and _ESCAPED_NUL.search(request.get_data(cache=True)):
            raise Invalid("NUL characters (\\u0000) are not allowed in JSON strings")

    app.before_request(_guard)


def _buffer_chunked_body(environ: dict, limit: int | None) -> None:
    """Read a chunked body (no Content-Length) up to `limit`; 413 when it is longer.

    Werkzeug cuts a streamed body at MAX_CONTENT_LENGTH without a word, so an oversized
    chunked JSON body used to fail as malformed (400) instead of too large (413).
    """
    if limit is None or "wsgi.input" not in environ:
        return
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))


# Werkzeug rebuilds `request.url_root`/`host_url` (IRI decoding and all) on every access;
# links in every response need them, and they depend on these environ values only.
_URL_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_urls: dict[tuple, str] = {}


def request_url(attribute: str) -> str:
    """`request.url_root` or `request.host_url`, remembered per scheme, host and root path."""
    return environ_url(request.environ, attribute)


def environ_url(environ: dict, attribute: str) -> str:
    """`request_url` of a WSGI environ (for answers made before Flask sees the request)."""
    key = (attribute, *(environ.get(name) for name in _URL_KEYS))
    url = _urls.get(key)
    if url is None:
        if len(_urls) >= 256:  # any Host header makes a key: stay small
            _urls.clear()
        url = _urls[key] = getattr(WerkzeugRequest(environ), attribute)
    return url


# ---------------------------------------------------------------- method override

# Rack::MethodOverride's methods (rack 1.6).
OVERRIDE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "LINK", "UNLINK")
ORIGINAL_METHOD = "contacts.original_method"


class MethodOverride:
    """WSGI middleware: a POST under `prefix` with `X-HTTP-Method-Override` becomes that method.

    As Rack::MethodOverride: POST only, the value upper-cased, one of OVERRIDE_METHODS or
    ignored; the original method stays in `environ[ORIGINAL_METHOD]`.
    """

    def __init__(self, app, prefix: str) -> None:
        self.app, self.prefix = app, prefix.rstrip("/")

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                method = environ.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper()
                if method in OVERRIDE_METHODS:
                    environ[ORIGINAL_METHOD] = "POST"
                    environ["REQUEST_METHOD"] = method
        return self.app(environ, start_response)


def install_method_override(app: Flask, prefix: str) -> None:
    """Honour `X-HTTP-Method-Override` on POSTs under `prefix` (a dialect whose upstream does)."""
    app.wsgi_app = MethodOverride(app.wsgi_app, prefix)


class ResourceView(MethodView):
    """A door's resource (one class, a method per HTTP verb), made once and reused by every request.

    The views keep no state of their own, so Flask need not build one per request.
    """

    init_every_request = False
