"""Made-up HTTP methods cannot grow /metrics: they are refused (501) before auth, and every
label of the request metrics comes from a fixed set (route templates, known methods, "other")."""
from __future__ import annotations

import re

import pytest

from blueprints.observability import KNOWN_METHODS


def _method_labels(client) -> set[str]:
    text = client.get("/metrics").get_data(as_text=True)
    return set(re.findall(r'^contacts_http_requests_total\{method="([^"]*)"', text, re.MULTILINE))


@pytest.mark.parametrize("path", ["/contacts", "/rest/v1/addressbook/contacts", "/nowhere", "/healthz"])
def test_a_made_up_method_is_501_before_auth(client, path):
    r = client.open(path, method="FROBNICATE")
    assert r.status_code == 501
    assert "FROBNICATE" in r.get_data(as_text=True)


def test_a_made_up_method_gets_the_dialects_error_format(client):
    r = client.open("/organizations-storage/contacts", method="XYZZY")
    assert r.status_code == 501
    assert r.mimetype == "text/plain"  # FOLIO's errors are text


def test_thousands_of_made_up_methods_add_no_label(client):
    for n in range(300):
        assert client.open("/contacts", method=f"M{n}").status_code == 501
    labels = _method_labels(client)
    assert labels <= KNOWN_METHODS | {"other"}
    assert not any(label.startswith("M") and label[1:].isdigit() for label in labels)


def test_known_methods_are_the_http_ones_lookup_and_webdav():
    assert {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "LOOKUP", "PROPFIND",
            "PROPPATCH", "REPORT", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"} <= KNOWN_METHODS


def test_a_known_method_a_route_lacks_is_still_405(client, auth):
    r = client.open("/contacts", method="PROPFIND", headers=auth)
    assert r.status_code == 405
    assert "Allow" in r.headers


def test_unmatched_paths_share_one_route_label(client):
    for n in range(50):
        client.get(f"/no/such/path/{n}")
    text = client.get("/metrics").get_data(as_text=True)
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert not any(route.startswith("/no/such") for route in routes)
    assert "<unmatched>" in routes
