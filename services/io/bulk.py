"""The fast path for many new cards: a few multi-row statements per write transaction.

A card ends up exactly as `services.contacts.create_card` would store it (names
reconciled, one primary per child kind, denormalised primary phone and email,
`value_norm`, version 1 unless the input carries one, a search-index row), but a
batch of thousands costs a handful of statements instead of thousands.

Rows go in with `executemany` of one INSERT per table, rendered once per engine
(models.statements.insert_values): Peewee's own `insert_many` builds the SQL text
value by value, which measured ~1.4 ms per card, far from the million-cards-in-90-seconds
goal. Child rows get their positions and their one primary by the same rule as
services.contacts (models.contact.primary_position).

A card is first `prepare`d into its rows (pure Python, no database: the JSON Lines
import does it in a worker process), then stored by a `BulkWriter`, which only
assigns autokeys, drops repeated ids and runs the inserts and the search indexers.
Into an empty SQLite store the writer can run one bulk load (services.io.bulk_load).
"""
from __future__ import annotations

import datetime
import gc
import uuid
from collections.abc import Callable

import orjson
from peewee import chunked

from models import (
    CHILD_MODELS,
    CHILD_SKIP,
    DENORMALISED_PRIMARIES,
    Contact,
    GroupMembership,
    primary_position,
    utcnow,
)
from models.base import JSONTextField, UTCTimestampField, storable_json_text
from models.connect import database, is_postgres, is_sqlite
from models.statements import insert_values
from models.writer import run_write

from .. import search
from ..contacts import SCALAR_FIELDS, touch_groups
from ..folio import name_index  # fed the rows `prepare` made instead of running its indexer
from ..names import reconcile_names
from .bulk_load import BulkLoad
from .report import ImportReport, RecordError

DEFAULT_BATCH = 2000
# What to do with a card whose id is stored already: leave the stored one, replace it, or
# store the new one under a new id.
DUPLICATE_POLICIES = ("skip", "update", "new")
# Bulk load: search-index rows written together, this many at a time. FTS5 writes its pending
# terms as a new segment at every savepoint (each batch opens one): rows written with the
# batches made a segment per batch, and merging those cost more than building them.
DEFERRED_INDEX_ROWS = 20_000
# Rows per INSERT statement: well below SQLite's 32766 bound variables (contact rows have ~30).
ROWS_PER_STATEMENT = 500

CONTACT_COLUMNS = tuple(name for name in Contact._meta.sorted_field_names)


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


_JSON_FIELD = JSONTextField()


