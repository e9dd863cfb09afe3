"""Ported from raml-module-builder `dbschema/src/main/java/org/folio/dbschema/ObjectMapperTool.java`
(`DateDeserializer`: a string, a leading `+` cut, goes to Jackson's StdDateFormat; an integer is
epoch milliseconds; any other token is an error). Dates only occur in a client-sent `metadata`,
which is validated and then replaced: a date Jackson reads gives 201, one it cannot gives 400.
"""
from __future__ import annotations

import pytest

from .support import contact_sample, text

CHAIN = ' (through reference chain: org.folio.rest.jaxrs.model.Contact["metadata"]->' \
        'org.folio.rest.jaxrs.model.Metadata["createdDate"])'
FORMS = ('("yyyy-MM-dd\'T\'HH:mm:ss.SSSX", "yyyy-MM-dd\'T\'HH:mm:ss.SSS", "EEE, dd MMM yyyy HH:mm:ss zzz", '
         '"yyyy-MM-dd")')


@pytest.mark.parametrize("value", [
    "2024-01-02T03:04:05.678+00:00", "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05Z", "2024-01-02T03:04",
    "2024-01-02T03:04:05.123456789+0530", "2024-01-02T03:04:05-05", "2024-01-02", "+2024-01-02T03:04:05Z",
    "2024-13-45T00:00:00Z",             # a lenient Calendar rolls over
    "1700000000000", "-5", " 2024-01-02 ", "Tue, 02 Jan 2024 03:04:05 GMT",
    1700000000000, 0, -1,
])
def test_dates_jackson_reads(folio, value):
    r = folio.post({**contact_sample(), "metadata": {"createdDate": value, "updatedDate": value}})
    assert r.status_code == 201, r.data


@pytest.mark.parametrize("value, body", [
    ("garbage", f"Failed to parse Date value 'garbage': Cannot parse date \"garbage\": not compatible with any "
                f"of standard forms {FORMS}{CHAIN}"),
    ("2024-01-02 03:04:05", "Failed to parse Date value '2024-01-02 03:04:05': Cannot parse date "
                            "\"2024-01-02 03:04:05\": while it seems to fit format 'yyyy-MM-dd'T'HH:mm:ss.SSSX', "
                            f"parsing fails (leniency? null){CHAIN}"),
    ("2024-1-2", "Failed to parse Date value '2024-1-2': Cannot parse date \"2024-1-2\": while it seems to fit "
                 f"format 'yyyy-MM-dd', parsing fails (leniency? null){CHAIN}"),
    ("2024-01-02T03:04:05.1234567891Z", "Failed to parse Date value '2024-01-02T03:04:05.1234567891Z': Cannot "
                                        "parse date \"2024-01-02T03:04:05.1234567891Z\": invalid fractional seconds "
                                        f"'1234567891'; can use at most 9 digits{CHAIN}"),
])
def test_strings_jackson_refuses(folio, value, body):
    r = folio.post({**contact_sample(), "metadata": {"createdDate": value}})
    assert text(r) == (400, "text/plain", body)
    assert folio.count() == 0


@pytest.mark.parametrize("value, jackson_token", [(True, "VALUE_TRUE"), (1.5, "VALUE_NUMBER_FLOAT"), ({}, "START_OBJECT"),
                                          ([], "START_ARRAY")])
def test_other_tokens_are_refused(folio, value, jackson_token):
    status, content_type, body = text(folio.post({**contact_sample(), "metadata": {"createdDate": value}}))
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith(f"Unexpected token ({jackson_token}), expected VALUE_STRING: expected string containing a date")
    assert body.endswith(CHAIN)
