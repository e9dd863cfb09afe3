"""Incoplax addressbook wire format <-> canonical cards and groups.

Field sets, defaults and formats follow the Incoplax addressbook documentation and its
examples. Phone and email *slots* (`number`, `numlocal`, `mobile2`,
`email3`...) map onto the card's ordered child rows; see docs/mapping.md.
"""
from __future__ import annotations

import datetime
import re

from marshmallow import RAISE, Schema, fields, validate

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_GROUP_PRIORITY = 1000

# Field order of the full entities, as in the spec's examples.
CONTACT_TEXT_FIELDS = (
    "displayname", "department", "jobtitle", "number", "numlocal", "numpublic",
    "mobile", "mobile2", "mobile3", "roomnum", "roomnum2", "roomnum3",
    "email", "email2", "email3", "photo",
)
# What list responses show when no mask is given (the documentation's list example).
CONTACT_LIST_FIELDS = ("id", "autokey", "displayname", "department", "jobtitle", "number",
                       "email", "opts.groups", "opts.priority", "ext.ct", "ext.lwt")
GROUP_LIST_FIELDS = ("id", "code", "name", "shortname", "opts.abonentcount", "opts.priority",
                     "ext.ct", "ext.lwt")

# slot name -> (canonical row type, is the primary row)
PHONE_SLOTS = {
    "number": ("office", True),
    "numlocal": ("local", False),
    "numpublic": ("public", False),
    "mobile": ("mobile", False),
    "mobile2": ("mobile", False),
    "mobile3": ("mobile", False),
}
EMAIL_SLOTS = {"email": ("", True), "email2": ("", False), "email3": ("", False)}
ROOM_FIELDS = ("roomnum", "roomnum2", "roomnum3")
SCALAR_MAP = {"displayname": "display_name", "department": "department",
              "jobtitle": "job_title", "photo": "photo"}
OPTS_MAP = {"title": "title", "comment": "notes", "priority": "priority"}


# ---------------------------------------------------------------- request bodies

class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _text():
    return fields.String(validate=validate.Length(max=4096))


# The stored column is a 32-bit integer on PostgreSQL: the same bound on every database.
PRIORITY_RANGE = validate.Range(min=-2**31, max=2**31 - 1)


class ContactOptsSchema(_Strict):
    """`opts` of a contact."""

    title = _text()
    comment = _text()
    groups = fields.List(fields.String(validate=validate.Length(min=1, max=255)))
    priority = fields.Integer(strict=True, allow_none=True, validate=PRIORITY_RANGE)


ContactBodySchema = Schema.from_dict({
    "id": fields.String(validate=validate.Regexp(UUID_RE, error="must be a UUID")),
    "autokey": fields.Integer(strict=True),
    **{name: _text() for name in CONTACT_TEXT_FIELDS},
    "opts": fields.Nested(ContactOptsSchema),
    "ext": fields.Dict(),  # server-maintained timestamps: accepted and ignored
}, name="IncoplaxContact")


class GroupOptsSchema(_Strict):
    """`opts` of a contact group."""

    title = _text()
    comment = _text()
    priority = fields.Integer(strict=True, allow_none=True, validate=PRIORITY_RANGE)
    abonents = fields.List(fields.Integer(strict=True))
    abonentcount = fields.Integer(strict=True)  # out: accepted and ignored


class GroupBodySchema(_Strict):
    """A contact group entity as a client sends it."""

    id = fields.String(validate=validate.Regexp(UUID_RE, error="must be a UUID"))
    code = fields.String(validate=validate.Length(min=1, max=255))
    name = fields.String(validate=validate.Length(min=1, max=4096))
    shortname = _text()
    opts = fields.Nested(GroupOptsSchema)
    ext = fields.Dict()


CONTACT_BODY = ContactBodySchema()
CONTACT_PATCH = ContactBodySchema(partial=True)
GROUP_BODY = GroupBodySchema()
GROUP_PATCH = GroupBodySchema(partial=True)


# ---------------------------------------------------------------- timestamps