def _plain(value) -> bool:
    """True for JSON made of objects, arrays, strings, ints, booleans and nulls (no floats)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())  # keys: orjson refuses non-string ones (then json is used)
        elif kind is list:
            stack.extend(item)
        elif not (kind is str or kind is int or kind is bool or item is None):
            return False
    return True


def _json_text(value):
    """JSONTextField.db_value, by orjson when the text is the same (floats are left to json)."""
    if value is None:
        return None
    text = None
    if _plain(value):
        try:
            text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:  # e.g. an int beyond 64 bits, a non-string key (JSONEncodeError is a TypeError)
            pass
    try:
        return _JSON_FIELD.db_value(value) if text is None else storable_json_text(text)
    except ValueError as exc:  # a NUL on PostgreSQL: this card is reported, the import goes on
        raise RecordError(str(exc)) from None


def _converters(model, columns: tuple[str, ...]) -> tuple:
    """db_value for the columns whose Python value is not what the driver binds (times, JSON)."""
    fields = model._meta.fields
    return tuple(_microseconds if isinstance(fields[name], UTCTimestampField)
                 else _json_text if isinstance(fields[name], JSONTextField) else None
                 for name in columns)


CHILD_COLUMNS = {kind: _columns(model) for kind, model in CHILD_MODELS.items()}
CHILD_DEFAULTS = {kind: {name: _default(model._meta.fields[name]) for name in CHILD_COLUMNS[kind]}
                  for kind, model in CHILD_MODELS.items()}
CONTACT_DEFAULTS = {name: _default(Contact._meta.fields[name]) for name in CONTACT_COLUMNS}
CONTACT_CONVERTERS = _converters(Contact, CONTACT_COLUMNS)
CHILD_CONVERTERS = {kind: _converters(model, CHILD_COLUMNS[kind]) for kind, model in CHILD_MODELS.items()}
MEMBERSHIP_COLUMNS = ("contact", "group", "position")
# Columns an input card may set besides SCALAR_FIELDS (the JSON Lines format round-trips them).
_KEPT_COLUMNS = ("created", "updated", "created_by", "updated_by", "version", "locked")


# A prepared card: what `prepare` makes of a card, ready to insert but for its autokey.
PREP_ID, PREP_AUTOKEY, PREP_ROW, PREP_CHILDREN, PREP_GROUPS, PREP_SEARCH, PREP_NAMES = range(7)


def prepare(card: dict, user: str | None, now: int) -> list:
    """A card as rows ready to insert, without touching the database (so a worker process can do it).

    Returns [id, requested autokey or None, contact row, child rows per kind (CHILD_MODELS
    order), group keys, search-index row, FOLIO name-index row]; the rows' autokey slots
    (the index rows' first item) are filled when the card is stored.
    `now` is the import time in the store's integer microseconds.
    """
    children = []
    for kind in CHILD_MODELS:
        items = card.get(kind)
        if items:
            rows, primary = _child_rows(kind, 0, items)
        else:
            rows, primary = [], ""
        children.append(rows)
        if kind in DENORMALISED_PRIMARIES:
            card[DENORMALISED_PRIMARIES[kind]] = primary
    key = card.get("autokey")
    requested = key if type(key) is int and key > 0 else None
    groups = card.get("groups")
    card["id"] = card.get("id") or str(uuid.uuid4())
    row = _contact_row(card, user, now)
    return [card["id"], requested, row, children, list(dict.fromkeys(groups)) if groups else [],
            _search_row(row, children), _name_row(row)]


def _name_row(row: list) -> list | None:
    """The card's FOLIO name-index row, autokey slot first (SQLite only: PostgreSQL indexes expressions)."""
    if not is_sqlite():
        return None
    return [None, *name_index.entry(row[_AT_GIVEN] or "", row[_AT_FAMILY] or "")]


def _search_row(row: list, children: list[list]) -> list:
    """The card's search-index row, autokey slot first (services.search.document of the stored card)."""
    card = {name: row[at] for name, at in _DOCUMENT_AT}
    for kind, rows in zip(CHILD_MODELS, children):
        if kind in _SEARCHED_CHILDREN:
            value_at = _CHILD_SPECS[kind][3][3]
            card[kind] = [{"value": child[value_at]} for child in rows]
    return [None, *search.document(card)]


def set_account_list(prepared: list, key: int) -> None:
    """Set a prepared card's MPDX account list (its autokey)."""
    prepared[PREP_ROW][_CONTACT_AT["account_list_id"]] = key


def set_groups(prepared: list, keys: list[int]) -> None:
    """Set a prepared card's groups (autokeys, repeats dropped)."""
    prepared[PREP_GROUPS] = list(dict.fromkeys(keys))


def now_microseconds() -> int:
    """The current UTC time as the store keeps it (integer microseconds)."""
    return _microseconds(utcnow())


class BulkWriter:
    """Collects parsed cards and stores them in batches; counts go to an ImportReport.

    With `bulk_load=True` a writer whose first batch finds the store empty loads
    everything in one transaction with the indexes built at the end (services.io.bulk_load);
    `close()` then ends the load. Without it (or into a non-empty store) each batch is
    its own transaction.
    """

    def __init__(self, report: ImportReport, *, batch_size: int = DEFAULT_BATCH, user: str | None = None,
                 on_stored: Callable[[int], None] | None = None, bulk_load: bool = False,
                 on_duplicate: str = "skip", restored_groups: set[int] | None = None) -> None:
        if on_duplicate not in DUPLICATE_POLICIES:
            raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}")
        self.on_duplicate = on_duplicate
        # Groups a restore wrote with their exported version (JSONL): their members are not news.
        self._restored_groups = restored_groups if restored_groups is not None else set()
        self._update_cards: dict[str, dict] = {}  # id -> the card as parsed (on_duplicate="update")
        self._updates: list[tuple[str, str]] = []  # (id, position) found stored, to update after the batch
        self.report = report
        self.batch_size = batch_size
        self.user = user
        self.on_stored = on_stored  # called with the number of cards each flush stored
        self._pending: list[tuple[list, str]] = []
        self._bulk_load_wanted = bulk_load
        self._load: BulkLoad | None = None
        self._ids: set[str] | None = None  # ids stored by this bulk load (the id index is dropped)
        # Bulk load: search-index rows of stored batches, not yet written (see DEFERRED_INDEX_ROWS).
        self._deferred: tuple[list, list] = ([], [])
        self._staged: tuple[list, list] | None = None  # the rows of the batch being stored
        self._gc_was_enabled = False

    def add(self, card: dict, position: str) -> None:
        """Queue a card (canonical fields, child lists, `groups` as group autokeys)."""
        if self.on_duplicate == "update":
            kept = {key: card[key] for key in (*SCALAR_FIELDS, *CHILD_MODELS, "groups") if key in card}
        try:
            prepared = prepare(card, self.user, now_microseconds())
        except RecordError as exc:
            self.report.fail(position, str(exc))
            return
        if self.on_duplicate == "update":
            self._update_cards[prepared[PREP_ID]] = kept
        self.add_prepared(prepared, position)

    def add_prepared(self, prepared: list, position: str) -> None:
        """Queue a card made by `prepare` (e.g. in a worker process)."""
        self._pending.append((prepared, position))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Store the queued cards in one write transaction (card by card if that fails)."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        if self._bulk_load_wanted:
            self._bulk_load_wanted = False
            self._start_bulk_load()
        try:
            stored = self._store_staged(batch)
        except Exception:  # noqa: BLE001 - one bad card must not sink its batch: find it card by card
            stored = 0
            for item in batch:
                try:
                    stored += self._store_staged([item])
                except Exception as exc:  # noqa: BLE001 - reported with the card's position
                    self.report.fail(item[1], f"cannot store card: {exc}")
        if len(self._deferred[0]) >= DEFERRED_INDEX_ROWS:
            run_write(self._write_deferred)
        stored += self._apply_updates()
        self._update_cards.clear()
        if self.on_stored:
            self.on_stored(stored)

    def _apply_updates(self) -> int:
        """Replace stored cards with the ones read again (on_duplicate="update"), card by card."""
        from ..contacts import update_card
        from ..errors import DomainError

        updates, self._updates = self._updates, []
        done = 0
        for card_id, position in updates:
            changes = self._update_cards.get(card_id)
            if changes is None:
                continue
            changes = dict(changes)
            for kind in CHILD_MODELS:
                changes.setdefault(kind, [])
            changes.setdefault("groups", [])
            try:
                update_card(card_id, changes, user=self.user)
            except DomainError as exc:
                self.report.fail(position, f"cannot update the stored card {card_id}: {exc}")
                continue
            self.report.updated += 1
            done += 1
        return done

    def _store_staged(self, batch: list[tuple[list, str]]) -> int:
        """Store a batch; its deferred index rows are kept only once it is stored."""
        self._staged = None
        stored = run_write(self._store, batch)
        if self._staged is not None:
            self._deferred[0].extend(self._staged[0])
            self._deferred[1].extend(self._staged[1])
            self._staged = None
        return stored

    def _write_deferred(self) -> None:
        documents, names = self._deferred
        self._deferred = ([], [])
        name_index.write_entries(names, fresh=True)
        search.write_documents(documents)

    def close(self) -> None:
        """Store what is queued and end a bulk load (indexes built, one commit)."""
        try:
            self.flush()
            if self._load is not None and self._deferred[0]:
                run_write(self._write_deferred)
        except BaseException:
            self.abort()
            raise
        load, self._load = self._load, None
        if load is not None:
            try:
                load.finish()
            finally:
                self._end_bulk_load()

    def abort(self) -> None:
        """Roll back a bulk load in progress (nothing it stored stays)."""
        self._pending = []
        self._deferred = ([], [])
        load, self._load = self._load, None
        if load is not None:
            try:
                load.abort()
            finally:
                self._end_bulk_load()

    def _start_bulk_load(self) -> None:
        if not BulkLoad.possible():
            return
        load = BulkLoad()
        try:
            if not load.begin():
                return
        except BaseException:
            load.abort()
            raise
        self._load = load
        self._ids = set()
        # Millions of long-lived small objects (ids, caches): cyclic GC passes would rescan them all.
        self._gc_was_enabled = gc.isenabled()
        gc.freeze()
        gc.disable()

    def _end_bulk_load(self) -> None:
        self._ids = None
        gc.unfreeze()
        if self._gc_was_enabled:
            gc.enable()

    # ------------------------------------------------------------ inside the transaction

    def _store(self, batch: list[tuple[list, str]]) -> int:
        cards = self._new_cards(batch)
        if not cards:
            return 0
        self._assign_autokeys(cards)
        contact_rows = []
        child_rows: list[list] = [[] for _ in CHILD_MODELS]
        memberships: list[tuple] = []
        documents, names = [], []
        for prepared in cards:
            row = prepared[PREP_ROW]
            autokey = row[_AT_AUTOKEY]
            contact_rows.append(row)
            for rows, kind_rows, contact_at in zip(prepared[PREP_CHILDREN], child_rows, _CHILD_CONTACT_AT):
                if rows:
                    for child in rows:
                        child[contact_at] = autokey
                    kind_rows.extend(rows)
            document = prepared[PREP_SEARCH]
            document[0] = autokey
            documents.append(document)
            entry = prepared[PREP_NAMES]
            if entry is not None:
                entry[0] = autokey
                names.append(entry)
            groups = prepared[PREP_GROUPS]
            if groups:
                memberships.extend((autokey, key, position) for position, key in enumerate(groups))
        insert_values(Contact, CONTACT_COLUMNS, contact_rows)
        for (kind, model), rows in zip(CHILD_MODELS.items(), child_rows):
            insert_values(model, CHILD_COLUMNS[kind], rows)
        insert_values(GroupMembership, MEMBERSHIP_COLUMNS, memberships)
        # Each group's members changed (its ETag must), unless the file restored the group as it was.
        touch_groups(key for _, key, _ in memberships if key not in self._restored_groups)
        self._index(cards, documents, names)
        if is_postgres():
            # Keys were given explicitly: move the sequence past them for the server's inserts.
            database.execute_sql("SELECT setval(pg_get_serial_sequence('contact', 'autokey'), "
                                 "(SELECT MAX(autokey) FROM contact))")
        if self._ids is not None:
            self._ids.update(prepared[PREP_ID] for prepared in cards)
        self.report.imported += len(cards)
        return len(cards)

    def _index(self, cards: list[list], documents: list[list], names: list[list]) -> None:
        """The search indexes from the rows `prepare` made; other registered indexers get the cards."""
        # FOLIO's indexer is replaced by its rows (it indexes nothing on PostgreSQL).
        others = [indexer for indexer in search.indexers() if indexer is not name_index.INDEXER]
        if others:
            search_cards = [_stored_card(prepared) for prepared in cards]
            for indexer in others:
                indexer(search_cards)
        if self._load is not None:  # written with later batches' (`flush`), once this batch is stored
            self._staged = (documents, names)
            return
        if is_sqlite():
            name_index.write_entries(names)
        search.write_documents(documents)

    def _new_cards(self, batch: list[tuple[list, str]]) -> list[list]:
        """The batch without cards whose id is already stored (or repeated in the batch)."""
        if self._ids is not None:
            existing = set(self._ids.intersection(prepared[PREP_ID] for prepared, _ in batch))
        else:
            ids = [prepared[PREP_ID] for prepared, _ in batch]
            existing = set()
            for chunk in chunked(ids, ROWS_PER_STATEMENT):
                existing.update(row[0] for row in Contact.select(Contact.id).where(Contact.id.in_(chunk)).tuples())
        cards = []
        seen: set[str] = set()
        for prepared, position in batch:
            card_id = prepared[PREP_ID]
            if card_id in existing and self.on_duplicate == "new":
                card_id = prepared[PREP_ID] = prepared[PREP_ROW][_AT_ID] = str(uuid.uuid4())
            elif card_id in existing:
                if self.on_duplicate == "update" and card_id not in seen:
                    self._updates.append((card_id, position))
                    seen.add(card_id)
                    continue
                self.report.skip(position, f"a contact with id {card_id} already exists")
                continue
            seen.add(card_id)
            existing.add(card_id)
            cards.append(prepared)
        return cards

    @staticmethod
    def _assign_autokeys(cards: list[list]) -> None:
        """Keep a requested autokey when it is free; number the others after the highest key.

        Keys are chosen inside the write transaction, so no other writer can take them
        (on PostgreSQL the table is locked against concurrent inserts for the batch).
        The requested key stays in the prepared card; the one used goes in its autokey slot.
        """
        if is_postgres():
            database.execute_sql("LOCK TABLE contact IN EXCLUSIVE MODE")
        requested = {prepared[PREP_AUTOKEY] for prepared in cards if prepared[PREP_AUTOKEY] is not None}
        taken: set[int] = set()
        for chunk in chunked(list(requested), ROWS_PER_STATEMENT):
            taken.update(row[0] for row in Contact.select(Contact.autokey)
                         .where(Contact.autokey.in_(chunk)).tuples())
        highest = database.execute_sql("SELECT MAX(autokey) FROM contact").fetchone()[0] or 0
        next_key = max([highest, *requested]) + 1
        for prepared in cards:
            key = prepared[PREP_AUTOKEY]
            if key is not None and key not in taken:
                taken.add(key)
                prepared[PREP_ROW][_AT_AUTOKEY] = key
                continue
            prepared[PREP_ROW][_AT_AUTOKEY] = next_key
            next_key += 1


