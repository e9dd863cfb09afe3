"""Hot-path queries compiled to SQL once per database, then run with new parameters.

Building a Peewee query costs far more than SQLite takes to run it (about 1 ms for a
wide `Contact.select()` against tens of microseconds of execution), so the few queries
on every request (a card by id, its child rows, a token by hash) are compiled once and
re-executed through `database.execute_sql`. Rows come back as dicts converted by the
model fields exactly as Peewee's `.dicts()` would.
"""
from __future__ import annotations

from typing import Any, Callable

from peewee import AutoField, Model

from .connect import database

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


def _insert_plan(model: type[Model]) -> tuple[str, list]:
    """INSERT of every column but the auto key, and the fields in column order (cached)."""
    db = database.obj
    cache_key = (id(db), "insert", model)
    entry = _compiled.get(cache_key)
    if entry is None:
        fields = [field for field in model._meta.sorted_fields if not isinstance(field, AutoField)]
        mark = database.param
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join(mark for _ in fields)})'
        entry = _compiled[cache_key] = (sql, fields)
    return entry


def _db_row(fields: list, row: dict) -> tuple:
    values = []
    for field in fields:
        if field.name in row:
            value = row[field.name]
        elif field.default is not None:
            value = field.default() if callable(field.default) else field.default
        else:
            value = None
        values.append(field.db_value(value))
    return tuple(values)


def insert_rows(model: type[Model], rows: list[dict]) -> None:
    """Insert rows (dicts by field name; missing fields get their defaults) with one statement."""
    if not rows:
        return
    sql, fields = _insert_plan(model)
    cursor = database.cursor()
    cursor.executemany(sql, [_db_row(fields, row) for row in rows])


def insert_returning_key(model: type[Model], row: dict) -> int:
    """Insert one row (as `insert_rows`) and return its auto-increment key."""
    sql, fields = _insert_plan(model)
    key = model._meta.primary_key.column_name
    return database.execute_sql(f'{sql} RETURNING "{key}"', _db_row(fields, row)).fetchone()[0]
