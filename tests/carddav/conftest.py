"""The CardDAV tests' client: HTTP Basic with the token as password, as CardDAV clients send it."""
from __future__ import annotations

import base64

import pytest


def basic(token: str, user: str = "phone") -> dict:
    """An HTTP Basic Authorization header with the token as password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


@pytest.fixture
def dav(client, token):
    """client.open with HTTP Basic (the token as password), as CardDAV clients send it."""
    def _open(method: str, path: str, body: str | bytes = b"", headers: dict | None = None, **kwargs):
        return client.open(path, method=method, data=body, headers={**basic(token), **(headers or {})}, **kwargs)
    return _open
