"""MPDX organizations/contacts on the wire: query parameters and JSON:API resource objects.

The six contact attributes and three relationships follow the spec; the resources
reachable through `include` (people, email_addresses, phone_numbers, addresses,
account_lists, organizations) are the card's own data. Only contacts have stored
ids; every other resource id is a UUIDv5 of the card id (plus the child's position),
so ids never collide across types, as MPDX's web client needs.
"""
from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from marshmallow import EXCLUDE, Schema, fields

from services.errors import FieldError, Invalid

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
CONTENT_TYPE = "application/vnd.api+json; charset=utf-8"
DEFAULT_AVATAR = "https://mpdx.org/images/avatar.png"
DEFAULT_PER_PAGE = 25
MAX_PAGE_NUMBER = 2**31 - 1  # page and per_page beyond this overflow SQL integers
PERMITTED_FILTERS = ("organization_id", "status", "wildcard_search")
SORTABLE_FIELDS = ("name", "created_at", "updated_at")
# Relationship paths `include` understands; `*` means the contact's direct ones.
DIRECT_INCLUDES = ("people", "addresses", "account_list")
INCLUDE_PATHS = DIRECT_INCLUDES + ("people.email_addresses", "people.phone_numbers",
                                   "account_list.organizations")
# Namespace of the derived (UUIDv5) ids of people, addresses, emails and phones.
ID_NAMESPACE = uuid.UUID("0f5d8e57-8a4e-4a55-9d4c-2b9a3f6e1c70")
_NAMESPACE_BYTES = ID_NAMESPACE.bytes


class ListArgsSchema(Schema):
    """Query parameters of the contact list (documentation; parsed by parse_list_params)."""

    class Meta:
        unknown = EXCLUDE

    page = fields.String(metadata={"description": "Page number, from 1 (default 1)"})
    per_page = fields.String(metadata={"description": "Page size (default 25; 0 = count only; no maximum)"})
    sort = fields.String(metadata={"description": "name, created_at or updated_at; '-' for descending"})
    include = fields.String(metadata={"description": "people, addresses, account_list, "
                                                     "people.email_addresses, people.phone_numbers, "
                                                     "account_list.organizations, or *"})
    filter_organization_id = fields.String(data_key="filter[organization_id]",
                                           metadata={"description": "Organization ids, comma-separated"})
    filter_status = fields.String(data_key="filter[status]", metadata={
        "description": "Statuses, comma-separated; also active, hidden, null"})
    filter_wildcard_search = fields.String(data_key="filter[wildcard_search]", metadata={
        "description": "Name words (all must match), or a whole email or phone"})
    fields_contacts = fields.String(data_key="fields[contacts]",
                                    metadata={"description": "Sparse fieldset of contacts"})


class ItemArgsSchema(Schema):
    """Query parameters of one contact (documentation; parsed by parse_shape)."""

    class Meta:
        unknown = EXCLUDE

    include = fields.String(metadata={"description": "Related resources to include, as for the list"})
    fields_contacts = fields.String(data_key="fields[contacts]",
                                    metadata={"description": "Sparse fieldset of contacts"})


# ---------------------------------------------------------------- query parameters

@dataclass
class Shape:
    """What to render: sparse fieldsets by type and the included paths (None: no `included`)."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    include: set[str] | None = None


@dataclass
class ListParams:
    """A parsed list request."""

    page: int
    per_page: int
    sort_raw: str | None
    sort_field: str | None
    descending: bool
    nulls: str | None
    organization_ids: list[str] | None
    statuses: list[str] | None
    wildcard_search: str | None
    filter_echo: dict
    shape: Shape


def _bad(parameter: str, detail: str) -> Invalid:
    return Invalid(detail, errors=[FieldError(parameter, detail)], parameter=parameter)


def _int_param(args, name: str, default: int, minimum: int) -> int:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not text.isdigit() or not minimum <= int(text) <= MAX_PAGE_NUMBER:
        kind = "a positive integer" if minimum else "a non-negative integer"
        raise _bad(name, f"Invalid value for '{name}': {raw!r} is not {kind} up to {MAX_PAGE_NUMBER}.")
    return int(text)


def _list(value: str) -> list[str]:
    """MPDX's parse_list: comma-split, blanks dropped, parts stripped."""
    return [part.strip() for part in value.split(",") if part.strip()]


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_BRACKETED = re.compile(r"^(filter|fields)\[([^\]]*)\]$")


def _bracketed(args, family: str) -> dict[str, str]:
    """`family[key]=value` parameters as {key: value} (the last one wins)."""
    found: dict[str, str] = {}
    for key in args.keys():
        match = _BRACKETED.match(key)
        if match and match.group(1) == family:
            found[match.group(2)] = args.getlist(key)[-1]
    return found


