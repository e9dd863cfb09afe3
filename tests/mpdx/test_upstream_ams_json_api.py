"""Cases ported from active_model_serializers 0.10.3's `lib/active_model_serializers/adapter/json_api.rb`
(MPDX's serializer library): `included` only when it has members (line 136), in depth-first order card by
card following the serializers' declaration order (lines 234-272), each resource once.
"""
from __future__ import annotations

from tests.mpdx.test_mpdx_helpers import LIST_AB, ORG_A, ORG_B, at, derived, mpdx  # noqa: F401


def test_no_included_without_members(mpdx):  # I3
    mpdx.card(display_name="Ann Lee")
    body = mpdx.get("", {"include": "addresses,people.email_addresses"}).get_json()
    assert [item["type"] for item in body["included"]] == ["people"]
    assert "included" not in mpdx.get("", {"include": "addresses"}).get_json()


def test_depth_first_in_declaration_order(mpdx):  # I4
    mpdx.organizations()
    mpdx.import_({"account_lists": [{"id": LIST_AB, "name": "List AB",
                                     "users": [{"id": "11111111-0000-4000-8000-00000000000a", "first_name": "Ole"}]}]})
    first = mpdx.card(given_name="Ann", family_name="Lee", created=at(1), emails=[{"value": "a@example.org"}],
                      phones=[{"value": "555 0100"}], addresses=[{"city": "Lima"}])
    second = mpdx.card(given_name="Bo", family_name="Lee", created=at(2))
    mpdx.import_({"contacts": [{"id": first["id"], "account_list": LIST_AB},
                               {"id": second["id"], "account_list": LIST_AB}]})
    body = mpdx.get("", {"include": "addresses,people.phone_numbers,people.email_addresses,"
                                    "account_list.organizations,account_list.account_list_users"}).get_json()
    assert [(item["type"], item["id"]) for item in body["included"]] == [
        ("account_lists", LIST_AB), ("account_list_users", "11111111-0000-4000-8000-00000000000a"),
        ("organizations", ORG_A), ("organizations", ORG_B),
        ("people", derived("people", first["id"])), ("email_addresses", derived("email_addresses", first["id"], 0)),
        ("phone_numbers", derived("phone_numbers", first["id"], 0)), ("addresses", derived("addresses", first["id"], 0)),
        ("people", derived("people", second["id"])),  # the shared account list is not repeated
    ]
