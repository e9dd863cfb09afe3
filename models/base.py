"""Base model and the field types shared by every table."""
from __future__ import annotations

import datetime
import json
import re

import orjson

from peewee import Model, TextField, TimestampField

from .connect import database, is_sqlite


def utcnow() -> datetime.datetime:
    """The current time in UTC, as a naive datetime (the store's convention)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


_EPOCH = datetime.datetime(1970, 1, 1)


class UTCTimestampField(TimestampField):
    """A UTC instant stored as integer microseconds since the epoch (sortable, portable)."""

    field_type = "BIGINT"  # microseconds overflow PostgreSQL's 32-bit INT

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("resolution", 6)
        kwargs.setdefault("utc", True)
        super().__init__(*args, **kwargs)

    def python_value(self, value):
        # Every card read converts two of these: one addition instead of Peewee's
        # divmod, fromtimestamp and replace (same result for the stored integers).
        if type(value) is int and self.resolution == 10 ** 6 and self.utc:
            return _EPOCH + datetime.timedelta(microseconds=value)
        return super().python_value(value)


# `\u0000` not itself escaped (`\\u0000` is a backslash, then "u0000").
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def storable_json_text(text: str) -> str:
    """JSON text as the database can keep it: on PostgreSQL a NUL character (\\u0000) is refused.

    PostgreSQL refuses NUL in text, and its jsonb (which FOLIO's queries cast `extra` to)
    refuses the escape: one such card stored would fail those queries for every card.
    SQLite stores and queries it, as it stores NUL in any text column.
    """
    if "\\u0000" in text and not is_sqlite() and _ESCAPED_NUL.search(text):
        raise ValueError("PostgreSQL JSON cannot contain NUL (\\u0000) characters")
    return text


class JSONTextField(TextField):
    """JSON kept as text: identical on SQLite and PostgreSQL, parsed on read."""

    def db_value(self, value):
        if value is None:
            return None
        return storable_json_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True))

    def python_value(self, value):
        if value is None or value == "":
            return None
        try:
            return orjson.loads(value)  # the hot path of every card read
        except orjson.JSONDecodeError:
            return json.loads(value)  # NaN/Infinity, which json.dumps may have written


class BaseModel(Model):
    """Every table binds to the one database proxy and uses snake_case names."""

    class Meta:
        database = database
        legacy_table_names = False
