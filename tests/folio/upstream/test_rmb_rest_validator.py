"""Ported from raml-module-builder `domain-models-api-aspects/src/main/java/org/folio/rest/annotations/RestValidator.aj`
(`buildValidationException`): every constraint violation of the parameters (`@Min`/`@Max` on
offset and limit, `@Pattern` on totalRecords and on the path id) as one line
`\\n '<name>' parameter is incorrect. parameter value {<value>} is not valid: <message>`, all joined,
in the order of a Set (so: any order).
"""
from __future__ import annotations

import pytest

from .support import UUID_RULE, text

MIN = "must be greater than or equal to 0"
TOTALS = 'must match "exact|estimated|none|auto"'


def _line(name: str, value: str, message: str) -> str:
    return f"\n '{name}' parameter is incorrect. parameter value {{{value}}} is not valid: {message}"


def _lines(body: str) -> list[str]:
    return sorted("\n" + line for line in body.split("\n")[1:])


@pytest.mark.parametrize("params, lines", [
    ({"limit": "-3"}, [("limit", "-3", MIN)]),
    ({"offset": "-1"}, [("offset", "-1", MIN)]),
    ({"limit": "-03"}, [("limit", "-3", MIN)]),  # the parsed int is shown
    ({"totalRecords": "foo"}, [("totalRecords", "foo", TOTALS)]),
    ({"totalRecords": "EXACT"}, [("totalRecords", "EXACT", TOTALS)]),  # matches() is case-sensitive
    ({"totalRecords": ""}, [("totalRecords", "", TOTALS)]),
    ({"offset": "-1", "limit": "-2"}, [("offset", "-1", MIN), ("limit", "-2", MIN)]),
    ({"offset": "-1", "limit": "-2", "totalRecords": "x"},
     [("offset", "-1", MIN), ("limit", "-2", MIN), ("totalRecords", "x", TOTALS)]),
])
def test_parameter_violations(folio, params, lines):
    status, content_type, body = text(folio.get(query=params))
    assert (status, content_type) == (400, "text/plain")
    assert body.startswith("\n '")
    assert _lines(body) == sorted(_line(*line) for line in lines)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "2147483647"}, {"offset": "2147483647"},
                                    {"totalRecords": "exact"}, {"totalRecords": "estimated"},
                                    {"totalRecords": "none"}, {"totalRecords": "auto"}])
def test_values_within_the_constraints(folio, params):
    assert folio.get(query=params).status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("contact_id", ["abc", "bad500aa-aaaa-600a-aaaa-aaaaaaaaaaaa",
                                        "bad500aa-aaaa-500a-caaa-aaaaaaaaaaaa"])
def test_the_path_id_must_be_a_uuid(folio, method, contact_id):
    """The RAML `UUID` type's pattern on `{id}` (version 1-5, variant 8-b)."""
    call = getattr(folio, method)
    response = call(f"/{contact_id}", {"firstName": "a", "lastName": "b"}) if method == "put" else (
        call(f"/{contact_id}"))
    assert text(response) == (400, "text/plain", _line("id", contact_id, f'must match "{UUID_RULE}"'))
