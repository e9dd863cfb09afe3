"""Niagara wire format: JSON Schemas of the request bodies, Ajv-style errors, HAL rendering.

Niagara validates bodies with Ajv (JSON Schema draft-07) and reports failures as Ajv v6
error objects; here the same schemas are checked with `jsonschema` and its errors are
translated to Ajv's shape (keyword, dataPath, schemaPath, params, message).
See docs/mapping/niagara.md for what the real service does and where we decided.
"""
from __future__ import annotations

import datetime
import re
from typing import Any, Iterable

from jsonschema import Draft7Validator, FormatChecker

NTER_DOCS = "https://docs.nterprise.com"
SCHEMA_BASE = f"{NTER_DOCS}/schemas/niagara/"
PROBLEM_BASE = f"{NTER_DOCS}/api/problem/"
ID_PATTERN = "^[0-9a-zA-Z-_]+$"

# ---------------------------------------------------------------- vocabularies (research A.6)

# relation -> label, positional pairs of relation.json (the apostrophe of the last is sic).
RELATION_LABELS = {
    "created": "Created By",
    "backup": "Backup For",
    "owner": "Owner Of",
    "tech": "Technician For",
    "allocated": "Allocated To",
    "contact": "Contact For",
    "note": "Note For",
    "file": "Attachment For",
    "viewer": "Viewer For",
    "editor": "Editor For",
    "collaborator": "Collaborator On",
    "co_creator": "'Co-Creator For",
}
DIRECTIONS = ("OUTWARD", "INWARD")
ENTITY_TYPES = ("BAT", "CON", "CTX", "CUS", "FILE", "LOC", "MFR", "NOTE", "PART", "PGM",
                "PRJ", "QUE", "RES", "SRES", "TEN", "UNIT", "USER", "VEN", "WKF", "WOR")
# entity type -> (HAL link relation, collection path). CTX and TEN have no link name in
# halRelation.json, so relations to them cannot be rendered and are not accepted.
ENTITY_LINKS = {
    "BAT": ("nter:batch", "batches"),
    "CON": ("nter:contact", "contacts"),
    "CUS": ("nter:customer", "customers"),
    "FILE": ("nter:file", "files"),
    "LOC": ("nter:location", "locations"),
    "MFR": ("nter:manufacturer", "manufacturers"),
    "NOTE": ("nter:note", "notes"),
    "PART": ("nter:part", "parts"),
    "PGM": ("nter:program", "programs"),
    "PRJ": ("nter:project", "projects"),
    "QUE": ("nter:queue", "queues"),
    "RES": ("nter:resource", "resources"),
    "SRES": ("nter:sub-resource", "sub-resources"),
    "UNIT": ("nter:unit", "units"),
    "USER": ("nter:user", "users"),
    "VEN": ("nter:vendor", "vendors"),
    "WKF": ("nter:work-flow", "work-flows"),
    "WOR": ("nter:work-order", "work-orders"),
}
RELATABLE_TYPES = tuple(t for t in ENTITY_TYPES if t in ENTITY_LINKS)

# ---------------------------------------------------------------- request schemas

CONTACT_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["label", "name", "email"],
    "properties": {
        "label": {"type": "string", "description": "Label for the entity"},
        "name": {"type": "string", "description": "Contact name"},
        "email": {"type": "string", "format": "email", "description": "Email address"},
        "phone": {"type": "string", "description": "Phone number"},
    },
}
RELATION_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["relation", "entity"],
    "properties": {
        "relation": {"type": "string", "enum": list(RELATION_LABELS), "description": "Type of relation"},
        "entity": {
            "type": "object",
            "additionalProperties": False,
            "required": ["entity_id", "entity_type"],
            "properties": {
                "entity_id": {"type": "string", "pattern": ID_PATTERN, "description": "Customer identifier"},
                "entity_type": {"type": "string", "enum": list(RELATABLE_TYPES), "description": "Entity type"},
            },
        },
    },
}
# Read-only members a client may echo back from a response: dropped before validation.
CONTACT_READ_ONLY = ("contact_id", "created", "updated", "_links")
RELATION_READ_ONLY = ("relation_id", "label", "direction", "created", "updated", "_links")
ENTITY_READ_ONLY = ("label", "created", "updated")

# Ajv v6's "fast" email format, so the same addresses pass as on the real system.
_AJV_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$", re.IGNORECASE)
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("email")
def _is_email(value: Any) -> bool:
    return not isinstance(value, str) or bool(_AJV_EMAIL.match(value))


_VALIDATORS = {
    "contact": Draft7Validator(CONTACT_SCHEMA, format_checker=_FORMATS),
    "relation": Draft7Validator(RELATION_SCHEMA, format_checker=_FORMATS),
}

# ---------------------------------------------------------------- Ajv error objects

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def data_path(parts: Iterable) -> str:
    """Ajv v6's JavaScript-style data path: `.a.b`, `[0]`, `['odd key']`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return out


def ajv_error(keyword: str, path: str, schema_path: str, params: dict, message: str) -> dict:
    """One Ajv v6 error object, members in Ajv's order."""
    return {"keyword": keyword, "dataPath": path, "schemaPath": schema_path,
            "params": params, "message": message}


