"""Whole cards in one statement: a contact row and all its child rows and groups.

A card is six tables. Six round trips per card (or per page) cost more than SQLite
takes to run them, so the child rows and groups come back aggregated as JSON arrays
in extra columns of the one SELECT (`json_group_array` on SQLite, `json_agg` on
PostgreSQL), and a page's cards are selected by a single array parameter
(`json_each(?)` / `= ANY(%s)`), so every page size shares one statement (rendered once
per engine, in models.statements' cache). Values are converted by the model fields
exactly as Peewee's `.dicts()` would.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable

import orjson
from peewee import CharField, Field, IntegerField, TextField

from .connect import database, is_sqlite
from .contact import CHILD_MODELS, CHILD_SKIP, Contact, ContactGroup
from .statements import cached

CARD_LISTS = (*CHILD_MODELS, "groups")
GROUP_FIELDS = (ContactGroup.autokey, ContactGroup.id, ContactGroup.code, ContactGroup.name)

_last = itemgetter(-1)


def _child_fields(model) -> list[Field]:
    return [field for field in model._meta.sorted_fields if field.name not in CHILD_SKIP]


def _aggregate(pg: bool, columns: list[str], source: str, order: str) -> str:
    """A scalar subquery: the rows of `source` as a JSON array of arrays, each ending in its
    `order` value.

    SQLite sorts an aggregate's input in a temporary B-tree per subquery (a fifth of a
    card's read time), so there the rows come unordered and `_rows` sorts the few of
    them by that last value; PostgreSQL orders inside the aggregate.
    """
    row = ", ".join([*columns, order])
    if pg:
        return (f"(SELECT COALESCE(json_agg(json_build_array({row}) ORDER BY {order}), "
                f"'[]'::json) FROM {source})")
    return f"(SELECT json_group_array(json_array({row})) FROM {source})"


def _children_sql(pg: bool) -> list[str]:
    columns = []
    for model in CHILD_MODELS.values():
        table = model._meta.table_name
        names = [f"t.{field.column_name}" for field in _child_fields(model)]
        columns.append(_aggregate(pg, names, f"{table} AS t WHERE t.contact_autokey = c.autokey", "t.position"))
    names = [f"g.{field.column_name}" for field in GROUP_FIELDS]
    columns.append(_aggregate(pg, names,
                              "group_membership AS m JOIN contact_group AS g ON g.autokey = m.group_autokey "
                              "WHERE m.contact_autokey = c.autokey", "m.position"))
    return columns


def _render(kind: str) -> str:
    """The SELECT of whole cards by public id, by autokey, by CardDAV resource name (`resource`),
    by a list of autokeys (`cards`), or of just the children by a list of autokeys (`children`)."""
    pg = not is_sqlite()
    children = ", ".join(_children_sql(pg))
    mark = "%s" if pg else "?"
    contact_columns = ", ".join(f"c.{field.column_name}" for field in Contact._meta.sorted_fields)
    if kind in ("id", "autokey"):
        return f"SELECT {contact_columns}, {children} FROM contact AS c WHERE c.{kind} = {mark}"
    if kind == "resource":
        # CardDAV's resource name: the card a client-chosen name maps to, else the id given.
        return (f"SELECT {contact_columns}, {children} FROM contact AS c WHERE c.id = "
                f"COALESCE((SELECT contact_id FROM carddav_href WHERE name = {mark}), {mark})")
    if kind in ("children", "cards"):
        keys = f"= ANY({mark})" if pg else f"IN (SELECT value FROM json_each({mark}))"
        columns = "c.autokey" if kind == "children" else contact_columns
        return f"SELECT {columns}, {children} FROM contact AS c WHERE c.autokey {keys}"
    raise ValueError(kind)


# models.statements' keys of the five statements.
_BY_ID, _BY_AUTOKEY, _BY_RESOURCE, _CARDS, _CHILDREN = (
    ("card", kind) for kind in ("id", "autokey", "resource", "cards", "children"))


# Values of these field types come back from both drivers as Python wants them already.
def _is_identity(field: Field) -> bool:
    return isinstance(field, (IntegerField, CharField, TextField)) and type(field).python_value is Field.python_value


def _converter(field: Field) -> Callable:
    # Field.python_value only calls `adapt` (e.g. bool) on a value that is not None, which
    # _convert has checked already: call `adapt` directly, one Python call less per value.
    if type(field).python_value is Field.python_value:
        return field.adapt
    return field.python_value


def _shape(fields: list[Field] | tuple) -> tuple[list[str], list[tuple[str, Callable]]]:
    """Field names, and the (name, converter) pairs of the fields that convert values."""
    names = [field.name for field in fields]
    converting = [(field.name, _converter(field)) for field in fields if not _is_identity(field)]
    return names, converting


def _convert(item: dict, converting: list[tuple[str, Callable]]) -> dict:
    for name, convert in converting:
        value = item[name]
        if value is not None:
            item[name] = convert(value)
    return item


_CONTACT_NAMES, _CONTACT_CONVERT = _shape(Contact._meta.sorted_fields)
_LIST_SHAPES = [(kind, *_shape(_child_fields(model))) for kind, model in CHILD_MODELS.items()]
_LIST_SHAPES.append(("groups", *_shape(GROUP_FIELDS)))


def _rows(raw: Any, names: list[str], converting: list) -> list[dict]:
    items = orjson.loads(raw) if isinstance(raw, (str, bytes)) else (raw or [])
    if len(items) > 1:
        items.sort(key=_last)  # by position (see _aggregate)
    # zip() stops at the names: the trailing position is not part of the row
    return [_convert(dict(zip(names, item)), converting) for item in items]


def _attach(card: dict, aggregates) -> dict:
    for (kind, names, converting), raw in zip(_LIST_SHAPES, aggregates):
        card[kind] = _rows(raw, names, converting)
    return card


def card_by_id(contact_id: str) -> dict | None:
    """The whole card with public id `contact_id` (contact columns, children, groups), or None."""
    return _card(cached(_BY_ID, _render, "id"), contact_id)


def card_by_autokey(autokey: int) -> dict | None:
    """The whole card with this autokey, or None."""
    return _card(cached(_BY_AUTOKEY, _render, "autokey"), autokey)


def card_by_resource_name(name: str, default_id: str | None) -> dict | None:
    """The whole card a CardDAV resource name maps to (`carddav_href`), else the card with
    id `default_id`, or None: one statement, as every card GET of CardDAV needs."""
    return _card(cached(_BY_RESOURCE, _render, "resource"), name, default_id)


def _card(sql: str, *keys) -> dict | None:
    row = database.execute_sql(sql, keys).fetchone()
    return _card_of(row) if row is not None else None


def _card_of(row) -> dict:
    width = len(_CONTACT_NAMES)
    card = _convert(dict(zip(_CONTACT_NAMES, row[:width])), _CONTACT_CONVERT)
    return _attach(card, row[width:])


def cards_by_autokeys(autokeys: list[int]) -> dict[int, dict]:
    """{autokey: whole card} for these autokeys (missing ones absent), in one statement."""
    if not autokeys:
        return {}
    return {card["autokey"]: card for card in map(_card_of, database.execute_sql(
        cached(_CARDS, _render, "cards"), (_keys_param(autokeys),)))}


def _keys_param(autokeys: list[int]):
    # One statement for any number of keys: an array (PostgreSQL) or a JSON array (SQLite).
    return list(autokeys) if not is_sqlite() else orjson.dumps(list(autokeys)).decode()


def children_by_autokey(autokeys: list[int]) -> dict[int, dict]:
    """{autokey: {"emails": [...], "phones": [...], "addresses": [...], "urls": [...], "groups": [...]}}."""
    if not autokeys:
        return {}
    out = {}
    for row in database.execute_sql(cached(_CHILDREN, _render, "children"), (_keys_param(autokeys),)):
        out[row[0]] = _attach({}, row[1:])
    return out
