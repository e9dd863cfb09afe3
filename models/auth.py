"""API tokens: only a hash of each token is stored."""
from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, TextField

from .base import BaseModel, JSONTextField, UTCTimestampField, utcnow


class ApiToken(BaseModel):
    """A bearer token's hash, its scopes and whether it was revoked."""

    pk = AutoField()
    token_hash = CharField(max_length=64, unique=True)  # SHA-256 hex of the token
    prefix = TextField()  # first characters of the token, to tell tokens apart in listings
    name = TextField(default="")
    scopes = JSONTextField()
    revoked = BooleanField(default=False)
    created = UTCTimestampField(default=utcnow)

    class Meta:
        table_name = "api_token"
