"""The UI's session: a signed cookie holding the token's digest, checked on every request, and CSRF tokens.

- The cookie (`contacts_ui`, path `/ui`) is Flask's signed cookie session: HttpOnly,
  SameSite=Strict, Secure when the request came over https. It is signed with a secret
  generated once per database (table `app_setting`, migration 0700) and read once per
  process. It holds the SHA-256 digest of the API token the person signed in with
  (never the token), when they signed in, a label for the page header and the CSRF token.
- Every request checks the digest against the token table (`services.tokens`), so a
  revoked token signs its sessions out at once; sessions end SESSION_HOURS after sign-in.
- Every POST under /ui must carry the session's CSRF token in the form field `csrf_token`.
"""
from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from services import settings, tokens

COOKIE_NAME = "contacts_ui"
COOKIE_PATH = "/ui"
SESSION_HOURS = 12
CSRF_FIELD = "csrf_token"


class UiSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with the UI's cookie attributes and the per-database secret."""

    salt = "contacts-ui-session"

    def __init__(self) -> None:
        self._secret: str | None = None

    def _signing_secret(self) -> str:
        if self._secret is None:
            self._secret = settings.session_secret()
        return self._secret

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._signing_secret(), salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})

    def open_session(self, app: Flask, request):
        # API requests never carry the cookie (its path is /ui) and never use a session: a
        # null session costs no cookie parsing now and no save after the response.
        if not request.path.startswith(COOKIE_PATH):
            return self.make_null_session(app)
        if not request.cookies.get(COOKIE_NAME):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_name(self, app: Flask) -> str:
        return COOKIE_NAME

    def get_cookie_path(self, app: Flask) -> str:
        return COOKIE_PATH

    def get_cookie_domain(self, app: Flask) -> None:
        return None

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True

    def get_cookie_samesite(self, app: Flask) -> str:
        return "Strict"

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def install_session(app: Flask) -> None:
    """Use the UI's session interface; signed sessions older than SESSION_HOURS are refused."""
    app.session_interface = UiSessionInterface()
    app.permanent_session_lifetime = timedelta(hours=SESSION_HOURS)


@dataclass
class User:
    """Who is signed in: the token's scopes and a label for the header."""

    scopes: list[str]
    label: str
    digest: str | None = None  # None when authentication is off
    auth_on: bool = True

    def allowed(self, scope: str) -> bool:
        """Whether the token grants `scope`."""
        return tokens.has_scope(self.scopes, scope)

    @property
    def can_create(self) -> bool:
        """Whether the token may create cards (and import)."""
        return self.allowed("contacts:create")

    @property
    def can_update(self) -> bool:
        """Whether the token may change cards."""
        return self.allowed("contacts:update")

    @property
    def can_delete(self) -> bool:
        """Whether the token may delete cards."""
        return self.allowed("contacts:delete")


def _user(scopes: list[str], label: str, digest: str | None, auth_on: bool) -> User:
    return User(scopes, label, digest, auth_on)


def current_user() -> User | None:
    """The signed-in user, or None (signed out, expired, or the token was revoked since)."""
    if not current_app.config["CONTACTS_AUTH"]:
        return _user(["*"], "authentication is off", None, False)
    digest = session.get("t")
    if not digest:
        return None
    if time.time() - session.get("at", 0) > SESSION_HOURS * 3600:
        sign_out()
        return None
    scopes = tokens.verify_token_hash(digest)
    if scopes is None:
        sign_out()
        return None
    return _user(scopes, session.get("who", "token"), digest, True)


def sign_in(token: str) -> bool:
    """Start a session for `token` if it is a valid API token; False otherwise."""
    digest = tokens.hash_token(token.strip())
    if tokens.verify_token_hash(digest) is None:
        return False
    info = tokens.describe_token(digest) or {}
    session.clear()  # a new session (and CSRF token) for the signed-in person
    session["t"] = digest
    session["at"] = int(time.time())
    session["who"] = (info.get("name") or f"token {info.get('prefix', '')}…")[:60]  # the cookie stays small
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return True


def sign_out() -> None:
    """End the session (the cookie is deleted)."""
    session.clear()


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    """Whether the posted form carries the session's CSRF token."""
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())
