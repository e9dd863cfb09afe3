"""Optional per-token rate limiting and CORS, both off unless configured.

Rate limiting: `CONTACTS_RATE_LIMIT` (e.g. "120/minute;2000/hour") applies to every
dialect request, keyed by the token's hash (the client address when no token is sent).
Counters live in `CONTACTS_RATE_LIMIT_STORAGE` (default `memory://`, which counts per
worker process: use e.g. `redis://host:6379` to share one budget across workers and
instances). CORS: `CONTACTS_CORS_ORIGINS` is a comma list of allowed origins (or `*`).
"""
from __future__ import annotations

from flask import Flask, request

from config import Config
from services.tokens import hash_token

from .auth import is_protected, presented_token


def _rate_key() -> str:
    token = presented_token()
    return "t:" + hash_token(token) if token else "a:" + (request.remote_addr or "?")


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
        default_limits_exempt_when=lambda: not is_protected(request.path),
    )


def install_cors(app: Flask, config: Config) -> None:
    """Answer CORS preflights and add CORS headers for the configured origins."""
    origins = [o.strip() for o in config.cors_origins.split(",") if o.strip()]
    if not origins:
        return
    from flask_cors import CORS

    CORS(app, origins=origins if origins != ["*"] else "*",
         expose_headers=["ETag", "Location", "X-Request-Id"],
         allow_headers=["Authorization", "Content-Type", "If-Match", "X-Okapi-Token", "X-Okapi-Tenant",
                        "X-Okapi-User-Id", "X-Request-Id"])
    app.config["CONTACTS_CORS"] = True
