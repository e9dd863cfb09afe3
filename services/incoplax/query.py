"""Incoplax `filter` and `order` parameters as SQL, and the selects of the list and LOOKUP requests.

The Incoplax docs name these parameters but not their syntax; this module is the one
place that implements it (docs/mapping.md, Incoplax):

- `filter`: a JSON object; keys are field paths, a scalar value means equality, an
  array means "one of", several keys are AND-ed.
- `order`: a JSON array of field names (ascending) or `{"field": "asc"|"desc"}`.
"""
from __future__ import annotations

import json
from typing import Any

from peewee import fn

from models import Contact, ContactGroup, GroupMembership
from models.connect import SQL_INTEGERS
from models.statements import fetch_dicts
from services.errors import FieldError, Invalid


def _bad(param: str, message: str) -> Invalid:
    return Invalid(f"Invalid parameter '{param}': {message}", errors=[FieldError(param, message)])


def _parse_json(args: dict, name: str, kind: type) -> Any:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise _bad(name, "is not valid JSON") from None
    if not isinstance(value, kind):
        raise _bad(name, f"must be a JSON {'object' if kind is dict else 'array'}")
    return value


# ---------------------------------------------------------------- contacts

# filterable/sortable paths -> (column, value type)
CONTACT_COLUMNS = {
    "id": (Contact.id, str),
    "autokey": (Contact.autokey, int),
    "displayname": (Contact.display_name, str),
    "department": (Contact.department, str),
    "jobtitle": (Contact.job_title, str),
    "number": (Contact.primary_phone, str),
    "email": (Contact.primary_email, str),
    "photo": (Contact.photo, str),
    "opts.title": (Contact.title, str),
    "opts.comment": (Contact.notes, str),
    "opts.priority": (Contact.priority, int),
    "ext.ct": (Contact.created, None),
    "ext.lwt": (Contact.updated, None),
}
GROUP_COLUMNS = {
    "id": (ContactGroup.id, str),
    "code": (ContactGroup.code, str),
    "name": (ContactGroup.name, str),
    "shortname": (ContactGroup.shortname, str),
    "opts.title": (ContactGroup.title, str),
    "opts.comment": (ContactGroup.comment, str),
    "opts.priority": (ContactGroup.priority, int),
    "ext.ct": (ContactGroup.created, None),
    "ext.lwt": (ContactGroup.updated, None),
}


def _check_value(path: str, value: Any, kind: type | None) -> None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is None and path == "opts.priority":
            continue
        if kind is int and (not isinstance(item, int) or isinstance(item, bool)):
            raise _bad("filter", f"{path} must be compared with an integer")
        if kind is str and not isinstance(item, str):
            raise _bad("filter", f"{path} must be compared with a string")


def _condition(column, value):
    if isinstance(value, list):
        non_null = [v for v in value if v is not None]
        cond = column.in_(non_null) if non_null else None
        if len(non_null) != len(value):
            cond = column.is_null() if cond is None else (cond | column.is_null())
        return cond if cond is not None else (column.is_null(False) & column.is_null())
    return column.is_null() if value is None else (column == value)


def filter_conditions(args: dict, columns: dict, extra: dict | None = None) -> list:
    """Peewee conditions for the `filter` parameter against `columns`."""
    spec = _parse_json(args, "filter", dict) or {}
    conditions = []
    for path, value in spec.items():
        if extra and path in extra:
            conditions.append(extra[path](value))
            continue
        if path not in columns or columns[path][1] is None:
            usable = [p for p, (_, kind) in columns.items() if kind is not None] + list(extra or {})
            raise _bad("filter", f"cannot filter on '{path}'; filterable fields: {', '.join(usable)}")
        column, kind = columns[path]
        _check_value(path, value, kind)
        conditions.append(_condition(column, _matchable(value) if kind is int else value))
    return conditions


def _matchable(value: Any) -> Any:
    """An integer filter value without the integers no column holds (they match nothing: [] is IN ())."""
    if isinstance(value, list):
        return [item for item in value if item is None or item in SQL_INTEGERS]
    return value if value is None or value in SQL_INTEGERS else []


def order_by(args: dict, columns: dict, tiebreak) -> list:
    """Peewee ORDER BY terms for the `order` parameter, ending with a unique tie-break."""
    spec = _parse_json(args, "order", list) or []
    terms = []
    for item in spec:
        if isinstance(item, str):
            path, direction = item, "asc"
        elif isinstance(item, dict) and len(item) == 1:
            path, direction = next(iter(item.items()))
        else:
            raise _bad("order", "items must be field names or {\"field\": \"asc\"|\"desc\"}")
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise _bad("order", f"direction of '{path}' must be asc or desc")
        if path not in columns:
            raise _bad("order", f"cannot sort on '{path}'; sortable fields: {', '.join(columns)}")
        column = columns[path][0]
        terms.append(column.desc() if direction.lower() == "desc" else column.asc())
    terms.append(tiebreak)
    return terms


