"""The fast path for many new cards: a few multi-row statements per write transaction.

A card ends up exactly as `services.contacts.create_card` would store it (names
reconciled, one primary per child kind, denormalised primary phone and email,
`value_norm`, version 1 unless the input carries one, a search-index row), but a
batch of thousands costs a handful of statements instead of thousands.

Rows go in with `executemany` of the INSERT statement Peewee renders for the model
(so the SQL and parameter style stay Peewee's, on SQLite and PostgreSQL alike):
Peewee's own `insert_many` builds the SQL text value by value, which measured
~1.4 ms per card, far from the million-cards-in-90-seconds goal.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable

from peewee import chunked

from models import Contact, ContactAddress, ContactEmail, ContactPhone, ContactUrl, GroupMembership, utcnow
from models.base import JSONTextField, UTCTimestampField
from models.db import database, is_postgres, run_write

from .. import search
from ..contacts import SCALAR_FIELDS
from ..names import reconcile_names
from .report import ImportReport

DEFAULT_BATCH = 2000
# Rows per INSERT statement: well below SQLite's 32766 bound variables (contact rows have ~30).
ROWS_PER_STATEMENT = 500

CHILD_MODELS = {"emails": ContactEmail, "phones": ContactPhone, "addresses": ContactAddress, "urls": ContactUrl}
CONTACT_COLUMNS = tuple(name for name in Contact._meta.sorted_field_names)
_CHILD_SKIP = {"id", "contact", "position", "value_norm"}


def _columns(model) -> tuple[str, ...]:
    return tuple(name for name in model._meta.sorted_field_names if name != "id")


def _default(field):
    default = field.default
    return default() if callable(default) else default


_EPOCH = datetime.datetime(1970, 1, 1)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _microseconds(value):
    """UTCTimestampField.db_value for naive UTC datetimes, in integer arithmetic (hot path)."""
    if type(value) is datetime.datetime and value.tzinfo is None:
        return (value - _EPOCH) // _MICROSECOND
    return Contact.created.db_value(value)


def _converters(model, columns: tuple[str, ...]) -> tuple:
    """db_value for the columns whose Python value is not what the driver binds (times, JSON)."""
    fields = model._meta.fields
    return tuple(_microseconds if isinstance(fields[name], UTCTimestampField)
                 else fields[name].db_value if isinstance(fields[name], JSONTextField) else None
                 for name in columns)


def _statement(model, columns: tuple[str, ...]) -> str:
    """The one-row INSERT Peewee renders for these columns (placeholders in the driver's style)."""
    sql, _ = model.insert({model._meta.fields[name]: None for name in columns}).sql()
    return sql


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        database.cursor().executemany(_statement(model, columns), rows)


CHILD_COLUMNS = {kind: _columns(model) for kind, model in CHILD_MODELS.items()}
CHILD_DEFAULTS = {kind: {name: _default(model._meta.fields[name]) for name in CHILD_COLUMNS[kind]}
                  for kind, model in CHILD_MODELS.items()}
CONTACT_DEFAULTS = {name: _default(Contact._meta.fields[name]) for name in CONTACT_COLUMNS}
CONTACT_CONVERTERS = _converters(Contact, CONTACT_COLUMNS)
CHILD_CONVERTERS = {kind: _converters(model, CHILD_COLUMNS[kind]) for kind, model in CHILD_MODELS.items()}
MEMBERSHIP_COLUMNS = ("contact", "group", "position")
# Columns an input card may set besides SCALAR_FIELDS (the JSON Lines format round-trips them).
_KEPT_COLUMNS = ("created", "updated", "created_by", "updated_by", "version", "locked")
_DENORMALISED = {"phones": "primary_phone", "emails": "primary_email"}


class BulkWriter:
    """Collects parsed cards and stores them in batches; counts go to an ImportReport."""

    def __init__(self, report: ImportReport, *, batch_size: int = DEFAULT_BATCH, user: str | None = None,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self.report = report
        self.batch_size = batch_size
        self.user = user
        self.on_stored = on_stored  # called with the number of cards each flush stored
        self._pending: list[tuple[dict, str]] = []

    def add(self, card: dict, position: str) -> None:
        """Queue a card (canonical fields, child lists, `groups` as group autokeys)."""
        self._pending.append((card, position))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Store the queued cards in one write transaction (card by card if that fails)."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            stored = run_write(self._store, batch)
        except Exception:  # noqa: BLE001 - one bad card must not sink its batch: find it card by card
            stored = 0
            for item in batch:
                try:
                    stored += run_write(self._store, [item])
                except Exception as exc:  # noqa: BLE001 - reported with the card's position
                    self.report.fail(item[1], f"cannot store card: {exc}")
        if self.on_stored:
            self.on_stored(stored)

    # ------------------------------------------------------------ inside the transaction

    def _store(self, batch: list[tuple[dict, str]]) -> int:
        cards = self._new_cards(batch)
        if not cards:
            return 0
        self._assign_autokeys(cards)
        now = utcnow()
        contact_rows = []
        child_rows: dict[str, list[tuple]] = {kind: [] for kind in CHILD_MODELS}
        memberships: list[tuple] = []
        for card in cards:
            autokey = card["autokey"]
            for kind in CHILD_MODELS:
                rows, primary = _child_rows(kind, autokey, card.get(kind) or [])
                child_rows[kind].extend(rows)
                if kind in _DENORMALISED:
                    card[_DENORMALISED[kind]] = primary
            contact_rows.append(self._contact_row(card, now))
            seen: list[int] = []
            for key in card.get("groups") or []:
                if key not in seen:
                    seen.append(key)
            memberships.extend((autokey, key, position) for position, key in enumerate(seen))
        _insert(Contact, CONTACT_COLUMNS, contact_rows)
        for kind, model in CHILD_MODELS.items():
            _insert(model, CHILD_COLUMNS[kind], child_rows[kind])
        _insert(GroupMembership, MEMBERSHIP_COLUMNS, memberships)
        search.index_cards(cards)
        if is_postgres():
            # Keys were given explicitly: move the sequence past them for the server's inserts.
            database.execute_sql("SELECT setval(pg_get_serial_sequence('contact', 'autokey'), "
                                 "(SELECT MAX(autokey) FROM contact))")
        self.report.imported += len(cards)
        return len(cards)

    def _new_cards(self, batch: list[tuple[dict, str]]) -> list[dict]:
        """The batch without cards whose id is already stored (or repeated in the batch)."""
        for card, _ in batch:
            if not card.get("id"):
                card["id"] = str(uuid.uuid4())
        ids = [card["id"] for card, _ in batch]
        existing: set[str] = set()
        for chunk in chunked(ids, ROWS_PER_STATEMENT):
            existing.update(row[0] for row in Contact.select(Contact.id).where(Contact.id.in_(chunk)).tuples())
        cards = []
        for card, position in batch:
            if card["id"] in existing:
                self.report.skip(position, f"a contact with id {card['id']} already exists")
                continue
            existing.add(card["id"])
            cards.append(card)
        return cards

    @staticmethod
    def _assign_autokeys(cards: list[dict]) -> None:
        """Keep a requested autokey when it is free; number the others after the highest key.

        Keys are chosen inside the write transaction, so no other writer can take them
        (on PostgreSQL the table is locked against concurrent inserts for the batch).
        """
        if is_postgres():
            database.execute_sql("LOCK TABLE contact IN EXCLUSIVE MODE")
        requested = {card["autokey"] for card in cards if type(card.get("autokey")) is int and card["autokey"] > 0}
        taken: set[int] = set()
        for chunk in chunked(list(requested), ROWS_PER_STATEMENT):
            taken.update(row[0] for row in Contact.select(Contact.autokey)
                         .where(Contact.autokey.in_(chunk)).tuples())
        highest = Contact.select(Contact.autokey).order_by(Contact.autokey.desc()).limit(1).scalar() or 0
        next_key = max([highest, *requested]) + 1
        for card in cards:
            key = card.get("autokey")
            if type(key) is int and key in requested and key not in taken:
                taken.add(key)
                continue
            card["autokey"] = next_key
            next_key += 1

    def _contact_row(self, card: dict, now) -> tuple:
        values = {key: card[key] for key in SCALAR_FIELDS if key in card}
        reconcile_names({}, values)
        row = dict(CONTACT_DEFAULTS)
        row.update(values)
        row.update(autokey=card["autokey"], id=card["id"], created=now, updated=now,
                   created_by=self.user, updated_by=self.user, version=1, locked=False)
        for key in _KEPT_COLUMNS:
            if card.get(key) is not None:
                row[key] = card[key]
        if card.get("created") is not None and card.get("updated") is None:
            row["updated"] = row["created"]
        row["primary_phone"] = card["primary_phone"]
        row["primary_email"] = card["primary_email"]
        # The search document and later steps read the reconciled names.
        card.update({key: row[key] for key in ("display_name", "prefix", "given_name", "middle_name",
                                              "family_name", "suffix")})
        return [row[name] if convert is None else convert(row[name])
                for name, convert in zip(CONTACT_COLUMNS, CONTACT_CONVERTERS)]


def _child_rows(kind: str, autokey: int, items: list[dict]) -> tuple[list[tuple], str]:
    """Child rows as tuples in CHILD_COLUMNS order with one primary (the first flagged, else
    the first, as services.contacts keeps it), and the primary's value."""
    if not items:
        return [], ""
    spec, slots = _CHILD_SPECS[kind]
    contact_at, position_at, primary_at, value_at, norm_at = slots
    rows = []
    primary_index = next((i for i, item in enumerate(items) if item.get("is_primary")), None)
    if primary_index is None and kind != "addresses":
        primary_index = 0
    for position, item in enumerate(items):
        get = item.get
        row = [get(name, default) if convert is None else convert(get(name, default))
               for name, default, convert in spec]
        row[contact_at] = autokey
        row[position_at] = position
        row[primary_at] = position == primary_index
        if norm_at is not None:
            row[norm_at] = (row[value_at] or "").lower()
        rows.append(row)
    primary = "" if primary_index is None or value_at is None else (items[primary_index].get("value") or "")
    return rows, primary


def _child_spec(kind: str):
    columns = CHILD_COLUMNS[kind]
    spec = tuple((name, CHILD_DEFAULTS[kind][name] if name not in _CHILD_SKIP else None, convert)
                 for name, convert in zip(columns, CHILD_CONVERTERS[kind]))
    index = {name: i for i, name in enumerate(columns)}
    return spec, (index["contact"], index["position"], index["is_primary"], index.get("value"),
                  index.get("value_norm"))


_CHILD_SPECS = {kind: _child_spec(kind) for kind in CHILD_MODELS}
