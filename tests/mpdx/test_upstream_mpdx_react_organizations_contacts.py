"""Cases ported from mpdx-react's organization contacts page: `pages/api/Schema/Settings/Organizations/helper.ts`
(`fetchAllData`), with `SearchOrganizationsContacts/datahandler.ts` and `SearchOrganizationsContacts.graphql`
(CruGlobal/mpdx-react): the REST document it turns into contacts with people, addresses and the
account list's users (names and primary email, as ContactRow shows them).

fetchAllData is re-implemented here line by line: it camel-cases attribute keys, follows every
relationship by id alone (ignoring the type) into `included`, recursing into resources that have
relationships, and crashes on a null to-one linkage. The include list is what the page needs;
the REST call itself is not in the public source (the GraphQL resolver's data source is).
"""
from __future__ import annotations

import re

from tests.mpdx.test_mpdx_helpers import LIST_AB, mpdx  # noqa: F401 - `mpdx` is a fixture

INCLUDE = "people,people.email_addresses,people.phone_numbers,account_list,account_list.account_list_users,addresses"


def snake_to_camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)


def fetch_all_data(obj: dict, included: list[dict]) -> dict:
    """helper.ts#fetchAllData."""
    attributes = {snake_to_camel(k): v for k, v in obj["attributes"].items()}  # Object.keys(undefined) throws
    for relationship, value in obj["relationships"].items():
        data = value["data"]
        ids = [item["id"] for item in data] if isinstance(data, list) else [data["id"]]  # null crashes
        values = []
        for ident in ids:
            found = next((item for item in included if item["id"] == ident), None)
            if found is None:
                values.append(None)
            elif found.get("relationships"):
                values.append(fetch_all_data(found, included))
            elif found.get("attributes"):
                values.append({"id": found["id"], **{snake_to_camel(k): v for k, v in found["attributes"].items()}})
            else:
                values.append(found["id"])
        attributes[snake_to_camel(relationship)] = values[0] if not isinstance(data, list) and len(values) == 1 \
            else values
        attributes["id"] = obj["id"]
    return attributes


def test_the_page_gets_people_addresses_and_the_owners(mpdx):
    mpdx.organizations()
    mpdx.import_({"account_lists": [{"id": LIST_AB, "name": "Smith family", "users": [
        {"id": "9a9a9a9a-0000-4000-8000-00000000000a", "first_name": "Olga", "last_name": "Owner",
         "emails": [{"email": "old@example.org"}, {"email": "olga@example.org", "primary": True}]}]}]})
    card = mpdx.card(given_name="Hal", family_name="Nikolaus", emails=[{"value": "hal@example.com", "is_primary": True}],
                     phones=[{"value": "514 122-4362"}],
                     addresses=[{"line1": "1 Main St", "city": "Orlando", "region": "FL", "postal_code": "32801"}])
    mpdx.import_({"contacts": [{"id": card["id"], "account_list": LIST_AB}]})
    other = mpdx.card(display_name="Unassigned Person")
    body = mpdx.get("", {"filter[wildcard_search]": "ikola", "include": INCLUDE, "page": "1"}).get_json()
    contacts = [{"id": item["id"], **fetch_all_data(item, body["included"])} for item in body["data"]]
    assert [c["id"] for c in contacts] == [card["id"]]
    contact = contacts[0]
    assert (contact["name"], contact["allowDeletion"], contact["squareAvatar"]) == (
        "Nikolaus, Hal", True, "https://mpdx.org/images/avatar.png")
    person = contact["people"][0]
    assert (person["firstName"], person["lastName"], person["deceased"]) == ("Hal", "Nikolaus", False)
    assert person["emailAddresses"][0] == {**person["emailAddresses"][0], "email": "hal@example.com", "primary": True,
                                           "historic": False}
    assert person["phoneNumbers"][0]["number"] == "514 122-4362"
    address = contact["addresses"][0]
    assert (address["street"], address["city"], address["state"], address["postalCode"]) == (
        "1 Main St", "Orlando", "FL", "32801")
    account_list = contact["accountList"]
    assert account_list["name"] == "Smith family"
    owner = account_list["accountListUsers"][0]
    assert (owner["userFirstName"], owner["userLastName"]) == ("Olga", "Owner")
    # ContactRow shows the primary one: userEmailAddresses.find(email => email?.primary)
    assert next(e for e in owner["userEmailAddresses"] if e["primary"])["email"] == "olga@example.org"
    # Without a search: the unassigned card links to a real list too (a null to-one would crash the page).
    everyone = mpdx.get("", {"include": INCLUDE}).get_json()
    for item in everyone["data"]:
        assert fetch_all_data(item, everyone["included"])["accountList"]["accountListUsers"] is not None
    assert other["id"] in [item["id"] for item in everyone["data"]]
    pagination = body["meta"]["pagination"]
    assert (int(pagination["page"]), pagination["per_page"], pagination["total_count"], pagination["total_pages"]) \
        == (1, 25, 1, 1)
