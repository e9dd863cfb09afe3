"""The `folio` fixture of the modules ported from upstream sources."""
from __future__ import annotations

import pytest

from .support import USER, Folio


@pytest.fixture
def folio(client, auth, quiet_access_log):
    """The test client with FOLIO's test headers (plus our bearer token)."""
    return Folio(client, {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-User-Id": USER})
