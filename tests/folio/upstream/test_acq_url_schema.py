"""Ported from acq-models `mod-orgs/schemas/url.json`: `value` required, with pattern
`^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)` matched as Java's `matches()` (whole value;
`.` stops at \\n, \\r, \\u0085, \\u2028, \\u2029); `metadata` readonly (see test_rmb_rest_routing).
"""
from __future__ import annotations

import pytest

from .support import NOT_NULL, PATTERN, URL_RULE, contact_sample, error


@pytest.mark.parametrize("value", ["", "http://x", "HTTPS://X", "ftp://x", "FtPs://x", "http://a b",
                                   "https://www.acs.org/content/acs/en.html"])
def test_values_the_pattern_accepts(folio, value):
    r = folio.post({**contact_sample(), "urls": [{"value": value}]})
    assert (r.status_code, r.json["urls"][0]["value"]) == (201, value)


@pytest.mark.parametrize("value", ["www.folio.org", "folio.org", "mailto:a@b.c", " http://x", "http://",
                                   "https:/x", "file:///x", "sftp://x", "http://a\rb", "http://a\nb",
                                   "http://a\u2028b", "http://x\n"])
def test_values_the_pattern_refuses(folio, value):
    r = folio.post({**contact_sample(), "urls": [{"value": value}]})
    assert (r.status_code, r.json) == (422, {"errors": [error(f'must match "{URL_RULE}"', PATTERN,
                                                              "urls[0].value", value)]})
    assert folio.count() == 0


@pytest.mark.parametrize("item", [{}, {"value": None}, {"description": "x"}])
def test_value_is_required(folio, item):
    r = folio.post({**contact_sample(), "urls": [item]})
    assert (r.status_code, r.json) == (422, {"errors": [error("must not be null", NOT_NULL, "urls[0].value", "null")]})


def test_every_property_round_trips(folio):
    url = {"id": "0e3f9680-ab06-4565-af64-609b7364e6eb", "value": "http://x", "description": "d", "language": "en",
           "isPrimary": False, "categories": ["c"], "notes": ""}
    assert folio.post({**contact_sample(), "urls": [url]}).json["urls"] == [url]
