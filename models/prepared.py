"""Hot-path queries compiled to SQL once per database, then run with new parameters.

Building a Peewee query costs far more than SQLite takes to run it (about 1 ms for a
wide `Contact.select()` against tens of microseconds of execution), so the few queries
on every request (a card by id, its child rows, a token by hash) are compiled once and
re-executed through `database.execute_sql`. Rows come back as dicts converted by the
model fields exactly as Peewee's `.dicts()` would.
"""
from __future__ import annotations

from typing import Any, Callable

from peewee import Model

from .db import database

_compiled: dict[tuple[int, str], tuple[str, list]] = {}


def _converters(model: type[Model], description) -> list[tuple[str, Callable | None]]:
    by_column = {field.column_name: field for field in model._meta.sorted_fields}
    out = []
    for column in description:
        name = column[0]
        field = by_column.get(name)
        out.append((field.name, field.python_value) if field is not None else (name, None))
    return out


def fetch_dicts(key: str, model: type[Model], build: Callable[..., Any], *args) -> list[dict]:
    """Rows of the query `build(*args)` as dicts; the SQL is compiled once per database.

    `build` must produce a query whose parameters are exactly `args`, in order.
    """
    db = database.obj
    cache_key = (id(db), key)
    entry = _compiled.get(cache_key)
    if entry is None:
        sql, params = build(*args).sql()
        if len(params) != len(args):
            raise ValueError(f"prepared query {key} has parameters {params}, expected {args}")
        entry = (sql, [None])
        _compiled[cache_key] = entry
    sql, holder = entry
    cursor = database.execute_sql(sql, args)
    converters = holder[0]
    if converters is None:
        try:
            description = cursor.description
        except Exception:  # APSW: no description once a statement returned no rows
            return []
        if description is None:
            return []
        converters = holder[0] = _converters(model, description)
    rows = []
    for row in cursor:
        item = {}
        for (name, convert), value in zip(converters, row):
            item[name] = convert(value) if convert is not None and value is not None else value
        rows.append(item)
    return rows