def format_time(value: datetime.datetime | None) -> str:
    """Incoplax's timestamp format: centiseconds and `Z` (2019-08-28T11:59:40.75Z)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # stored instants are naive UTC; isoformat is the cheap way
        return value.isoformat(timespec="milliseconds")[:-1] + "Z"  # hundredths: cut, not rounded
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 10000:02d}Z"


# ---------------------------------------------------------------- slots

def assign_slots(rows: list[dict], slots: dict) -> dict[str, int]:
    """Which child row (by index) each wire slot shows."""
    taken: dict[str, int] = {}
    used: set[int] = set()
    for name, (_, primary) in slots.items():
        if primary:
            for i, row in enumerate(rows):
                if row.get("is_primary"):
                    taken[name] = i
                    used.add(i)
                    break
    for i, row in enumerate(rows):
        name = row.get("slot")
        if i not in used and name in slots and name not in taken and not slots[name][1]:
            taken[name] = i
            used.add(i)
    for name, (kind, primary) in slots.items():
        if name in taken or primary:
            continue
        for i, row in enumerate(rows):
            if i in used or row.get("slot") in slots:
                continue
            if kind and row.get("type") != kind:
                continue
            taken[name] = i
            used.add(i)
            break
    return taken


def slot_values(rows: list[dict], slots: dict) -> dict[str, str]:
    """The wire value of every slot ("" when empty)."""
    taken = assign_slots(rows, slots)
    return {name: rows[taken[name]]["value"] if name in taken else "" for name in slots}


def merge_slots(rows: list[dict], slots: dict, new_values: dict[str, str]) -> list[dict]:
    """Child rows after writing `new_values` into their slots; other rows are kept."""
    rows = [dict(row) for row in rows]
    taken = assign_slots(rows, slots)
    drop: set[int] = set()
    for name, value in new_values.items():
        kind, primary = slots[name]
        if name in taken:
            index = taken[name]
            if value == "":
                drop.add(index)
            else:
                rows[index]["value"] = value
                if not primary:
                    rows[index]["slot"] = name
        elif value != "":
            rows.append({"value": value, "type": kind, "slot": None if primary else name,
                         "is_primary": primary})
    kept = [row for i, row in enumerate(rows) if i not in drop]
    # The primary slot's row goes first so the card's own primary rule keeps it.
    kept.sort(key=lambda row: not row.get("is_primary"))
    return kept


# ---------------------------------------------------------------- cards -> wire

def contact_entity(card: dict) -> dict:
    """The full contact entity of a card, in the spec's field order."""
    phones = slot_values(card.get("phones", []), PHONE_SLOTS)
    emails = slot_values(card.get("emails", []), EMAIL_SLOTS)
    rooms = ((card.get("extra") or {}).get("incoplax") or {})
    values = {
        "displayname": card["display_name"],
        "department": card["department"],
        "jobtitle": card["job_title"],
        **phones,
        **{name: rooms.get(name, "") for name in ROOM_FIELDS},
        **emails,
        "photo": card["photo"],
    }
    entity = {"id": card["id"], "autokey": card["autokey"]}
    entity.update((name, values[name]) for name in CONTACT_TEXT_FIELDS)
    entity["opts"] = {
        "title": card["title"],
        "comment": card["notes"],
        "groups": [group["code"] for group in card.get("groups", [])],
        "priority": card["priority"],
    }
    entity["ext"] = {"ct": format_time(card["created"]), "lwt": format_time(card["updated"])}
    return entity


def contact_list_entity(card: dict) -> dict:
    """The reduced entity of list responses, built from card columns only (no child rows)."""
    return {
        "id": card["id"],
        "autokey": card["autokey"],
        "displayname": card["display_name"],
        "department": card["department"],
        "jobtitle": card["job_title"],
        "number": card["primary_phone"],
        "email": card["primary_email"],
        "opts": {"groups": [g["code"] for g in card.get("groups", [])], "priority": card["priority"]},
        "ext": {"ct": format_time(card["created"]), "lwt": format_time(card["updated"])},
    }


def group_entity(group: dict, abonents: list[int]) -> dict:
    """The full contact group entity."""
    ext = dict(((group.get("extra") or {}).get("ext")) or {})
    ext.update(ct=format_time(group["created"]), lwt=format_time(group["updated"]))
    return {
        "id": group["id"],
        "code": group["code"],
        "name": group["name"],
        "shortname": group["shortname"],
        "opts": {
            "title": group["title"],
            "comment": group["comment"],
            "priority": group["priority"],
            "abonents": abonents,
            "abonentcount": len(abonents),
        },
        "ext": ext,
    }


# ---------------------------------------------------------------- wire -> card changes

def combined_item(kind: str, row: dict) -> dict:
    """One item of combined_contacts: a group row or a contact row as `{id, key, type, name, number}`."""
    if kind == "contactgroup":
        return {"id": row["id"], "key": row["code"], "type": kind, "name": row["name"],
                "number": f"group#{row['code']}"}
    return {"id": row["id"], "key": row["autokey"], "type": kind, "name": row["display_name"],
            "number": row["primary_phone"]}


def contact_changes(body: dict, card: dict | None) -> dict:
    """Canonical changes for a validated contact body (`card` is None on create)."""
    changes: dict = {}
    for wire, canonical in SCALAR_MAP.items():
        if wire in body:
            changes[canonical] = body[wire]
    opts = body.get("opts") or {}
    for wire, canonical in OPTS_MAP.items():
        if wire in opts:
            changes[canonical] = opts[wire]
    current_phones = card["phones"] if card else []
    current_emails = card["emails"] if card else []
    phone_values = {name: body[name] for name in PHONE_SLOTS if name in body}
    email_values = {name: body[name] for name in EMAIL_SLOTS if name in body}
    if phone_values:
        changes["phones"] = merge_slots(current_phones, PHONE_SLOTS, phone_values)
    if email_values:
        changes["emails"] = merge_slots(current_emails, EMAIL_SLOTS, email_values)
    rooms = {name: body[name] for name in ROOM_FIELDS if name in body}
    if rooms:
        extra = dict((card or {}).get("extra") or {})
        stored = dict(extra.get("incoplax") or {})
        stored.update(rooms)
        extra["incoplax"] = {k: v for k, v in stored.items() if v != ""}
        if not extra["incoplax"]:
            extra.pop("incoplax")
        changes["extra"] = extra or None
    return changes


def group_changes(body: dict) -> dict:
    """Canonical group columns for a validated group body (memberships separately)."""
    changes = {key: body[key] for key in ("code", "name", "shortname") if key in body}
    opts = body.get("opts") or {}
    for key in ("title", "comment", "priority"):
        if key in opts:
            changes[key] = opts[key]
    ext = {k: v for k, v in (body.get("ext") or {}).items() if k not in ("ct", "lwt")}
    if "ext" in body:
        changes["extra"] = {"ext": ext} if ext else None
    return changes