def _contact_row(card: dict, user: str | None, now: int) -> list:
    """The contact row of a card (names reconciled; autokey left for the writer)."""
    values = {key: card[key] for key in SCALAR_FIELDS if key in card}
    reconcile_names({}, values)
    row = _CONTACT_TEMPLATE.copy()
    for key, value in values.items():
        row[_CONTACT_AT[key]] = value
    row[_AT_ID] = card["id"]
    row[_AT_CREATED_BY] = row[_AT_UPDATED_BY] = user
    created = card.get("created")
    if created is not None:
        row[_AT_CREATED] = _microseconds(created)
        updated = card.get("updated")
        row[_AT_UPDATED] = row[_AT_CREATED] if updated is None else _microseconds(updated)
    else:
        row[_AT_CREATED] = now
        updated = card.get("updated")
        row[_AT_UPDATED] = now if updated is None else _microseconds(updated)
    for key in _KEPT_SIMPLE:
        value = card.get(key)
        if value is not None:
            row[_CONTACT_AT[key]] = value
    row[_AT_PRIMARY_PHONE] = card["primary_phone"]
    row[_AT_PRIMARY_EMAIL] = card["primary_email"]
    if row[_AT_EXTRA] is not None:
        row[_AT_EXTRA] = _json_text(row[_AT_EXTRA])
    return row


