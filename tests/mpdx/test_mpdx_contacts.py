"""MPDX organizations/contacts: wire format, GET, DELETE, errors (negotiation and routing: test_upstream_*)."""
from __future__ import annotations

import json_api_doc
import pytest
from click.testing import CliRunner

from cli import cli
from tests.etags import card_etag_of
from tests.mpdx.test_mpdx_helpers import (  # noqa: F401 - `mpdx` is a fixture
    AVATAR,
    CONTENT_TYPE,
    JSONAPI,
    LIST_AB,
    ORG_A,
    ORG_B,
    UNASSIGNED,
    URL,
    assert_jsonapi,
    at,
    derived,
    mpdx,
)


def _contact(card: dict, *, name: str, account_list: str = UNASSIGNED, addresses: int = 0,
             allow_deletion: bool = True) -> dict:
    stamp = card["updated"].strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": card["id"],
        "type": "contacts",
        "attributes": {
            "allow_deletion": allow_deletion,
            "created_at": card["created"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "name": name,
            "square_avatar": AVATAR,
            "updated_at": stamp,
            "updated_in_db_at": stamp,
        },
        "relationships": {
            "account_list": {"data": {"id": account_list, "type": "account_lists"}},
            "people": {"data": [{"id": derived("people", card["id"]), "type": "people"}]},
            "addresses": {"data": [{"id": derived("addresses", card["id"], i), "type": "addresses"}
                                   for i in range(addresses)]},
        },
    }


def test_list_has_the_seed_shape(mpdx):
    card = mpdx.card(given_name="Hal", family_name="Nikolaus", created=at(17), updated=at(17))
    response = mpdx.get()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.get_json() == {
        "data": [_contact(card, name="Nikolaus, Hal")],
        "meta": {"pagination": {"page": 1, "per_page": 25, "total_count": 1, "total_pages": 1},
                 "sort": None, "filter": {}},
    }
    # The seed's attribute values, byte for byte.
    attributes = response.get_json()["data"][0]["attributes"]
    assert attributes["created_at"] == "2022-01-12T17:17:59Z"
    assert list(attributes) == ["allow_deletion", "created_at", "name", "square_avatar",
                                "updated_at", "updated_in_db_at"]


def test_get_one_contact(mpdx):
    card = mpdx.card(display_name="Parker Bogisich", photo="https://example.org/p.png",
                     addresses=[{"line1": "1 Main St", "city": "Orlando"}])
    response = mpdx.get(f"/{card['id']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.headers["ETag"] == card_etag_of(card["id"], card["version"])
    expected = _contact(card, name="Bogisich, Parker", addresses=1)
    expected["attributes"]["square_avatar"] = "https://example.org/p.png"
    assert response.get_json() == {"data": expected}


def test_name_is_the_display_name_without_both_parts(mpdx):
    mpdx.card(given_name="Cher")
    assert mpdx.names() == ["Cher"]


def test_unknown_contact_is_404_with_mpdx_text(mpdx):
    missing = "f2111bfc-7b2a-417f-9507-179aba32e15a"
    for response in (mpdx.get(f"/{missing}"), mpdx.delete(missing)):
        assert response.status_code == 404
        assert response.headers["Content-Type"] == CONTENT_TYPE
        assert response.get_json() == {"errors": [{"status": "404", "title": "Not Found",
                                                   "detail": f"Couldn't find Contact with 'id'={missing}"}]}


def test_unknown_route_is_404_route_not_found(mpdx):
    response = mpdx.client.get("/api/v2/this_route_does_not_exist", headers={**mpdx.headers, "Content-Type": JSONAPI})
    assert response.status_code == 404
    assert response.get_json() == {"errors": [{"status": "404", "title": "Not Found", "detail": "Route not found"}]}
    assert_jsonapi(response.get_json())


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}])
def test_missing_or_bad_token_is_401(client, headers):
    response = client.get(URL, headers={"Content-Type": JSONAPI, **headers})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.get_json() == {"errors": [{"status": "401", "title": "Unauthorized",
                                               "detail": "Exceptions::AuthenticationError"}]}


def test_missing_scope_is_403_and_deletes_nothing(mpdx, make_token):
    card = mpdx.card(display_name="Ann Lee")
    reader = {"Authorization": f"Bearer {make_token('contacts:read')}"}
    response = mpdx.delete(card["id"], headers=reader)
    assert response.status_code == 403
    assert response.get_json() == {"errors": [{"status": "403", "title": "Forbidden",
                                               "detail": "Token lacks the scope contacts:delete"}]}
    assert mpdx.ids() == [card["id"]]


