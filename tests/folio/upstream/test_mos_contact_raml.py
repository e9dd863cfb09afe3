"""Ported from mod-organizations-storage `ramls/contact.raml`: the `UUID` type of `{id}`, the traits
(`searchable`, `pageable`, `validate` on both resources: a 422 JSON body on every method), and no
`lang` parameter: the `language` trait was removed from the RAML (MOS commit b3e1ae9, 2023), so
`lang` is an unknown query parameter, ignored like any other.
"""
from __future__ import annotations

import pytest

from .support import contact_sample


@pytest.mark.parametrize("params", [{"lang": "english"}, {"lang": "xyz"}, {"lang": ""}, {"lang": "en"},
                                    {"unknown": "x"}])
def test_lang_and_unknown_parameters_are_ignored(folio, params):
    created = folio.create(contact_sample())
    assert folio.get(query=params).status_code == 200
    assert folio.get(f"/{created['id']}", query=params).status_code == 200
    assert folio.put(f"/{created['id']}", contact_sample(), query=params).status_code == 204
    assert folio.post(contact_sample(), query=params).status_code == 201


def test_validate_trait_422_on_put(folio):
    created = folio.create(contact_sample())
    r = folio.put(f"/{created['id']}", {"firstName": "x"})
    assert (r.status_code, r.headers["Content-Type"]) == (422, "application/json")


def test_the_openapi_document_has_no_lang(client):
    spec = client.get("/openapi.json").json
    for path, item in spec["paths"].items():
        if path.startswith("/organizations-storage/contacts"):
            for method, operation in item.items():
                if method == "parameters":
                    continue
                names = [p.get("name") for p in operation.get("parameters", [])]
                assert "lang" not in names, (path, method)
                assert "lang" not in [p.get("name") for p in item.get("parameters", [])]
