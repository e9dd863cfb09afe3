"""SQL functions the CQL evaluator calls on SQLite (registered per connection by Peewee).

They give the exact FOLIO semantics (PostgreSQL full text, LIKE on folded text, the
record's JSON text) for the rows an index has already narrowed down.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import peewee

from .errors import CQLRuntimeError
from .like import like
from .tsearch import compile_query, matches
from .unaccent_rules import RULES

# kind -> fn(list of child-row dicts) -> the PostgreSQL jsonb text of the FOLIO array
ArrayText = Callable[[str, list], str]
_array_text: dict[str, ArrayText] = {}


def _ft(value, relation, term):
    result = matches(value, compile_query(term, relation))
    return None if result is None else int(result)


def _like(value, term):
    result = like(value, term)
    return None if result is None else int(result)


def _opt(value, extra, name):
    """An optional FOLIO string: missing when empty unless the client sent "" for it."""
    if value:
        return value
    if extra:
        empty = (json.loads(extra).get("folio") or {}).get("empty") or []
        if name in empty:
            return ""
    return None


def _array(kind, rows_json):
    rows = json.loads(rows_json) if rows_json else []
    return _array_text["fn"](kind, rows)


def _num(value):
    if value is None:
        return None
    try:
        return float(Decimal(value.strip()))
    except (InvalidOperation, ValueError, AttributeError):
        raise CQLRuntimeError(f'invalid input syntax for type numeric: "{value}"') from None


def _sortkey(value, lower, unaccent):
    if value is None:
        return None
    if unaccent:
        value = value.translate(RULES)
    return value.lower() if lower else value


def register(db: peewee.Database, array_text: ArrayText) -> None:
    """Make the evaluator's functions available on every connection of `db`."""
    _array_text["fn"] = array_text
    for name, fn, nargs in (("folio_ft", _ft, 3), ("folio_like", _like, 2), ("folio_opt", _opt, 3),
                            ("folio_array", _array, 2), ("folio_num", _num, 1),
                            ("folio_sortkey", _sortkey, 3)):
        # APSW takes `deterministic` only as a keyword, which Peewee does not pass.
        db.register_function(fn, name, nargs)
