"""The domain errors every layer raises; each dialect renders them in its own format."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One problem with one field of a request.

    `kind` is a JSON-Schema-like keyword so each dialect can phrase it its own way:
    required, type, format, unknown, enum, pattern, minimum, maximum, minLength,
    maxLength, readOnly, invalid.
    """

    path: str
    message: str
    kind: str = "invalid"
    value: Any = None
    params: dict = field(default_factory=dict)


class DomainError(Exception):
    """Base of all errors a client is told about; `status` is the HTTP status."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, message: str | None = None, *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None, **details: Any):
        self.message = message or self.title
        self.errors = errors or []
        self.headers = headers or {}
        self.details = details
        super().__init__(self.message)


class Invalid(DomainError):
    """The request is malformed or a field fails validation."""

    status = 400
    title = "Bad Request"


class Unauthorized(DomainError):
    """No valid token was presented."""

    status = 401
    title = "Unauthorized"


class Forbidden(DomainError):
    """The token lacks the scope the operation needs, or the operation is not allowed."""

    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    """The addressed resource does not exist."""

    status = 404
    title = "Not Found"


class MethodNotAllowed(DomainError):
    """The route exists but not for this HTTP method."""

    status = 405
    title = "Method Not Allowed"


class NotAcceptable(DomainError):
    """The client accepts no media type the dialect can produce."""

    status = 406
    title = "Not Acceptable"


class Conflict(DomainError):
    """The write clashes with existing data (duplicate id, email, code...)."""

    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer current."""

    status = 412
    title = "Precondition Failed"


class PayloadTooLarge(DomainError):
    """The request body exceeds the configured limit."""

    status = 413
    title = "Payload Too Large"


class UnsupportedMediaType(DomainError):
    """The request body has a content type the dialect does not read."""

    status = 415
    title = "Unsupported Media Type"


class Unprocessable(DomainError):
    """Well-formed but semantically invalid (FOLIO's 422)."""

    status = 422
    title = "Unprocessable Entity"


class Locked(DomainError):
    """The card is locked against changes and deletion."""

    status = 423
    title = "Locked"


class TooManyRequests(DomainError):
    """The token exceeded its rate limit."""

    status = 429
    title = "Too Many Requests"


class NotImplementedMethod(DomainError):
    """The HTTP method is none the server knows (see blueprints.observability.KNOWN_METHODS)."""

    status = 501
    title = "Not Implemented"


class InsufficientStorage(DomainError):
    """A write failed because the disk holding the database is full."""

    status = 507
    title = "Insufficient Storage"


class ServiceUnavailable(DomainError):
    """The database stayed busy or unreachable."""

    status = 503
    title = "Service Unavailable"


ERRORS_BY_STATUS: dict[int, type[DomainError]] = {
    cls.status: cls
    for cls in (Invalid, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable,
                Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType,
                Unprocessable, Locked, TooManyRequests, NotImplementedMethod, ServiceUnavailable,
                InsufficientStorage)
}


def storage_error(exc: BaseException) -> DomainError | None:
    """The domain error for a write that failed for lack of disk space (507), else None."""
    from models.health import is_disk_full

    if not is_disk_full(exc):
        return None
    return InsufficientStorage(
        "Insufficient storage: the disk holding the database is full; nothing was written. "
        "Reads still work, and writes work again once space is freed")
