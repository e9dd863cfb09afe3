"""Optional per-token rate limiting and CORS, both off unless configured.

Rate limiting: `CONTACTS_RATE_LIMIT` (e.g. "120/minute;2000/hour") applies to every
dialect route and every web UI page, each route with its own budget per token, keyed by
the token's hash (the same key whether the token comes in a header or from a UI session;
the client address when there is no token).
Counters live in `CONTACTS_RATE_LIMIT_STORAGE` (default `memory://`, which counts per
worker process: use e.g. `redis://host:6379` to share one budget across workers and
instances). CORS: `CONTACTS_CORS_ORIGINS` is a comma list of allowed origins (or `*`).
"""
from __future__ import annotations

from flask import Flask, request, session

from config import Config
from services.tokens import hash_token

from .auth import TOKEN_DIGEST_ENVIRON, is_protected, presented_token


# The web UI's pages are limited like the dialect routes, by the signed-in token (and the
# card page's in-process door requests count against those doors' budgets of that token):
# without this the UI would be a way around the limit.
UI_PREFIX = "/ui/"


def _rate_key() -> str:
    token = presented_token()
    if token:
        return "t:" + hash_token(token)
    # In-process door requests and UI pages: the signed-in token's digest.
    digest = request.environ.get(TOKEN_DIGEST_ENVIRON) or (
        session.get("t") if request.path.startswith(UI_PREFIX) else None)
    return "t:" + digest if digest else "a:" + (request.remote_addr or "?")


def _limited() -> bool:
    """Dialect routes and the web UI's pages (not its static files) are rate limited."""
    return is_protected(request.path) or (request.path.startswith(UI_PREFIX) and request.endpoint != "ui.static")


def install_rate_limit(app: Flask, config: Config) -> None:
    """Limit requests per token on dialect routes when a rate is configured."""
    if not config.rate_limit:
        return
    from flask_limiter import Limiter

    Limiter(
        key_func=_rate_key,
        app=app,
        default_limits=[config.rate_limit],
        storage_uri=config.rate_limit_storage,
        headers_enabled=True,
        default_limits_exempt_when=lambda: not _limited(),
    )


def install_cors(app: Flask, config: Config) -> None:
    """Answer CORS preflights and add CORS headers for the configured origins."""
    origins = [o.strip() for o in config.cors_origins.split(",") if o.strip()]
    if not origins:
        return
    from flask_cors import CORS

    # Beyond flask-cors's default methods: Incoplax's LOOKUP and WebDAV's (a CardDAV web client
    # such as InfCloud, served from another origin, sends PROPFIND and REPORT with Depth, and
    # If-None-Match on a new card; InfCloud adds its own X-client header to every request and
    # `Prefer: return=representation` to every PUT).
    CORS(app, origins=origins if origins != ["*"] else "*",
         methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "LOOKUP", "PROPFIND", "PROPPATCH",
                  "REPORT"],
         expose_headers=["ETag", "Location", "X-Request-Id", "DAV"],
         allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match", "Depth", "Prefer", "X-client",
                        "X-Okapi-Token", "X-Okapi-Tenant", "X-Okapi-User-Id", "X-Request-Id"],
         max_age=600)  # a browser asks again every 10 minutes, not before every request
    app.config["CONTACTS_CORS"] = True
