"""Token authentication and scope checks for every dialect route, in one place.

A route's needed scope comes from its HTTP method (reads, creates, updates, deletes),
unless the view function declares another with `@requires_scope`. The check runs
before any dialect code, so a new route cannot ship unprotected; only a dialect whose
upstream answers some requests before authenticating (MPDX: content negotiation and
routing errors) registers a check that runs first (`register_pre_auth_check`).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from flask import Flask, Request, current_app, g, request

from services import tokens
from services.errors import Forbidden, Unauthorized

from .errors import dialect_prefixes

SCOPE_BY_METHOD = {
    "GET": "contacts:read",
    "HEAD": "contacts:read",
    "OPTIONS": "contacts:read",
    "LOOKUP": "contacts:read",
    "PROPFIND": "contacts:read",
    "REPORT": "contacts:read",
    "PROPPATCH": "contacts:update",
    "POST": "contacts:create",
    "PUT": "contacts:update",
    "PATCH": "contacts:update",
    "DELETE": "contacts:delete",
}


# Prefixes whose clients can only send HTTP Basic (CardDAV): the token is the password.
BASIC_AUTH_PREFIXES: list[str] = []


def requires_scope(scope: str | Callable[[], str]) -> Callable:
    """Declare the scope a view method needs when its HTTP method's default is wrong
    (a callable decides per request, e.g. a PUT that creates or updates)."""
    def decorate(fn):
        fn.required_scope = scope
        return fn
    return decorate


def required_scope(endpoint: str | None, method: str) -> str:
    """The scope needed to call `method` on `endpoint`."""
    # What a view declares is looked up once per (endpoint, method): every token check asks.
    declared_by_view = current_app.extensions.setdefault("contacts.declared_scopes", {})
    key = (endpoint, method)
    if key not in declared_by_view:
        declared_by_view[key] = _declared_scope(endpoint, method)
    declared = declared_by_view[key]
    if callable(declared):
        declared = declared()
    return declared or SCOPE_BY_METHOD.get(method, "*")


def _declared_scope(endpoint: str | None, method: str) -> str | Callable[[], str] | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    target = view
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        target = getattr(view_class, method.lower(), None)
    return getattr(target, "required_scope", None)


# In-process requests (the web UI's "seen through each door" panel) carry the signed-in
# token's SHA-256 digest under this WSGI environ key instead of the token itself, which
# the UI never keeps. No HTTP client can set an environ key (servers only add HTTP_*
# keys from headers), so this opens no way in from outside.
TOKEN_DIGEST_ENVIRON = "contacts.token_digest"


# (prefix, check) of the dialects whose upstream answers some errors before looking at the token.
_pre_auth_checks: list[tuple[str, Callable[[], None]]] = []


def register_pre_auth_check(prefix: str, check: Callable[[], None]) -> None:
    """Run `check()` before the token check of every request under `prefix`; it answers by raising a DomainError.

    For a dialect whose real system rejects some requests before authenticating them (the
    order is part of its wire contract); the check must not reveal anything a token protects.
    """
    _pre_auth_checks[:] = [(p, c) for p, c in _pre_auth_checks if p != prefix]
    _pre_auth_checks.append((prefix, check))


def presented_token(req: Request | None = None) -> str | None:
    """The token from `Authorization: Bearer`, HTTP Basic's password (CardDAV) or FOLIO's `X-Okapi-Token`."""
    req = req if req is not None else request
    return token_in_environ(req.environ, req.path)


def token_in_environ(environ: dict, path: str) -> str | None:
    """`presented_token` of a WSGI environ whose path is `path` (the headers as the server put them)."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if header[:6].lower() == "basic " and _under(path, BASIC_AUTH_PREFIXES):
        return _basic_password(header[6:].strip())
    return environ.get("HTTP_X_OKAPI_TOKEN") or None


def presented_scopes(req: Request | None = None) -> list[str] | None:
    """Scopes of the credentials a request carries (a token, or the web UI's digest), None when none are valid."""
    req = req if req is not None else request
    return scopes_in_environ(req.environ, req.path)


def scopes_in_environ(environ: dict, path: str) -> list[str] | None:
    """`presented_scopes` of a WSGI environ whose path is `path`."""
    digest = environ.get(TOKEN_DIGEST_ENVIRON)
    if digest is not None:
        return tokens.verify_token_hash(digest)
    token = token_in_environ(environ, path)
    return tokens.verify_token(token) if token else None


def _basic_password(credentials: str) -> str | None:
    """The password of HTTP Basic credentials (any user name), None when they do not decode."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    _user, colon, password = decoded.partition(":")
    return password if colon and password else None


def _under(path: str, prefixes: list[str]) -> bool:
    """Whether `path` is one of `prefixes` or below one."""
    exact, below = _prefix_forms(tuple(prefixes))
    return path in exact or path.startswith(below)


@lru_cache(maxsize=64)
def _prefix_forms(prefixes: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    # The prefixes as a set and with their trailing slash, made once: every request asks.
    return frozenset(prefixes), tuple(p.rstrip("/") + "/" for p in prefixes)


def is_protected(path: str) -> bool:
    """Whether `path` belongs to a dialect (and so needs a token)."""
    return _under(path, dialect_prefixes())


def _is_cors_preflight(req: Request, config) -> bool:
    return (req.method == "OPTIONS" and config.get("CONTACTS_CORS", False)
            and "Access-Control-Request-Method" in req.headers)


def install_auth(app: Flask) -> None:
    """Check the token and scope of every dialect request before it is handled."""

    def _authenticate():
        # The request and config are looked up once: this runs on every request, and each
        # `request.x` goes through a context-local proxy.
        req, config = request._get_current_object(), app.config
        if _is_cors_preflight(req, config):
            return None  # browsers send preflights without credentials
        path = req.path
        for prefix, check in _pre_auth_checks:
            if _under(path, [prefix]):
                check()
        if not config["CONTACTS_AUTH"] or not is_protected(path):
            return None
        digest = req.environ.get(TOKEN_DIGEST_ENVIRON)
        if digest is not None:
            scopes = tokens.verify_token_hash(digest)
        else:
            token = presented_token(req)
            if not token:
                raise Unauthorized("Authentication required: send Authorization: Bearer <token>"
                                   + (" or HTTP Basic with the token as password"
                                      if _under(path, BASIC_AUTH_PREFIXES) else ""))
            scopes = tokens.verify_token(token)
        if scopes is None:
            raise Unauthorized("Invalid or revoked token")
        g.token_scopes = scopes
        needed = required_scope(req.endpoint, req.method)
        if not tokens.has_scope(scopes, needed):
            raise Forbidden(f"Token lacks the scope {needed}", scope=needed)
        return None

    # First of all request hooks: no dialect check (content types, headers) may answer a
    # request before its token has been checked, except the pre-auth checks a dialect
    # registered because its real system answers those before authenticating.
    app.before_request_funcs.setdefault(None, []).insert(0, _authenticate)