def contact_group_filter(value: Any):
    """`opts.groups` filter: contacts in the group with this code (or any of these codes)."""
    codes = value if isinstance(value, list) else [value]
    if not all(isinstance(code, str) for code in codes):
        raise _bad("filter", "opts.groups must be compared with group codes (strings)")
    members = (GroupMembership.select(GroupMembership.contact)
               .join(ContactGroup).where(ContactGroup.code.in_(codes)))
    return Contact.autokey.in_(members)


def contact_select(args: dict):
    """The contact rows a list request asks for (filter and order, no paging)."""
    query = Contact.select()
    for condition in filter_conditions(args, CONTACT_COLUMNS, {"opts.groups": contact_group_filter}):
        query = query.where(condition)
    return query.order_by(*order_by(args, CONTACT_COLUMNS, Contact.autokey.asc()))


def group_select(args: dict):
    """The group rows a list request asks for."""
    query = ContactGroup.select()
    for condition in filter_conditions(args, GROUP_COLUMNS):
        query = query.where(condition)
    return query.order_by(*order_by(args, GROUP_COLUMNS, ContactGroup.autokey.asc()))


def combined_selects(args: dict):
    """Group and contact queries for combined_contacts (`filter` on id, key, name, number)."""
    spec = _parse_json(args, "filter", dict) or {}
    groups = ContactGroup.select()
    contacts = Contact.select()
    for path, value in spec.items():
        values = value if isinstance(value, list) else [value]
        if path == "id":
            _check_value(path, value, str)
            groups = groups.where(ContactGroup.id.in_(values))
            contacts = contacts.where(Contact.id.in_(values))
        elif path == "name":
            _check_value(path, value, str)
            groups = groups.where(ContactGroup.name.in_(values))
            contacts = contacts.where(Contact.display_name.in_(values))
        elif path == "key":
            codes = [v for v in values if isinstance(v, str)]
            keys = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
            if len(codes) + len(keys) != len(values):
                raise _bad("filter", "key must be a group code (string) or a contact autokey (integer)")
            groups = groups.where(ContactGroup.code.in_(codes))
            contacts = contacts.where(Contact.autokey.in_(_matchable(keys)))
        elif path == "number":
            _check_value(path, value, str)
            group_codes = [v[len("group#"):] for v in values if v.startswith("group#")]
            groups = groups.where(ContactGroup.code.in_(group_codes))
            contacts = contacts.where(Contact.primary_phone.in_(values))
        else:
            raise _bad("filter", f"cannot filter on '{path}'; filterable fields: id, key, name, number")
    return (groups.order_by(ContactGroup.autokey), contacts.order_by(Contact.autokey))


def contact_lookup_select(key: str):
    """Ids of contacts whose id, autokey or number equals `key` (three index probes)."""
    condition = (Contact.id == key) | (Contact.primary_phone == key)
    if _is_autokey(key):
        condition = condition | (Contact.autokey == int(key))
    return Contact.select(Contact.id).where(condition).order_by(Contact.autokey)


def _is_autokey(key: str) -> bool:
    # Length first: int() of a 100,000-digit key is refused by Python (and slow).
    return len(key) <= 20 and key.lstrip("-").isdigit() and int(key) in SQL_INTEGERS


def contact_lookup_ids(key: str) -> list[str]:
    """`contact_lookup_select`'s ids, with the statement compiled once (LOOKUP is a hot path)."""
    if _is_autokey(key):
        rows = fetch_dicts("incoplax.lookup.autokey", Contact,
                           lambda by_id, by_number, by_autokey: contact_lookup_select(str(by_autokey)),
                           key, key, int(key))
    else:
        rows = fetch_dicts("incoplax.lookup", Contact, lambda by_id, by_number: contact_lookup_select(by_id),
                           key, key)
    return [row["id"] for row in rows]


def group_lookup_select(key: str):
    """Ids of groups whose id or code equals `key`."""
    return (ContactGroup.select(ContactGroup.id)
            .where((ContactGroup.id == key) | (ContactGroup.code == key))
            .order_by(ContactGroup.autokey))


def count(query) -> int:
    """COUNT(*) of a query's rows (not Peewee's wrapped `.count()`)."""
    return query.select(fn.COUNT(1)).order_by().scalar() or 0
