"""MPDX organizations/contacts on the wire: query parameters and JSON:API resource objects.

The six contact attributes and three relationships follow the spec; the resources
reachable through `include` (people, email_addresses, phone_numbers, addresses) are the
card's own data, account_lists, organizations and account_list_users come from
`contacts mpdx import`. Contacts, account lists, organizations and account list users
have stored ids; every other resource id is a UUIDv5 of the card id (plus the child's
position), so ids never collide across types, as MPDX's web client needs.
Request parameters are read by schemas.mpdx_params.
"""
from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from typing import Any, Iterable

from marshmallow import EXCLUDE, Schema, fields

from services.substring import card_name

from .mpdx_params import Shape

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
# ApiController::MEDIA_TYPE_MATCHER: an Accept entry (a quoted parameter may hold a comma).
MEDIA_TYPE_MATCHER = re.compile(r'.+".+"[^,]*|[^,]+')
CONTENT_TYPE = "application/vnd.api+json; charset=utf-8"
DEFAULT_AVATAR = "https://mpdx.org/images/avatar.png"
# Namespace of the derived (UUIDv5) ids of people, addresses, emails and phones.
ID_NAMESPACE = uuid.UUID("0f5d8e57-8a4e-4a55-9d4c-2b9a3f6e1c70")
_NAMESPACE_BYTES = ID_NAMESPACE.bytes


class ListArgsSchema(Schema):
    """Query parameters of the contact list (documentation; parsed by parse_list_params)."""

    class Meta:
        unknown = EXCLUDE

    page = fields.String(metadata={"description": "Page number, from 1 (default 1; read as Ruby's to_i)"})
    per_page = fields.String(metadata={"description": "Page size (default 25, also for 0 or less; no maximum: "
                                                      "large pages are streamed)"})
    sort = fields.String(metadata={"description": "name, created_at or updated_at; '-' for descending"})
    include = fields.String(metadata={"description": "people, addresses, account_list, "
                                                     "people.email_addresses, people.phone_numbers, "
                                                     "account_list.account_list_users, "
                                                     "account_list.organizations, or *"})
    filter_organization_id = fields.String(data_key="filter[organization_id]",
                                           metadata={"description": "Organization ids, comma-separated"})
    filter_status = fields.String(data_key="filter[status]", metadata={
        "description": "Statuses, comma-separated; also active, hidden, null"})
    filter_wildcard_search = fields.String(data_key="filter[wildcard_search]", metadata={
        "description": "Substrings: every name word in the name, or the whole term in an email or phone"})
    filter_updated_at = fields.String(data_key="filter[updated_at]", metadata={
        "description": "YYYY-MM-DD, a date range YYYY-MM-DD..YYYY-MM-DD (... excludes the end) or datetimes"})
    filter_reverse_status = fields.String(data_key="filter[reverse_status]", metadata={
        "description": "true: reverse the status filter (also reverse_organization_id, reverse_wildcard_search)"})
    fields_contacts = fields.String(data_key="fields[contacts]",
                                    metadata={"description": "Sparse fieldset of contacts (also fields[contact])"})


class ItemArgsSchema(Schema):
    """Query parameters of one contact (documentation; parsed by parse_shape)."""

    class Meta:
        unknown = EXCLUDE

    include = fields.String(metadata={"description": "Related resources to include, as for the list"})
    fields_contacts = fields.String(data_key="fields[contacts]",
                                    metadata={"description": "Sparse fieldset of contacts"})


# ---------------------------------------------------------------- resources