def test_delete_removes_the_card_from_every_dialect(mpdx):
    created = mpdx.client.post("/rest/v1/addressbook/contacts", headers=mpdx.headers,
                               json={"displayname": "Freddie Jones", "number": "5141224362"})
    assert created.status_code == 200
    contact_id = created.get_json()["id"]
    assert mpdx.names() == ["Jones, Freddie"]
    response = mpdx.delete(contact_id)
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert mpdx.get(f"/{contact_id}").status_code == 404
    assert mpdx.ids() == []
    assert mpdx.client.get(f"/rest/v1/addressbook/contacts/{contact_id}", headers=mpdx.headers).status_code == 404


def test_locked_card_is_not_deletable(mpdx, database_url):
    card = mpdx.card(given_name="Hal", family_name="Nikolaus")
    result = CliRunner().invoke(cli, ["lock", card["id"], "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert mpdx.get(f"/{card['id']}").get_json()["data"]["attributes"]["allow_deletion"] is False
    response = mpdx.delete(card["id"])
    assert response.status_code == 403
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.get_json() == {"errors": [{
        "status": "403", "title": "Forbidden",
        "detail": f"Not allowed to perform that action on the resource with ID {card['id']} of type contacts",
        "meta": {"reason": "allow_deletion is false: the contact is locked; anonymize it instead"},
    }]}
    assert_jsonapi(response.get_json())
    assert mpdx.ids() == [card["id"]]
    CliRunner().invoke(cli, ["unlock", card["id"], "--database-url", database_url])
    assert mpdx.delete(card["id"]).status_code == 204


def test_delete_honours_if_match(mpdx):
    card = mpdx.card(display_name="Ann Lee")
    stale = mpdx.delete(card["id"], headers={"If-Match": f'"c{card["version"] + 1}"'})
    assert stale.status_code == 412
    assert stale.get_json()["errors"][0]["title"] == "Precondition Failed"
    assert mpdx.ids() == [card["id"]]
    assert mpdx.delete(card["id"], headers={"If-Match": f'"c{card["version"]}"'}).status_code == 204


def _family(mpdx):
    mpdx.organizations()
    card = mpdx.card(given_name="Hal", family_name="Nikolaus", prefix="Dr.",
                     emails=[{"value": "hal@example.com", "type": "home"}, {"value": "h@work.example"}],
                     phones=[{"value": "514 122-4362", "type": "mobile"}],
                     addresses=[{"line1": "1 Main St", "line2": "Apt 2", "city": "Orlando", "region": "FL",
                                 "postal_code": "32801", "country": "US", "type": "home", "is_primary": True}])
    mpdx.import_({"contacts": [{"id": card["id"], "account_list": LIST_AB, "status": "Partner - Financial"}]})
    return card


def test_include_builds_a_compound_document(mpdx):
    card = _family(mpdx)
    response = mpdx.get(f"/{card['id']}", {"include": "people,people.email_addresses,people.phone_numbers,"
                                                      "addresses,account_list,account_list.organizations"})
    assert response.status_code == 200
    body = response.get_json()
    card_id = card["id"]
    updated = body["data"]["attributes"]["updated_at"]
    stamps = {"created_at": body["data"]["attributes"]["created_at"], "updated_at": updated,
              "updated_in_db_at": updated}
    included = {(item["type"], item["id"]): item for item in body["included"]}
    assert len(included) == len(body["included"]) == 8
    person = included[("people", derived("people", card_id))]
    assert person["attributes"] == {**stamps, "deceased": False, "first_name": "Hal", "last_name": "Nikolaus",
                                    "middle_name": "", "suffix": "", "title": "Dr."}
    assert person["relationships"] == {
        "email_addresses": {"data": [{"id": derived("email_addresses", card_id, i), "type": "email_addresses"}
                                     for i in range(2)]},
        "phone_numbers": {"data": [{"id": derived("phone_numbers", card_id, 0), "type": "phone_numbers"}]},
    }
    assert included[("email_addresses", derived("email_addresses", card_id, 0))]["attributes"] == {
        **stamps, "email": "hal@example.com", "historic": False, "location": "home", "primary": True}
    assert included[("email_addresses", derived("email_addresses", card_id, 1))]["attributes"]["primary"] is False
    assert included[("phone_numbers", derived("phone_numbers", card_id, 0))]["attributes"] == {
        **stamps, "historic": False, "location": "mobile", "number": "514 122-4362", "primary": True}
    assert included[("addresses", derived("addresses", card_id, 0))]["attributes"] == {
        **stamps, "city": "Orlando", "country": "US", "historic": False, "location": "home",
        "postal_code": "32801", "primary_mailing_address": True, "state": "FL", "street": "1 Main St\nApt 2"}
    account_list = included[("account_lists", LIST_AB)]
    assert account_list["attributes"]["name"] == "List AB"
    assert account_list["relationships"] == {"account_list_users": {"data": []}, "organizations": {"data": [
        {"id": ORG_A, "type": "organizations"}, {"id": ORG_B, "type": "organizations"}]}}
    assert included[("organizations", ORG_B)]["attributes"]["name"] == "Org B"
    assert body["data"]["relationships"]["account_list"] == {"data": {"id": LIST_AB, "type": "account_lists"}}


@pytest.mark.parametrize("include, types", [
    ("*", ["account_lists", "addresses", "people"]),
    ("people", ["people"]),
    ("people.email_addresses", ["email_addresses", "email_addresses", "people"]),
    ("**", None),
    ("nonsense,account_list.nonsense", ["account_lists"]),  # a known first step is included
    ("nonsense", None),
])
def test_include_paths(mpdx, include, types):
    card = _family(mpdx)
    body = mpdx.get("", {"include": include}).get_json()
    assert body["data"][0]["id"] == card["id"]
    if types is None:
        assert "included" not in body
    else:
        assert sorted(item["type"] for item in body["included"]) == types


def test_included_resources_are_listed_once(mpdx):
    mpdx.organizations()
    first, second = mpdx.card(display_name="Ann Lee"), mpdx.card(display_name="Bob Lee")
    mpdx.import_({"contacts": [{"id": first["id"], "account_list": LIST_AB},
                               {"id": second["id"], "account_list": LIST_AB}]})
    body = mpdx.get("", {"include": "account_list"}).get_json()
    assert [(item["type"], item["id"]) for item in body["included"]] == [("account_lists", LIST_AB)]


def test_unassigned_contacts_link_to_the_unassigned_list(mpdx):
    mpdx.card(display_name="Ann Lee")
    body = mpdx.get("", {"include": "account_list"}).get_json()
    assert body["data"][0]["relationships"]["account_list"]["data"] == {"id": UNASSIGNED, "type": "account_lists"}
    assert body["included"][0]["attributes"]["name"] == "Unassigned"
    assert body["included"][0]["relationships"] == {"account_list_users": {"data": []}, "organizations": {"data": []}}


@pytest.mark.parametrize("fields, attributes, relationships", [
    ("name,square_avatar", ["name", "square_avatar"], None),
    ("name,people", ["name"], ["people"]),
    ("", None, None),
])
def test_sparse_fieldsets(mpdx, fields, attributes, relationships):
    mpdx.card(display_name="Ann Lee")
    for body in (mpdx.get("", {"fields[contacts]": fields}).get_json(),):
        item = body["data"][0]
        assert list(item.get("attributes", {}) or []) == (attributes or [])
        assert ("attributes" in item) == bool(attributes)
        assert list(item.get("relationships", {})) == (relationships or [])
        assert set(item) == {"id", "type"} | ({"attributes"} if attributes else set()) | (
            {"relationships"} if relationships else set())


def test_a_jsonapi_only_client_resolves_relationships(mpdx):
    card = _family(mpdx)
    body = mpdx.get("", {"include": "people,people.email_addresses,account_list,addresses"}).get_json()
    contacts = json_api_doc.deserialize(body)
    assert len(contacts) == 1
    contact = contacts[0]
    assert contact["id"] == card["id"]
    assert contact["name"] == "Nikolaus, Hal"
    assert contact["account_list"]["name"] == "List AB"
    assert contact["people"][0]["first_name"] == "Hal"
    assert [e["email"] for e in contact["people"][0]["email_addresses"]] == ["hal@example.com", "h@work.example"]
    assert contact["addresses"][0]["city"] == "Orlando"