def validate_body(kind: str, body: Any) -> list[dict]:
    """Every Ajv-style error of `body` against the `kind` ("contact"/"relation") schema."""
    base = f"{SCHEMA_BASE}{kind}.json#"
    found: list[dict] = []
    seen: set = set()
    for error in _VALIDATORS[kind].iter_errors(body):
        for item in _ajv_items(error, base):
            key = (item["keyword"], item["dataPath"], repr(item["params"]))
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _ajv_items(error, base: str) -> list[dict]:
    keyword = error.validator
    path = data_path(error.absolute_path)
    schema_path = base + "/" + "/".join(str(p) for p in error.absolute_schema_path)
    value = error.validator_value
    if keyword == "required":
        return [ajv_error("required", path, schema_path, {"missingProperty": name},
                          f"should have required property '{name}'")
                for name in value if isinstance(error.instance, dict) and name not in error.instance]
    if keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        return [ajv_error("additionalProperties", path, schema_path, {"additionalProperty": name},
                          "should NOT have additional properties")
                for name in error.instance if name not in known]
    if keyword == "type":
        return [ajv_error("type", path, schema_path, {"type": value}, f"should be {value}")]
    if keyword == "format":
        return [ajv_error("format", path, schema_path, {"format": value}, f'should match format "{value}"')]
    if keyword == "enum":
        return [ajv_error("enum", path, schema_path, {"allowedValues": list(value)},
                          "should be equal to one of the allowed values")]
    if keyword == "pattern":
        return [ajv_error("pattern", path, schema_path, {"pattern": value}, f'should match pattern "{value}"')]
    return [ajv_error(keyword, path, schema_path, {}, error.message)]


def without(body: Any, names: Iterable[str]) -> Any:
    """`body` minus the read-only members named (non-objects are returned as they are)."""
    if not isinstance(body, dict):
        return body
    return {key: value for key, value in body.items() if key not in names}


def strip_relation_read_only(body: Any) -> Any:
    """A relation body without the members the server fills in."""
    body = without(body, RELATION_READ_ONLY)
    if isinstance(body, dict) and isinstance(body.get("entity"), dict):
        body = {**body, "entity": without(body["entity"], ENTITY_READ_ONLY)}
    return body


# ---------------------------------------------------------------- rendering

def format_time(value: datetime.datetime | None) -> str | None:
    """Niagara's timestamps: UTC with milliseconds and `Z` (2019-08-19T00:01:02.000Z)."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored instants are naive UTC; isoformat is the cheap way
        return value.isoformat(timespec="milliseconds") + "Z"
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def link(href: str) -> dict:
    """A HAL link object."""
    return {"href": href}


def contact_resource(row: dict, base_url: str) -> dict:
    """A contact (card columns only) as a HAL resource, members in the spec's order."""
    return {
        "contact_id": row["id"],
        "label": row["label"],
        "created": format_time(row["created"]),
        "updated": format_time(row["updated"]),
        "name": row["display_name"],
        "email": row["primary_email"],
        "phone": row["primary_phone"],
        "_links": {"self": link(f"{base_url}/contacts/{row['id']}")},
    }


def relation_resource(edge: dict, base_url: str) -> dict:
    """A relation as seen from one contact (`edge` from services.niagara.relations)."""
    entity_type, entity_id = edge["entity_type"], edge["entity_id"]
    link_name, collection = ENTITY_LINKS.get(entity_type, ("nter:entity", "entities"))
    return {
        "relation_id": edge["relation_id"],
        "relation": edge["relation"],
        "label": RELATION_LABELS.get(edge["relation"], edge["relation"]),
        "direction": edge["direction"],
        "created": format_time(edge["created"]),
        "updated": format_time(edge["updated"]),
        "entity": {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "label": edge["entity_label"],
            "created": format_time(edge["entity_created"]),
            "updated": format_time(edge["entity_updated"]),
        },
        "_links": {
            "self": link(f"{base_url}/contacts/{edge['viewer_id']}/relations/{edge['relation_id']}"),
            link_name: link(f"{base_url}/{collection}/{entity_id}"),
        },
    }


def page(items: list[dict], embedded_name: str, *, total: int, limit: int, cursor: str | None,
         self_href: str, next_href: str | None) -> dict:
    """A HAL page: exactly total_count, limit, offset, _embedded and _links."""
    links = {"self": link(self_href)}
    if next_href is not None:
        links["next"] = link(next_href)
    return {"total_count": total, "limit": limit, "offset": cursor,
            "_embedded": {embedded_name: items}, "_links": links}


# ---------------------------------------------------------------- wire -> card changes

def replace_primary(rows: list[dict], value: str | None) -> list[dict]:
    """Child rows with the primary row's value replaced (None: primary removed), others kept."""
    rows = [dict(row) for row in rows]
    index = next((i for i, row in enumerate(rows) if row.get("is_primary")), None)
    if value is None:
        if index is not None:
            rows.pop(index)
        return rows
    if index is None:
        return [{"value": value, "is_primary": True}] + rows
    rows[index]["value"] = value
    rows.insert(0, rows.pop(index))  # the card's primary rule keeps the first primary
    return rows


def contact_changes(body: dict, card: dict | None) -> dict:
    """Canonical changes for a validated contact body: the full Niagara view replaced."""
    emails = card["emails"] if card else []
    phones = card["phones"] if card else []
    return {
        "label": body["label"],
        "display_name": body["name"],
        "emails": replace_primary(emails, body["email"]),
        "phones": replace_primary(phones, body.get("phone") or None),  # "" means no phone
    }
