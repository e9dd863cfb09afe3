"""The statement layer: SQL rendered once per engine, then run with new parameters.

Building a Peewee query costs far more than SQLite takes to run it (about 1 ms for a
wide `Contact.select()` against tens of microseconds of execution), so the statements
of the hot paths (a card by id and its child rows, a token by hash, the INSERTs of a
create and of a bulk import) are rendered to SQL text once and re-executed through
`database.execute_sql` / `executemany`. One cache holds every such text (with what
goes with it: a query's result converters, an INSERT's fields), keyed by the engine
(the database's class: its SQL dialect and parameter style) and by a key naming the
statement: `fetch_dicts`' callers' keys, `("insert", model[, columns])`, models.card_rows'
`("card", kind)`. Rows come back as dicts converted by the model fields exactly as
Peewee's `.dicts()` would.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any, Callable

from peewee import AutoField, Model

from .connect import database

_cache: dict[tuple[type, Hashable], Any] = {}


def cached(key: Hashable, render: Callable[..., Any], *args) -> Any:
    """`render(*args)` (an SQL text, or a tuple holding one) for the current engine: made once per engine and `key`."""
    engine = type(database.obj)
    entry = _cache.get((engine, key))
    if entry is None:
        entry = _cache[(engine, key)] = render(*args)
    return entry


# ---------------------------------------------------------------- queries

def _converters(model: type[Model], description) -> list[tuple[str, Callable | None]]:
    by_column = {field.column_name: field for field in model._meta.sorted_fields}
    out = []
    for column in description:
        name = column[0]
        field = by_column.get(name)
        out.append((field.name, field.python_value) if field is not None else (name, None))
    return out


def _query(key: str, build: Callable[..., Any], args: tuple) -> tuple[str, list]:
    """The SQL of `build(*args)`, and a slot for the converters of its first result."""
    sql, params = build(*args).sql()
    if len(params) != len(args):
        raise ValueError(f"prepared query {key} has parameters {params}, expected {args}")
    return sql, [None]


def fetch_dicts(key: str, model: type[Model], build: Callable[..., Any], *args) -> list[dict]:
    """Rows of the query `build(*args)` as dicts; the SQL is rendered once per engine.

    `build` must produce a query whose parameters are exactly `args`, in order.
    """
    # `cached`, inlined: this runs on most requests.
    engine = type(database.obj)
    entry = _cache.get((engine, key))
    if entry is None:
        entry = _cache[(engine, key)] = _query(key, build, args)
    sql, holder = entry
    return _dicts(model, database.execute_sql(sql, args), holder)


def fetch_dicts_once(model: type[Model], sql: str, params: Sequence) -> list[dict]:
    """Rows of an SQL text run once (not remembered: texts that vary with the request) as dicts."""
    return _dicts(model, database.execute_sql(sql, params), [None])


def _dicts(model: type[Model], cursor, holder: list) -> list[dict]:
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


# ---------------------------------------------------------------- inserts

def _insert_sql(model: type[Model], columns: Sequence[str]) -> str:
    """`INSERT INTO <table> (<columns>) VALUES (<a parameter each>)` for these field names, in this order."""
    fields = model._meta.fields
    names = ", ".join(f'"{fields[name].column_name}"' for name in columns)
    marks = ", ".join(database.param for _ in columns)
    return f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'


def _row_insert(model: type[Model]) -> tuple[str, list]:
    """The INSERT of every column but the auto key, and those fields in column order."""
    fields = [field for field in model._meta.sorted_fields if not isinstance(field, AutoField)]
    return _insert_sql(model, [field.name for field in fields]), fields


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
    sql, fields = cached(("insert", model), _row_insert, model)
    cursor = database.cursor()
    cursor.executemany(sql, [_db_row(fields, row) for row in rows])


def insert_returning_key(model: type[Model], row: dict) -> int:
    """Insert one row (as `insert_rows`) and return its auto-increment key."""
    sql, fields = cached(("insert", model), _row_insert, model)
    key = model._meta.primary_key.column_name
    return database.execute_sql(f'{sql} RETURNING "{key}"', _db_row(fields, row)).fetchone()[0]


def insert_values(model: type[Model], columns: tuple[str, ...], rows: Sequence[Sequence]) -> None:
    """Insert rows given as values in `columns` order, already as the driver binds them (the bulk path)."""
    if rows:
        database.cursor().executemany(cached(("insert", model, columns), _insert_sql, model, columns), rows)


def keyset_batches(sql: str, first: Any = 0) -> Iterator[list[tuple]]:
    """The rows of `sql` batch by batch, in constant memory: `sql` takes one bound value, the
    first column of the previous batch's last row (`first` at the start), orders by that
    column and limits its batch."""
    last = first
    while True:
        rows = database.execute_sql(sql, (last,)).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]
