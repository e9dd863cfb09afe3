"""Incoplax query parameters and response shaping: `offset`, `limit`, `mask`, `flat`.

`mask` is a comma-separated list of field paths; `flat=true` joins composite keys with
dots. `filter` and `order` become SQL in services/incoplax/query.py.
"""
from __future__ import annotations

import datetime

from marshmallow import Schema, fields

from services.errors import FieldError, Invalid

from .incoplax import contact_entity, group_entity

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100000


class ListArgsSchema(Schema):
    """Query parameters of a list request."""

    filter = fields.String(metadata={"description": 'JSON object, e.g. {"number":"11"}'})
    mask = fields.String(metadata={"description": "Comma-separated field paths to output"})
    order = fields.String(metadata={"description": 'JSON array, e.g. ["displayname",{"autokey":"desc"}]'})
    flat = fields.String(metadata={"description": "true: flatten composite fields"})
    offset = fields.String(metadata={"description": "Number of items to skip (default 0)"})
    limit = fields.String(metadata={"description": f"Maximum items (default {DEFAULT_LIMIT})"})


class ItemArgsSchema(Schema):
    """Query parameters of a single-item request."""

    mask = fields.String(metadata={"description": "Comma-separated field paths to output"})
    flat = fields.String(metadata={"description": "true: flatten composite fields"})


def _bad(param: str, message: str) -> Invalid:
    return Invalid(f"Invalid parameter '{param}': {message}", errors=[FieldError(param, message)])


def parse_int(args: dict, name: str, default: int, maximum: int = MAX_LIMIT) -> int:
    """A non-negative integer parameter."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not text.isdigit():
        raise _bad(name, "must be a non-negative integer")
    value = int(text)
    if value > maximum:
        raise _bad(name, f"must be at most {maximum}")
    return value


def parse_flat(args: dict) -> bool:
    """The `flat` flag (true/false/1/0)."""
    raw = (args.get("flat") or "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise _bad("flat", "must be true or false")


# ---------------------------------------------------------------- field paths

def entity_paths(entity: dict, prefix: str = "") -> list[str]:
    """Every field path of an entity, composites and their members."""
    paths = []
    for key, value in entity.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, dict):
            paths.extend(entity_paths(value, path + "."))
    return paths


def parse_mask(args: dict, known: list[str]) -> list[str] | None:
    """Field paths to output, validated against the entity's paths."""
    raw = args.get("mask")
    if raw is None or raw.strip() == "":
        return None
    paths = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [p for p in paths if p not in known]
    if unknown:
        raise _bad("mask", f"unknown field(s) {', '.join(unknown)}; available: {', '.join(known)}")
    return paths


def apply_mask(entity: dict, paths: list[str] | None, flat: bool) -> dict:
    """The entity reduced to `paths` (entity order), flattened when `flat`."""
    if paths is not None:
        entity = _select(entity, set(paths))
    return _flatten(entity) if flat else entity


def _select(entity: dict, paths: set[str], prefix: str = "") -> dict:
    out = {}
    for key, value in entity.items():
        path = f"{prefix}{key}"
        if path in paths:
            out[key] = value
        elif isinstance(value, dict) and any(p.startswith(path + ".") for p in paths):
            out[key] = _select(value, paths, path + ".")
    return out


def _flatten(entity: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in entity.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


# Every field path of the full entities (what `mask` may name), from an empty card and group.
_EPOCH = datetime.datetime(1970, 1, 1)
CONTACT_PATHS = entity_paths(contact_entity({
    "id": "", "autokey": 0, "display_name": "", "department": "", "job_title": "", "photo": "",
    "title": "", "notes": "", "priority": None, "extra": None, "created": _EPOCH, "updated": _EPOCH,
    "phones": [], "emails": [], "groups": []}))
GROUP_PATHS = entity_paths(group_entity({
    "id": "", "code": "", "name": "", "shortname": "", "title": "", "comment": "", "priority": None,
    "created": _EPOCH, "updated": _EPOCH, "extra": None}, []))