def iso(value: datetime.datetime | None) -> str | None:
    """A stored UTC instant as MPDX writes it: ISO 8601, seconds, `Z`."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored instants are naive UTC; isoformat is the cheap way
        return value.isoformat(timespec="seconds") + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def derived_id(kind: str, card_id: str, position: int | None = None) -> str:
    """The id of a resource derived from a card (never equal to any card's id)."""
    name = f"{kind}:{card_id}" if position is None else f"{kind}:{card_id}:{position}"
    return _uuid5_text(name)


def _uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(ID_NAMESPACE, name))` without building UUID objects (a tenth of the
    cost; every contact resource has two or more of these ids)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def contact_name(card: dict) -> str:
    """MPDX's `name`: "Family, Given" when both are known, else the display name.

    The substring index searches the same name (services.substring.card_name);
    services.mpdx.query.NAME_SQL is the same rule in SQL (for sorting).
    """
    return card_name(card)


def _ident(kind: str, ident: str) -> dict:
    return {"id": ident, "type": kind}


def _timestamps(created, updated) -> dict:
    return {"created_at": iso(created), "updated_at": iso(updated), "updated_in_db_at": iso(updated)}


def _resource(kind: str, ident: str, attributes: dict, relationships: dict | None,
              shape: Shape) -> dict:
    """A resource object with `fields[kind]` applied; empty members are left out."""
    wanted = shape.fields_for(kind)
    if wanted is not None:
        attributes = {k: v for k, v in attributes.items() if k in wanted}
        relationships = {k: v for k, v in (relationships or {}).items() if k in wanted}
    resource: dict[str, Any] = {"id": ident, "type": kind}
    if attributes:
        resource["attributes"] = dict(sorted(attributes.items()))
    if relationships:
        resource["relationships"] = relationships
    return resource


def contact_resource(card: dict, account_list: dict, shape: Shape) -> dict:
    """A card as a `contacts` resource (six attributes, three relationships)."""
    attributes = {
        "allow_deletion": not card["locked"],
        "name": contact_name(card),
        "square_avatar": card.get("photo") or DEFAULT_AVATAR,
        **_timestamps(card["created"], card["updated"]),
    }
    relationships = {
        "account_list": {"data": _ident("account_lists", account_list["id"])},
        "people": {"data": [_ident("people", derived_id("people", card["id"]))]},
        "addresses": {"data": [_ident("addresses", derived_id("addresses", card["id"], i))
                               for i in range(len(card.get("addresses") or []))]},
    }
    return _resource("contacts", card["id"], attributes, relationships, shape)


def person_resource(card: dict, shape: Shape) -> dict:
    """The card's person (`people`): names, with its email addresses and phone numbers."""
    attributes = {
        "deceased": False,
        "first_name": card.get("given_name") or "",
        "last_name": card.get("family_name") or "",
        "middle_name": card.get("middle_name") or "",
        "suffix": card.get("suffix") or "",
        "title": card.get("prefix") or "",
        **_timestamps(card["created"], card["updated"]),
    }
    relationships = {
        "email_addresses": {"data": [_ident("email_addresses", derived_id("email_addresses", card["id"], i))
                                     for i in range(len(card.get("emails") or []))]},
        "phone_numbers": {"data": [_ident("phone_numbers", derived_id("phone_numbers", card["id"], i))
                                   for i in range(len(card.get("phones") or []))]},
    }
    return _resource("people", derived_id("people", card["id"]), attributes, relationships, shape)


def email_resources(card: dict, shape: Shape) -> list[dict]:
    """The card's emails as `email_addresses` resources."""
    return [_resource("email_addresses", derived_id("email_addresses", card["id"], i), {
        "email": row["value"], "historic": False, "location": row.get("type") or "",
        "primary": bool(row.get("is_primary")), **_timestamps(card["created"], card["updated"]),
    }, None, shape) for i, row in enumerate(card.get("emails") or [])]


def phone_resources(card: dict, shape: Shape) -> list[dict]:
    """The card's phones as `phone_numbers` resources."""
    return [_resource("phone_numbers", derived_id("phone_numbers", card["id"], i), {
        "number": row["value"], "historic": False, "location": row.get("type") or "",
        "primary": bool(row.get("is_primary")), **_timestamps(card["created"], card["updated"]),
    }, None, shape) for i, row in enumerate(card.get("phones") or [])]


def address_resources(card: dict, shape: Shape) -> list[dict]:
    """The card's postal addresses as `addresses` resources."""
    found = []
    for i, row in enumerate(card.get("addresses") or []):
        street = "\n".join(part for part in (row.get("line1"), row.get("line2")) if part)
        found.append(_resource("addresses", derived_id("addresses", card["id"], i), {
            "city": row.get("city") or "", "country": row.get("country") or "", "historic": False,
            "location": row.get("type") or "", "postal_code": row.get("postal_code") or "",
            "primary_mailing_address": bool(row.get("is_primary")), "state": row.get("region") or "",
            "street": street, **_timestamps(card["created"], card["updated"]),
        }, None, shape))
    return found


def account_list_resource(row: dict, users: list[dict], organizations: list[dict], shape: Shape) -> dict:
    """An account list, linked to its users (the owners mpdx-react shows) and its organizations."""
    relationships = {
        "account_list_users": {"data": [_ident("account_list_users", user["id"]) for user in users]},
        "organizations": {"data": [_ident("organizations", org["id"]) for org in organizations]},
    }
    return _resource("account_lists", row["id"], {"name": row["name"], **_timestamps(row["created"], row["updated"])},
                     relationships, shape)


def account_list_user_resource(row: dict, shape: Shape) -> dict:
    """A user of an account list: names and email addresses, as mpdx-react's organization contacts page reads them."""
    emails = [{"email": item.get("email") or "", "primary": bool(item.get("primary")), "historic": False}
              for item in row.get("emails") or []]
    return _resource("account_list_users", row["id"], {
        "user_email_addresses": emails, "user_first_name": row.get("first_name") or "",
        "user_last_name": row.get("last_name") or "", **_timestamps(row["created"], row["updated"]),
    }, None, shape)


def organization_resource(row: dict, shape: Shape) -> dict:
    """An organization."""
    return _resource("organizations", row["id"], {"name": row["name"], **_timestamps(row["created"], row["updated"])},
                     None, shape)


def included_resources(cards: Iterable[dict], account_lists: dict, organizations: dict, users: dict,
                       shape: Shape, seen: set | None = None) -> list[dict]:
    """`included` for these cards as AMS 0.10.3 orders it: card by card, depth first, each
    relationship in the serializers' declaration order (account_list with its users and
    organizations, people with their emails and phones, addresses), each resource once.

    `seen` carries the shared resources already listed (pages streamed in batches)."""
    include = shape.include
    seen = set() if seen is None else seen
    found: list[dict] = []

    def shared(kind: str, ident: str) -> bool:
        key = (kind, ident)
        if key in seen:
            return False
        seen.add(key)
        return True

    for card in cards:
        if "account_list" in include:
            account_list = account_lists[card.get("account_list_id")]
            if shared("account_lists", account_list["id"]):
                list_users = users.get(account_list["autokey"], [])
                orgs = organizations.get(account_list["autokey"], [])
                found.append(account_list_resource(account_list, list_users, orgs, shape))
                if "account_list_users" in include["account_list"]:
                    found.extend(account_list_user_resource(user, shape) for user in list_users
                                 if shared("account_list_users", user["id"]))
                if "organizations" in include["account_list"]:
                    found.extend(organization_resource(org, shape) for org in orgs
                                 if shared("organizations", org["id"]))
        if "people" in include:
            found.append(person_resource(card, shape))
            if "email_addresses" in include["people"]:
                found.extend(email_resources(card, shape))
            if "phone_numbers" in include["people"]:
                found.extend(phone_resources(card, shape))
        if "addresses" in include:
            found.extend(address_resources(card, shape))
    return found
