"""One error pipeline: every failure becomes a DomainError, rendered by the dialect it hit.

Each dialect registers a renderer for its URL prefix. Werkzeug's HTTP errors (404 on an
unknown path, 405, 413, malformed JSON) and flask-smorest/webargs validation errors are
converted to domain errors first, so no framework default body reaches a client.
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Callable

from flask import Flask, Response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from services.errors import (
    ERRORS_BY_STATUS,
    DomainError,
    FieldError,
    Invalid,
    MethodNotAllowed,
    PayloadTooLarge,
    ServiceUnavailable,
    storage_error,
)

from .http import json_response

log = logging.getLogger(__name__)

Renderer = Callable[[DomainError], Response]
_renderers: list[tuple[str, Renderer]] = []

# marshmallow's stock messages -> JSON-Schema-like keywords (see FieldError.kind)
_KIND_BY_MESSAGE = (
    ("Missing data for required field", "required"),
    ("Unknown field", "unknown"),
    ("Field may not be null", "type"),
    ("Not a valid email", "format"),
    ("Not a valid UUID", "format"),
    ("Not a valid", "type"),
    ("Invalid input type", "type"),
    ("Must be one of", "enum"),
    ("String does not match expected pattern", "pattern"),
    ("Longer than maximum length", "maxLength"),
    ("Shorter than minimum length", "minLength"),
    ("Must be greater than or equal to", "minimum"),
    ("Must be less than or equal to", "maximum"),
)


def register_error_format(prefix: str, renderer: Renderer) -> None:
    """Render errors for paths under `prefix` with `renderer` (longest prefix wins)."""
    _renderers[:] = [(p, r) for p, r in _renderers if p != prefix]
    _renderers.append((prefix, renderer))
    _renderers.sort(key=lambda item: len(item[0]), reverse=True)


def dialect_prefixes() -> list[str]:
    """URL prefixes that belong to a dialect (and so need a token)."""
    return [prefix for prefix, _ in _renderers]


def renderer_for(path: str) -> Renderer:
    """The renderer of the dialect serving `path`, else the plain JSON one."""
    for prefix, renderer in _renderers:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return renderer
    return render_plain


def render_plain(error: DomainError) -> Response:
    """Errors outside any dialect: `{"error": {"status", "message"}}`."""
    body = {"error": {"status": error.status, "message": error.message}}
    if error.errors:
        body["error"]["fields"] = {e.path: e.message for e in error.errors}
    return json_response(body, error.status)


def field_errors_from_messages(messages, prefix: str = "") -> list[FieldError]:
    """Flatten marshmallow's nested error messages into FieldErrors with kinds."""
    found: list[FieldError] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            found.extend(field_errors_from_messages(value, path))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            for message in messages:
                found.append(FieldError(prefix, message, _kind_of(message)))
        else:
            for item in messages:
                found.extend(field_errors_from_messages(item, prefix))
    elif isinstance(messages, str):
        found.append(FieldError(prefix, messages, _kind_of(messages)))
    return found


def _kind_of(message: str) -> str:
    for text, kind in _KIND_BY_MESSAGE:
        if message.startswith(text):
            return kind
    return "invalid"


def invalid_from_validation(exc: ValidationError, prefix: str = "") -> Invalid:
    """An Invalid naming every field marshmallow rejected."""
    errors = field_errors_from_messages(exc.messages, prefix)
    return Invalid(_summary(errors), errors=errors)


def _summary(errors: list[FieldError]) -> str:
    if not errors:
        return "Invalid request"
    parts = [f"{e.path or 'body'}: {e.message}" for e in errors]
    return "; ".join(parts)


def domain_error_from_http(exc: HTTPException) -> DomainError:
    """The domain error matching a Werkzeug/webargs HTTP error."""
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        # webargs: {"json": {...}} or {"query": {...}}; location names are dropped.
        inner = {}
        for location, value in messages.items():
            if isinstance(value, dict):
                inner.update(value)
            else:
                inner[location if location != "json" else "_schema"] = value
        errors = field_errors_from_messages(inner)
        if any(e.message == "Invalid JSON body." for e in errors):
            return Invalid("Malformed JSON in request body", errors=[FieldError("", "Malformed JSON", "type")])
        return Invalid(_summary(errors), errors=errors)
    if code == 413:
        return PayloadTooLarge("Request body is larger than the allowed maximum")
    if code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return MethodNotAllowed(f"Method {request.method} is not allowed on {request.path}",
                                headers={"Allow": allowed} if allowed else None)
    if code == 404:
        return ERRORS_BY_STATUS[404](f"No resource at {request.path}")
    if code == 400:
        return Invalid(exc.description or "Bad request")
    cls = ERRORS_BY_STATUS.get(code)
    if cls is not None:
        return cls(exc.description or cls.title)
    error = DomainError(exc.description or "Error")
    error.status = code
    error.title = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    return error


def install_error_handlers(app: Flask) -> None:
    """Route every exception through the dialect renderers."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return _render(error)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return _render(domain_error_from_http(exc))

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _render(invalid_from_validation(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from peewee import OperationalError

        storage = storage_error(exc)
        if storage is not None:
            return _render(storage)
        if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
            return _render(ServiceUnavailable("The database is busy; retry the request"))
        if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
            # int() of a number with thousands of digits: no parameter or field takes one.
            return _render(Invalid("A number in the request has too many digits"))
        if isinstance(exc, RecursionError):
            # Only hostile input nests this deep (JSON, CQL, filters): the request is at fault.
            return _render(Invalid("The request is nested too deeply"))
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = DomainError("Internal server error")
        return _render(error)


def _render(error: DomainError) -> Response:
    response = renderer_for(request.path)(error)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response
