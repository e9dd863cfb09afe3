"""HTTP Basic as CardDAV clients send it: any user name, the API token as password."""
from __future__ import annotations

import base64


def basic(token: str, user: str = "phone") -> dict:
    """An HTTP Basic Authorization header with the token as password."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}
