"""Ported from raml-module-builder `domain-models-maven-plugin/src/main/java/org/folio/rest/tools/plugins/CustomTypeAnnotator.java`:
an array's items get `@ElementsPattern` only when they declare an inline string `pattern`; the
contact's `categories` items are a `$ref` to uuid.json, so each `categories` is a plain
`List<String>`: any strings (and nulls), stored and returned verbatim, case, duplicates and order
kept. (`readonly` becomes `@Null`: see test_rmb_rest_routing.)
"""
from __future__ import annotations

import pytest

from .support import contact_sample

UUID = "0e3f9680-ab06-4565-af64-609b7364e6eb"


@pytest.mark.parametrize("categories", [
    [UUID.upper(), UUID, UUID.upper()],
    ["ABC", "abc", "ABC", "not-a-uuid", "x" * 100],
    ["", None, "Zoë", " padded "],
    [],
])
def test_contact_categories_are_verbatim(folio, categories):
    r = folio.post({**contact_sample(), "categories": categories})
    assert (r.status_code, r.json["categories"]) == (201, categories)
    assert folio.get(f"/{r.json['id']}").json["categories"] == categories
    assert folio.put(f"/{r.json['id']}", {**contact_sample(), "categories": categories[::-1]}).status_code == 204
    assert folio.get(f"/{r.json['id']}").json["categories"] == categories[::-1]


@pytest.mark.parametrize("kind, item", [("phoneNumbers", {"phoneNumber": "1"}), ("emails", {"value": "a@b.c"}),
                                        ("addresses", {}), ("urls", {"value": ""})])
def test_sub_object_categories_are_verbatim(folio, kind, item):
    categories = ["X", "x", "X", None, "not-a-uuid"]
    r = folio.post({**contact_sample(), kind: [{**item, "categories": categories}]})
    assert (r.status_code, r.json[kind][0]["categories"]) == (201, categories)


def test_jackson_coerces_scalars_to_strings(folio):
    r = folio.post({**contact_sample(), "categories": [1, True, 2.5]})
    assert (r.status_code, r.json["categories"]) == (201, ["1", "true", "2.5"])


def test_categories_search_sees_them(folio):
    r = folio.post({**contact_sample(), "categories": ["Alpha-ONE", "beta"]})
    hits = folio.get(query={"query": 'categories="alpha-one"'}).json
    assert [hit["id"] for hit in hits["contacts"]] == [r.json["id"]]