def parse_sort(raw: str | None) -> tuple[str | None, bool, str | None]:
    """(field, descending, nulls) from `sort`, with MPDX's 400 texts."""
    if raw is None or not raw.strip():
        return None, False, None
    if "," in raw:
        raise _bad("sort", "This endpoint does not support multiple sorting parameters.")
    words = raw.split()
    if len(words) > 2 or (len(words) == 2 and words[1] not in ("nulls", "-nulls")):
        raise _bad("sort", "Bad format for sort param.")
    name = words[0]
    descending = name.startswith("-")
    name = name[1:] if descending else name
    if name not in SORTABLE_FIELDS:
        raise _bad("sort", f"Sorting by {name} is not supported for this endpoint.")
    nulls = None
    if len(words) == 2:
        nulls = "first" if words[1] == "nulls" else "last"
    return name, descending, nulls


def parse_shape(args) -> Shape:
    """Sparse fieldsets (`fields[type]`) and `include` paths; unknown paths are ignored."""
    fieldsets = {kind: _list(value) for kind, value in _bracketed(args, "fields").items()}
    raw = args.get("include")
    if raw is None:
        return Shape(fieldsets, None)
    paths: set[str] = set()
    for path in _list(raw):
        if path == "*":
            paths.update(DIRECT_INCLUDES)
        elif path in INCLUDE_PATHS:
            paths.add(path)
            paths.add(path.split(".")[0])  # an included path includes its first step too
    return Shape(fieldsets, paths or None)


def parse_list_params(args) -> ListParams:
    """Validate and parse the list request's query string (MPDX's texts on 400)."""
    page = _int_param(args, "page", 1, 1)
    per_page = _int_param(args, "per_page", DEFAULT_PER_PAGE, 0)
    sort_raw = args.get("sort")
    sort_field, descending, nulls = parse_sort(sort_raw)
    filters = {}
    for key, value in _bracketed(args, "filter").items():
        name = _CAMEL.sub(r"_\1", key).lower()  # MPDX underscores filter keys
        if name in PERMITTED_FILTERS:
            filters[name] = value
    organization_ids = _list(filters["organization_id"]) if "organization_id" in filters else None
    statuses = _list(filters["status"]) if "status" in filters else None
    wildcard = filters.get("wildcard_search")
    return ListParams(page=page, per_page=per_page, sort_raw=sort_raw if sort_field else None,
                      sort_field=sort_field, descending=descending, nulls=nulls,
                      organization_ids=organization_ids or None, statuses=statuses or None,
                      wildcard_search=wildcard.strip() if wildcard and wildcard.strip() else None,
                      filter_echo=filters, shape=parse_shape(args))


# ---------------------------------------------------------------- resources

def iso(value: datetime.datetime | None) -> str | None:
    """A stored UTC instant as MPDX writes it: ISO 8601, seconds, `Z`."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


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

    services.mpdx.query.NAME_SQL is the same rule in SQL (for sorting).
    """
    family, given = card.get("family_name") or "", card.get("given_name") or ""
    if family and given:
        return f"{family}, {given}"
    return card.get("display_name") or ""


def _ident(kind: str, ident: str) -> dict:
    return {"id": ident, "type": kind}


def _timestamps(created, updated) -> dict:
    return {"created_at": iso(created), "updated_at": iso(updated), "updated_in_db_at": iso(updated)}


def _resource(kind: str, ident: str, attributes: dict, relationships: dict | None,
              shape: Shape) -> dict:
    """A resource object with `fields[kind]` applied; empty members are left out."""
    wanted = shape.fields.get(kind)
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


def account_list_resource(row: dict, organizations: list[dict], shape: Shape) -> dict:
    """An account list, linked to its organizations."""
    relationships = {"organizations": {"data": [_ident("organizations", org["id"]) for org in organizations]}}
    return _resource("account_lists", row["id"], {"name": row["name"], **_timestamps(row["created"], row["updated"])},
                     relationships, shape)


def organization_resource(row: dict, shape: Shape) -> dict:
    """An organization."""
    return _resource("organizations", row["id"], {"name": row["name"], **_timestamps(row["created"], row["updated"])},
                     None, shape)


def included_resources(cards: Iterable[dict], account_lists: dict, organizations: dict,
                       shape: Shape) -> list[dict]:
    """The compound document's `included`: each requested resource once, in page order."""
    include = shape.include or set()
    found: dict[tuple[str, str], dict] = {}

    def add(resources: Iterable[dict]) -> None:
        for resource in resources:
            found.setdefault((resource["type"], resource["id"]), resource)

    for card in cards:
        if "people" in include:
            add([person_resource(card, shape)])
        if "people.email_addresses" in include:
            add(email_resources(card, shape))
        if "people.phone_numbers" in include:
            add(phone_resources(card, shape))
        if "addresses" in include:
            add(address_resources(card, shape))
        account_list = account_lists[card.get("account_list_id")]
        orgs = organizations.get(account_list["autokey"], [])
        if "account_list" in include:
            add([account_list_resource(account_list, orgs, shape)])
        if "account_list.organizations" in include:
            add(organization_resource(org, shape) for org in orgs)
    return list(found.values())
