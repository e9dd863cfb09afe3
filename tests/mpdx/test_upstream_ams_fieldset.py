"""Cases ported from active_model_serializers 0.10.3's `lib/active_model/serializer/fieldset.rb` (MPDX's
serializer library): `fields_for(type)` takes the singular type key first, then the plural, so
`fields[contact]` (what mpdx_web sends) works and wins over `fields[contacts]`.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.mark.parametrize("query, attributes", [
    ({"fields[contact]": "name"}, ["name"]),  # F2
    ({"fields[contact]": "name", "fields[contacts]": "created_at"}, ["name"]),  # F3: singular wins
    ({"fields[contacts]": "created_at", "fields[contact]": ""}, None),  # an empty singular list still wins
])
def test_contacts(mpdx, query, attributes):
    mpdx.card(display_name="Ann Lee")
    item = mpdx.get("", query).get_json()["data"][0]
    assert item.get("attributes") == ({key: item["attributes"][key] for key in attributes} if attributes else None)
    assert "relationships" not in item


def test_included_types_take_both_spellings(mpdx):
    mpdx.card(given_name="Ann", family_name="Lee", emails=[{"value": "ann@example.org"}])
    body = mpdx.get("", {"include": "people.email_addresses", "fields[person]": "first_name",
                         "fields[email_addresses]": "email"}).get_json()
    by_type = {item["type"]: item for item in body["included"]}
    assert by_type["people"]["attributes"] == {"first_name": "Ann"}
    assert "relationships" not in by_type["people"]
    assert by_type["email_addresses"]["attributes"] == {"email": "ann@example.org"}
