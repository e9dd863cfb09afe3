"""Base model and the field types shared by every table."""
from __future__ import annotations

import datetime
import json

import orjson

from peewee import Model, TextField, TimestampField

from .connect import database


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


class JSONTextField(TextField):
    """JSON kept as text: identical on SQLite and PostgreSQL, parsed on read."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)

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
