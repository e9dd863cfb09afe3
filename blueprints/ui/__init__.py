"""The web UI at /ui: server-rendered pages (Jinja2) over the same services as the API doors.

A plain Flask Blueprint (not flask-smorest): its pages are not API operations and stay out
of /openapi.json. Access is decided here, before any view runs, for every route of the
blueprint (a new page is protected by default):

- `public` views (sign-in, sign-out, static files) need no session; their POSTs still
  need the session's CSRF token.
- every other view needs a signed-in session whose token is still valid (else GET/HEAD
  redirect to the sign-in page, other methods answer 401), and the scope its method
  needs (`blueprints.auth.required_scope`: GET read, POST create unless the view
  declares another with `requires_scope`; else 403), and every POST the CSRF token (403).

Errors are pages (templates/ui/error.html) with the status the API would use.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from services.errors import DomainError, Forbidden, Unauthorized

from ..auth import required_scope
from .session import CSRF_FIELD, csrf_ok, csrf_token, current_user, install_session

log = logging.getLogger(__name__)

PREFIX = "/ui"
# Pages hold card data: no caching, no framing, scripts and styles from this server only.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

bp = Blueprint("ui", __name__, url_prefix=PREFIX, template_folder="templates",
               static_folder="static", static_url_path="/static")


def public(fn: Callable) -> Callable:
    """Mark a view that needs no session (sign-in, sign-out)."""
    fn.ui_public = True
    return fn


def upload(fn: Callable) -> Callable:
    """Mark a view that takes a file upload (CONTACTS_UI_MAX_UPLOAD_BYTES instead of the API's body limit)."""
    fn.ui_upload = True
    return fn


def is_public(endpoint: str | None) -> bool:
    """Whether the UI endpoint is reachable without a session."""
    if endpoint == "ui.static":
        return True
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "ui_public", False))


class CsrfFailed(Forbidden):
    """A POST without the session's CSRF token."""


class SignInRequired(Unauthorized):
    """No (valid) session for a page that needs one."""


@bp.before_request
def _check_access():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "ui_upload", False):
        request.max_content_length = current_app.config["CONTACTS"].ui_max_upload_bytes
    if is_public(request.endpoint):
        g.ui_user = current_user() if request.endpoint != "ui.static" else None
        _check_csrf()
        return None
    g.ui_user = user = current_user()
    if user is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("ui.sign_in", next=request.full_path.rstrip("?")), 303)
        raise SignInRequired("Sign in first: your session has ended or was never started")
    needed = required_scope(request.endpoint, request.method)
    if not user.allowed(needed):
        raise Forbidden(f"Your token lacks the scope {needed}, which this page needs", scope=needed)
    _check_csrf()
    return None


def _check_csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_ok():
        raise CsrfFailed("This form has expired or did not come from this site (its security token "
                         "does not match your session). Go back, reload the page and send it again.")


@bp.after_request
def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "ui.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def csrf_field():
    """The hidden CSRF input every form carries."""
    from markupsafe import Markup, escape

    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


def safe_next(target: str | None) -> str:
    """A page of this UI to go to after signing in (anything else: the search page)."""
    default = url_for("ui.search")
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith(PREFIX + "/")
            or parts.path.startswith("//")):
        return default
    return target


# ---------------------------------------------------------------- errors as pages

_TITLES = {400: "Check the form", 401: "Sign in", 403: "Not allowed", 404: "Not found",
           405: "Not allowed", 409: "Changed meanwhile", 412: "Changed meanwhile", 413: "Too large",
           423: "Locked", 429: "Slow down", 500: "Something went wrong", 503: "Busy"}


def error_page(status: int, message: str):
    """An error page with `status`."""
    return render_template("ui/error.html", status=status, title=_TITLES.get(status, "Error"),
                           message=message, user=getattr(g, "ui_user", None)), status


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return error_page(error.status, error.message)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    limit = request.max_content_length or 0
    return error_page(413, f"The upload is larger than {limit / 1048576:.0f} MB, the most this server takes "
                           "(CONTACTS_UI_MAX_UPLOAD_BYTES). Import a file this large with `contacts import`.")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_page(error.code or 500, error.description or "")


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    from peewee import OperationalError

    if isinstance(error, OperationalError) and "locked" in str(error).lower():
        return error_page(503, "The database is busy; try again in a moment.")
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, "The server failed to show this page. The error was logged; try again.")


def install_ui(app: Flask) -> None:
    """Register the web UI at /ui and its session handling."""
    from . import views  # noqa: F401 - registers the routes on `bp`

    install_session(app)
    app.register_blueprint(bp)
