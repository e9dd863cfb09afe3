"""Ported from raml-util (folio-org/raml) `traits/pageable.raml` (`offset`: integer, default 0,
minimum 0, maximum 2147483647; `limit`: integer, default 10, minimum 0, maximum 2147483647;
`totalRecords`: default `auto`, pattern `exact|estimated|none|auto`). The whole range is served:
a huge limit streams (see tests/folio/test_folio_large_pages.py).
"""
from __future__ import annotations

import pytest


def test_defaults(folio):
    for i in range(12):
        folio.create({"firstName": f"f{i}", "lastName": "x"})
    body = folio.get().json
    assert ([c["firstName"] for c in body["contacts"]], body["totalRecords"]) == ([f"f{i}" for i in range(10)], 12)


@pytest.mark.parametrize("params, names", [({"limit": "2147483647"}, 12), ({"offset": "2147483647"}, 0),
                                           ({"offset": "11", "limit": "2147483647"}, 1)])
def test_the_maximum_is_accepted(folio, params, names):
    for i in range(12):
        folio.create({"firstName": f"f{i}", "lastName": "x"})
    body = folio.get(query=params).json
    assert (len(body["contacts"]), body["totalRecords"]) == (names, 12)


@pytest.mark.parametrize("mode", ["exact", "estimated", "auto"])
def test_total_records_modes_count_exactly(folio, mode):
    folio.create({"firstName": "a", "lastName": "b"})
    assert folio.get(query={"totalRecords": mode}).json["totalRecords"] == 1
