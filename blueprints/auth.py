"""Token authentication and scope checks for every dialect route, in one place.

A route's needed scope comes from its HTTP method (reads, creates, updates, deletes),
unless the view function declares another with `@requires_scope`. The check runs
before any dialect code, so a new route cannot ship unprotected; only a dialect whose
upstream answers some requests before authenticating (MPDX: content negotiation and
routing errors) registers a check that runs first (`register_pre_auth_check`).
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, g, request

from services import tokens
from services.errors import Forbidden, Unauthorized

from .errors import dialect_prefixes

SCOPE_BY_METHOD = {
    "GET": "contacts:read",
    "HEAD": "contacts:read",
    "OPTIONS": "contacts:read",
    "LOOKUP": "contacts:read",
    "POST": "contacts:create",
    "PUT": "contacts:update",
    "PATCH": "contacts:update",
    "DELETE": "contacts:delete",
}


def requires_scope(scope: str) -> Callable:
    """Declare the scope a view method needs when its HTTP method's default is wrong."""
    def decorate(fn):
        fn.required_scope = scope
        return fn
    return decorate


def required_scope(endpoint: str | None, method: str) -> str:
    """The scope needed to call `method` on `endpoint`."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    target = view
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        target = getattr(view_class, method.lower(), None)
    declared = getattr(target, "required_scope", None)
    return declared or SCOPE_BY_METHOD.get(method, "*")


# (prefix, check) of the dialects whose upstream answers some errors before looking at the token.
_pre_auth_checks: list[tuple[str, Callable[[], None]]] = []


def register_pre_auth_check(prefix: str, check: Callable[[], None]) -> None:
    """Run `check()` before the token check of every request under `prefix`; it answers by raising a DomainError.

    For a dialect whose real system rejects some requests before authenticating them (the
    order is part of its wire contract); the check must not reveal anything a token protects.
    """
    _pre_auth_checks[:] = [(p, c) for p, c in _pre_auth_checks if p != prefix]
    _pre_auth_checks.append((prefix, check))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def presented_token() -> str | None:
    """The token from `Authorization: Bearer` or FOLIO's `X-Okapi-Token`."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-Okapi-Token") or None


def is_protected(path: str) -> bool:
    """Whether `path` belongs to a dialect (and so needs a token)."""
    return any(_under(path, p) for p in dialect_prefixes())


def _is_cors_preflight() -> bool:
    return (request.method == "OPTIONS" and current_app.config.get("CONTACTS_CORS", False)
            and "Access-Control-Request-Method" in request.headers)


def install_auth(app: Flask) -> None:
    """Check the token and scope of every dialect request before it is handled."""

    def _authenticate():
        if _is_cors_preflight():
            return None  # browsers send preflights without credentials
        for prefix, check in _pre_auth_checks:
            if _under(request.path, prefix):
                check()
        if not current_app.config["CONTACTS_AUTH"] or not is_protected(request.path):
            return None
        token = presented_token()
        if not token:
            raise Unauthorized("Authentication required: send Authorization: Bearer <token>")
        scopes = tokens.verify_token(token)
        if scopes is None:
            raise Unauthorized("Invalid or revoked token")
        g.token_scopes = scopes
        needed = required_scope(request.endpoint, request.method)
        if not tokens.has_scope(scopes, needed):
            raise Forbidden(f"Token lacks the scope {needed}", scope=needed)
        return None

    # First of all request hooks: no dialect check (content types, headers) may answer
    # a request before its token has been checked.
    app.before_request_funcs.setdefault(None, []).insert(0, _authenticate)