_CONTACT_AT = {name: i for i, name in enumerate(CONTACT_COLUMNS)}
# A fresh row: column defaults, version 1, not locked (times and ids are always set).
_CONTACT_TEMPLATE = [None if name in ("created", "updated") else CONTACT_DEFAULTS[name] for name in CONTACT_COLUMNS]
_CONTACT_TEMPLATE[_CONTACT_AT["version"]] = 1
_CONTACT_TEMPLATE[_CONTACT_AT["locked"]] = False
(_AT_AUTOKEY, _AT_ID, _AT_CREATED, _AT_UPDATED, _AT_CREATED_BY, _AT_UPDATED_BY, _AT_PRIMARY_PHONE,
 _AT_PRIMARY_EMAIL, _AT_EXTRA) = (_CONTACT_AT[name] for name in (
     "autokey", "id", "created", "updated", "created_by", "updated_by", "primary_phone", "primary_email", "extra"))
_KEPT_SIMPLE = tuple(name for name in _KEPT_COLUMNS if name not in ("created", "updated"))
# What services.search indexers read of a stored card: its names, emails and phones.
_SEARCH_AT = tuple((name, _CONTACT_AT[name]) for name in ("autokey", "id", "display_name", "prefix", "given_name",
                                                          "middle_name", "family_name", "suffix"))
