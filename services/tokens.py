"""API tokens: creation, verification (hash lookup, constant-time compare), revocation."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from models import ApiToken
from models.freshness import cached_until_written
from models.statements import fetch_dicts
from models.writer import run_write

# Verified tokens remembered per state of the database: the lookup is a tenth of a
# dialect GET's own work.
_VERIFIED_MAX = 64

SCOPES = ("contacts:read", "contacts:create", "contacts:update", "contacts:delete", "*")
TOKEN_PREFIX = "ct_"


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token (tokens are random, so no salt/KDF is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(scopes: list[str], name: str = "") -> tuple[str, ApiToken]:
    """A new random token with `scopes`; the plaintext is returned once, never stored."""
    bad = [scope for scope in scopes if scope not in SCOPES]
    if bad or not scopes:
        raise ValueError(f"unknown scope(s) {bad or scopes}; choose from {', '.join(SCOPES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = run_write(lambda: ApiToken.create(token_hash=hash_token(token), prefix=token[:10],
                                            name=name, scopes=sorted(set(scopes))))
    return token, row


def verify_token(token: str) -> list[str] | None:
    """Scopes of a valid, unrevoked token, else None."""
    if not token or len(token) > 512:
        return None
    return verify_token_hash(hash_token(token))


def verify_token_hash(digest: str) -> list[str] | None:
    """Scopes of the valid, unrevoked token with this SHA-256 hex digest, else None.

    The web UI's session holds the digest, never the token, and checks it on every request.
    """
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    # Valid tokens' scopes, kept while nobody writes the database (a revocation is a write);
    # a fresh dict on PostgreSQL every time, so nothing is kept there.
    cache = cached_until_written("tokens.verified", dict)
    hit = cache.get(digest)
    if hit is not None:
        return list(hit)
    rows = fetch_dicts("token.by_hash", ApiToken,
                       lambda h: ApiToken.select(ApiToken.token_hash, ApiToken.scopes, ApiToken.revoked)
                       .where(ApiToken.token_hash == h), digest)
    if not rows or rows[0]["revoked"] or not hmac.compare_digest(rows[0]["token_hash"], digest):
        return None
    scopes = list(rows[0]["scopes"] or [])
    if len(cache) >= _VERIFIED_MAX:  # random tokens cannot grow it: only valid ones are kept
        cache.clear()
    cache[digest] = tuple(scopes)
    return scopes


def describe_token(digest: str) -> dict | None:
    """Name, prefix and scopes of the unrevoked token with this digest (for display), else None."""
    row = (ApiToken.select(ApiToken.pk, ApiToken.name, ApiToken.prefix, ApiToken.scopes)
           .where((ApiToken.token_hash == digest) & (ApiToken.revoked == False)).dicts().first())  # noqa: E712
    return dict(row) if row else None


def has_scope(scopes: list[str], needed: str) -> bool:
    """Whether `scopes` grant `needed` (`*` grants everything)."""
    return "*" in scopes or needed in scopes


def list_tokens() -> list[ApiToken]:
    """Every token, oldest first (hashes only)."""
    return list(ApiToken.select().order_by(ApiToken.pk))


def active_token_count() -> int:
    """How many tokens are not revoked."""
    return ApiToken.select().where(ApiToken.revoked == False).count()  # noqa: E712 - small table


def revoke_token(ident: str) -> int:
    """Revoke tokens by numeric id, prefix or name; returns how many were revoked."""
    def _revoke():
        query = ApiToken.update(revoked=True)
        if ident.isdigit():
            return query.where(ApiToken.pk == int(ident)).execute()
        return query.where((ApiToken.prefix == ident[:10]) | (ApiToken.name == ident)).execute()
    return run_write(_revoke)