_DOCUMENT_AT = _SEARCH_AT[2:]
_AT_GIVEN, _AT_FAMILY = _CONTACT_AT["given_name"], _CONTACT_AT["family_name"]
_SEARCHED_CHILDREN = ("emails", "phones")


def _stored_card(prepared: list) -> dict:
    """What a registered indexer reads of a stored card (names, emails, phones)."""
    row = prepared[PREP_ROW]
    card = {name: row[at] for name, at in _SEARCH_AT}
    for kind, rows in zip(CHILD_MODELS, prepared[PREP_CHILDREN]):
        if kind in _SEARCHED_CHILDREN:
            value_at = _CHILD_SPECS[kind][3][3]
            card[kind] = [{"value": child[value_at]} for child in rows]
    return card


assert [name for name, convert in zip(CONTACT_COLUMNS, CONTACT_CONVERTERS) if convert] == ["created", "updated",
                                                                                           "extra"]


def _child_rows(kind: str, autokey: int, items: list[dict]) -> tuple[list[list], str]:
    """Child rows as lists in CHILD_COLUMNS order, positioned, with one primary (models.contact.primary_position,
    as services.contacts keeps it), and the primary's value."""
    if not items:
        return [], ""
    template, index, converted, slots = _CHILD_SPECS[kind]
    contact_at, position_at, primary_at, value_at, norm_at = slots
    rows = []
    primary_index = primary_position(CHILD_MODELS[kind], items)
    for position, item in enumerate(items):
        row = template.copy()
        for key, value in item.items():
            at = index.get(key)
            if at is not None:
                row[at] = value
        for at, convert in converted:
            if row[at] is not None:
                row[at] = convert(row[at])
        row[contact_at] = autokey
        row[position_at] = position
        row[primary_at] = position == primary_index
        if norm_at is not None:
            row[norm_at] = (row[value_at] or "").lower()
        rows.append(row)
    primary = "" if primary_index is None or value_at is None else (items[primary_index].get("value") or "")
    return rows, primary


def _child_spec(kind: str):
    """(row of defaults, column index by the names a card's row may set, JSON columns to convert,
    slots the writer sets)."""
    columns = CHILD_COLUMNS[kind]
    template = [CHILD_DEFAULTS[kind][name] if name not in CHILD_SKIP else None for name in columns]
    converted = tuple((at, convert) for at, convert in enumerate(CHILD_CONVERTERS[kind]) if convert is not None)
    at = {name: i for i, name in enumerate(columns)}
    index = {name: i for name, i in at.items() if name not in CHILD_SKIP}
    return template, index, converted, (at["contact"], at["position"], at["is_primary"],
                                        at.get("value"), at.get("value_norm"))


_CHILD_SPECS = {kind: _child_spec(kind) for kind in CHILD_MODELS}
# Per kind, in CHILD_MODELS order: the slot of the contact's autokey.
_CHILD_CONTACT_AT = tuple(_CHILD_SPECS[kind][3][0] for kind in CHILD_MODELS)
