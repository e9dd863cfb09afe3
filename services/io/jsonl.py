"""The project's own JSON Lines format: everything the store holds, one record per line.

Each line is a JSON object with a `type` field naming its record type. The first
line is a header `{"type": "meta", "format": "contacts-jsonl", "version": 1, ...}`.
Record types are plugged in through a small registry: a record type knows how to
export its rows and how to import them in batches. Contacts and groups are built in;
other tables (Niagara relations, MPDX organizations and account lists, OSID objects)
register their own `RecordType` from a module listed in `RECORD_MODULES`.
See docs/jsonl-format.md.
"""
from __future__ import annotations

import contextlib
import datetime
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

import orjson
from peewee import BooleanField, CharField, IntegerField, TextField

from models import Contact, ContactGroup
from models.base import JSONTextField, UTCTimestampField
from models.writer import run_write

from . import bulk_worker
from .bulk import (
    CHILD_COLUMNS,
    CHILD_MODELS,
    DEFAULT_BATCH,
    BulkWriter,
    now_microseconds,
    prepare,
    set_account_list,
    set_groups,
)
from .canonical import iter_cards, iter_groups, read_snapshot
from .report import ImportReport, RecordError

FORMAT_NAME = "contacts-jsonl"
FORMAT_VERSION = 1
# Modules that register further record types when imported (the extension point):
# e.g. "services.niagara.io" calling `register(RecordType("relation", 30, ...))`.
RECORD_MODULES: tuple[str, ...] = ("services.io.jsonl_tables", "services.carddav.backup")

_DUMP_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


# ---------------------------------------------------------------- the registry

class RecordImporter(Protocol):
    """Imports the records of one type; may buffer them until `flush`."""

    def add(self, record: dict, position: str) -> None:
        """Take one record (its `type` removed); raise RecordError to fail just this record."""

    def flush(self) -> None:
        """Store what is buffered (called when the record type changes and at the end)."""


@dataclass
class ImportContext:
    """What importers of one run share: the report, batch size, progress and caches."""

    report: ImportReport
    batch_size: int = DEFAULT_BATCH
    user: str | None = None
    on_stored: Callable[[int], None] | None = None
    cache: dict = field(default_factory=dict)  # e.g. "group_keys": group id -> autokey
    on_duplicate: str = "skip"  # contacts whose id is stored: "skip" or "new" (see BulkWriter)


@dataclass(frozen=True)
class RecordType:
    """A kind of record in the file: how to export all of them and how to import them."""

    name: str  # the `type` value on the line
    order: int  # export order: records that others refer to come first
    export: Callable[[], Iterable[dict]]
    importer: Callable[[ImportContext], RecordImporter]


_REGISTRY: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    """Add (or replace) a record type; modules in RECORD_MODULES call this on import."""
    _REGISTRY[record_type.name] = record_type
    return record_type


def record_types() -> list[RecordType]:
    """Every registered record type, in export order."""
    for module in RECORD_MODULES:
        importlib.import_module(module)
    return sorted(_REGISTRY.values(), key=lambda rt: (rt.order, rt.name))


# ---------------------------------------------------------------- values

def timestamp(value: str | None, name: str) -> datetime.datetime | None:
    """A naive UTC datetime from an ISO 8601 text (the store's convention)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} must be an ISO 8601 timestamp text")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"{name} is not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


def check_columns(model, record: dict, where: str = "", skip: Iterable[str] = ()) -> dict:
    """Check a record's values against a model's columns (in place; timestamps parsed).

    Keys in `skip` are left for the caller; any other unknown key is an error.
    """
    # Records of one file share a few shapes: a (keys, value types) pair that passed once,
    # with nothing to convert, passes again without the per-value checks.
    skip = skip if type(skip) is tuple else tuple(skip)
    signature = (model, skip, tuple(record), tuple(map(type, record.values())))
    if signature in _PASSED:
        return record
    kinds = _column_kinds(model)
    unknown = record.keys() - kinds.keys()
    if unknown and not unknown <= set(skip):
        raise RecordError(f"unknown field {where}{min(unknown - set(skip))}")
    converted = False
    for key, value in record.items():
        kind = kinds.get(key)
        if kind is None or type(value) is kind[0] or (value is None and kind[1]) or kind[0] is object:
            continue
        if kind[0] is datetime.datetime and type(value) is str:
            record[key] = timestamp(value, f"{where}{key}")
            converted = True
        else:
            raise RecordError(f"{where}{key} must be {_KIND_NAMES[kind[0]]}"
                              + (" or null" if kind[1] else ""))
    if not converted and len(_PASSED) < _MAX_SHAPES:
        _PASSED.add(signature)
    return record


# Checked (model, skip, keys, value types) signatures; bounded (a hostile file has many shapes).
_PASSED: set = set()
_MAX_SHAPES = 50_000
_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false", datetime.datetime: "a timestamp"}
_KINDS: dict = {}


def _column_kinds(model) -> dict[str, tuple[type, bool]]:
    """Column name -> (Python type expected in JSON, null allowed), computed once per model."""
    kinds = _KINDS.get(model)
    if kinds is None:
        kinds = {}
        for name, fld in model._meta.fields.items():
            if isinstance(fld, UTCTimestampField):
                kinds[name] = (datetime.datetime, True)
            elif isinstance(fld, JSONTextField):
                kinds[name] = (object, True)
            elif isinstance(fld, BooleanField):
                kinds[name] = (bool, fld.null)
            elif isinstance(fld, IntegerField):
                kinds[name] = (int, fld.null or fld.primary_key)
            elif isinstance(fld, (TextField, CharField)):
                kinds[name] = (str, fld.null)
            else:
                kinds[name] = (object, True)
        _KINDS[model] = kinds
    return kinds


# ---------------------------------------------------------------- contacts and groups

_CONTACT_DERIVED = ("primary_phone", "primary_email")  # recomputed from the child rows
_CHILD_EXPORT = {kind: tuple(c for c in columns if c not in ("contact", "position", "value_norm"))
                 for kind, columns in CHILD_COLUMNS.items()}


def _account_list_ids() -> dict[int, str]:
    """MPDX account list autokey -> public id (account lists are few)."""
    from models.mpdx import AccountList

    return dict(AccountList.select(AccountList.autokey, AccountList.id).tuples())


def export_contacts() -> Iterator[dict]:
    """Contact records: every column, child rows in order, group ids in the card's order.

    The MPDX account list is written as its public id (`account_list`), not its autokey.
    """
    account_lists = _account_list_ids()
    for card in iter_cards():
        record = {name: card[name] for name in Contact._meta.sorted_field_names if name != "account_list_id"}
        record["account_list"] = account_lists.get(card["account_list_id"])
        for kind in CHILD_MODELS:
            columns = _CHILD_EXPORT[kind]
            record[kind] = [{name: child.get(name) for name in columns} for child in card[kind]]
        record["groups"] = [group["id"] for group in card["groups"]]
        yield record


def prepare_contact(record: dict, user: str | None, now: int) -> tuple[list, str | None, list[str]]:
    """Check a contact record and make its rows (no database needed, so a worker process can do it).

    Returns the prepared card (services.io.bulk.prepare), its account list id and its group ids,
    which the importer resolves; raises RecordError for a bad record.
    """
    account_list = record.pop("account_list", None)
    card = check_columns(Contact, record, skip=_CONTACT_SKIP)
    if account_list is not None and not isinstance(account_list, str):
        raise RecordError("account_list must be an account list id (string) or null")
    if not card.get("id"):
        raise RecordError("id is required")
    for kind, model, has_value in _CHILD_KINDS:
        items = record.get(kind)
        if not items:
            card[kind] = []
            continue
        if not isinstance(items, list):
            raise RecordError(f"{kind} must be a list")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise RecordError(f"{kind}[{index}] must be an object")
            if (model, _CHILD_SKIP, tuple(item), tuple(map(type, item.values()))) not in _PASSED:  # as check_columns
                check_columns(model, item, f"{kind}[{index}].", skip=_CHILD_SKIP)
            if has_value and not isinstance(item.get("value"), str):
                raise RecordError(f"{kind}[{index}].value is required")
    group_ids = card.pop("groups", None) or []
    if not isinstance(group_ids, list) or not all(isinstance(i, str) for i in group_ids):
        raise RecordError("groups must be a list of group ids")
    return prepare(card, user, now), account_list, group_ids


_CONTACT_SKIP = ("emails", "phones", "addresses", "urls", "groups", *_CONTACT_DERIVED)
_CHILD_SKIP = ("id", "value_norm")
_CHILD_KINDS = tuple((kind, model, "value" in model._meta.fields) for kind, model in CHILD_MODELS.items())


class ContactImporter:
    """Contact records into the bulk path; group references resolved by group id."""

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.group_keys: dict[str, int] = context.cache.setdefault("group_keys", {})
        # The first run of contacts into an empty store is one bulk load (services.io.bulk_load).
        self.writer = BulkWriter(context.report, batch_size=context.batch_size, user=context.user,
                                 on_stored=context.on_stored, bulk_load=True,
                                 on_duplicate=context.on_duplicate,
                                 restored_groups=context.cache.setdefault("restored_groups", set()))

    def add(self, record: dict, position: str) -> None:
        """Check one contact record and queue it."""
        self.add_prepared(prepare_contact(record, self.context.user, now_microseconds()), position)

    def add_prepared(self, parsed: tuple, position: str) -> None:
        """Queue a record made by `prepare_contact` (maybe in a worker): groups and account list resolved here."""
        prepared, account_list, group_ids = parsed
        if account_list is not None:
            set_account_list(prepared, self._account_list_key(account_list))
        if group_ids:
            set_groups(prepared, self._group_keys(group_ids))
        self.writer.add_prepared(prepared, position)

    def _account_list_key(self, public_id) -> int:
        if not isinstance(public_id, str):
            raise RecordError("account_list must be an account list id (string) or null")
        keys = self.context.cache.get("account_list_keys")
        if keys is None or public_id not in keys:
            keys = self.context.cache["account_list_keys"] = {v: k for k, v in _account_list_ids().items()}
        if public_id not in keys:
            raise RecordError(f"unknown account list {public_id!r}")
        return keys[public_id]

    def _group_keys(self, ids: list[str]) -> list[int]:
        missing = [i for i in ids if i not in self.group_keys]
        if missing:
            for group_id, key in (ContactGroup.select(ContactGroup.id, ContactGroup.autokey)
                                  .where(ContactGroup.id.in_(missing)).tuples()):
                self.group_keys[group_id] = key
            unknown = [i for i in missing if i not in self.group_keys]
            if unknown:
                raise RecordError(f"unknown group id(s): {', '.join(unknown)}")
        return [self.group_keys[i] for i in ids]

    def flush(self) -> None:
        """Store the queued contacts (and end a bulk load: later records may refer to them)."""
        self.writer.close()

    def abort(self) -> None:
        """Roll back a bulk load in progress (the import is failing)."""
        self.writer.abort()


def export_groups() -> Iterator[dict]:
    """Group records: every column (members are listed on the contacts)."""
    yield from iter_groups()


class GroupImporter:
    """Group records, stored one by one (groups are few): kept id, code and autokey when free."""

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.group_keys: dict[str, int] = context.cache.setdefault("group_keys", {})

    def add(self, record: dict, position: str) -> None:
        """Store one group, or count it skipped when its id or its code exists (cards then join that group)."""
        values = check_columns(ContactGroup, record)
        for key in ("id", "code", "name"):
            if not values.get(key):
                raise RecordError(f"{key} is required")
        report = self.context.report

        def _store():
            existing = ContactGroup.select(ContactGroup.autokey).where(ContactGroup.id == values["id"]).scalar()
            if existing is not None:
                return existing, "id"
            # The same group made separately in this store (same code, another id): the file's
            # cards join it, as a client naming the code would, instead of failing.
            same_code = ContactGroup.select(ContactGroup.autokey).where(ContactGroup.code == values["code"]).scalar()
            if same_code is not None:
                return same_code, "code"
            autokey = values.get("autokey")
            if autokey is not None and ContactGroup.select().where(ContactGroup.autokey == autokey).exists():
                values.pop("autokey")
            values.setdefault("created", None)
            if values["created"] is None:
                values.pop("created")
            if values.get("updated") is None:
                values.pop("updated", None)
            return ContactGroup.insert(**values).execute(), None

        key, matched_by = run_write(_store)
        self.group_keys[values["id"]] = key
        if matched_by is None:
            self.context.cache.setdefault("restored_groups", set()).add(key)
            report.imported += 1
        elif matched_by == "id":
            report.skip(position, f"a group with id {values['id']} already exists")
        else:
            report.skip(position, f"a group with code {values['code']!r} already exists; its cards join it")

    def flush(self) -> None:
        """Nothing is buffered."""


register(RecordType("group", 10, export_groups, GroupImporter))
register(RecordType("contact", 20, export_contacts, ContactImporter))


# ---------------------------------------------------------------- the file

def export_jsonl(out: IO[bytes], on_record: Callable[[], None] | None = None) -> int:
    """Write every registered record type to a binary stream; returns the number of records."""
    count = 0
    types = record_types()
    with read_snapshot():
        header = {"type": "meta", "format": FORMAT_NAME, "version": FORMAT_VERSION,
                  "exported": datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
                  "record_types": [rt.name for rt in types]}
        out.write(orjson.dumps(header, option=_DUMP_OPTIONS) + b"\n")
        for record_type in types:
            for record in record_type.export():
                out.write(orjson.dumps({"type": record_type.name, **record}, option=_DUMP_OPTIONS) + b"\n")
                count += 1
                if on_record:
                    on_record()
    return count


def import_jsonl(lines: Iterable[bytes], context: ImportContext) -> ImportReport:
    """Import records line by line (streamed); a bad line is reported and the import goes on."""
    types = {rt.name: rt for rt in record_types()}
    importers: dict[str, RecordImporter] = {}
    try:
        _import_lines(lines, context, types, importers)
        for importer in importers.values():
            importer.flush()
    except BaseException:
        for importer in importers.values():
            abort = getattr(importer, "abort", None)
            if abort is not None:
                abort()
        raise
    return context.report


def _import_lines(lines: Iterable[bytes], context: ImportContext, types: dict[str, RecordType],
                  importers: dict[str, RecordImporter]) -> None:
    """The import loop: each line to its record type's importer (flushed when the type changes)."""
    report = context.report
    previous = None
    with contextlib.closing(_parsed_lines(lines, context.user)) as parsed:  # stops the worker on failure
        for number, outcome, payload in parsed:
            position = f"line {number}"
            if outcome == _FAILED:
                report.fail(position, payload)
                continue
            kind = payload[0]
            if kind == "meta":
                record = payload[1]
                if record.get("format") != FORMAT_NAME or record.get("version") != FORMAT_VERSION:
                    report.fail(position, f"unsupported header: expected format {FORMAT_NAME!r} "
                                          f"version {FORMAT_VERSION}")
                continue
            record_type = types.get(kind)
            if record_type is None:
                report.fail(position, f"unknown record type {kind!r} (known: {', '.join(sorted(types))})")
                continue
            if kind != previous:
                # Later records may refer to earlier ones (contacts to groups): store those first.
                for importer in importers.values():
                    importer.flush()
                previous = kind
            importer = importers.get(kind)
            if importer is None:
                importer = importers[kind] = record_type.importer(context)
            try:
                if outcome == _PREPARED:  # only when the contact type is the built-in ContactImporter
                    importer.add_prepared(payload[1], position)
                else:
                    importer.add(payload[1], position)
            except RecordError as exc:
                report.fail(position, str(exc))


# ---------------------------------------------------------------- parsing, maybe in a worker process

_FAILED, _RECORD, _PREPARED = range(3)
CHUNK_LINES = 1000  # lines per parsing task (the worker runs at most bulk_worker.AHEAD tasks ahead)


def _parse_chunk(task: tuple[int, list[bytes], str | None, bool]) -> list[tuple[int, int, object]]:
    """Parse lines: (line number, _FAILED, message) | (number, _RECORD, (type, record)) |
    (number, _PREPARED, ("contact", prepare_contact(...))) for contacts when `prepare` is set."""
    first, lines, user, prepare_contacts = task
    now = now_microseconds()
    out: list[tuple[int, int, object]] = []
    for number, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            out.append((number, _FAILED, f"not valid JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            out.append((number, _FAILED, "a line must be a JSON object"))
            continue
        kind = record.pop("type", None)
        if kind == "contact" and prepare_contacts:
            try:
                out.append((number, _PREPARED, (kind, prepare_contact(record, user, now))))
            except RecordError as exc:
                out.append((number, _FAILED, str(exc)))
            continue
        out.append((number, _RECORD, (kind, record)))
    return out


def _chunks(lines: Iterable[bytes], user: str | None, prepare_contacts: bool):
    chunk: list[bytes] = []
    first = 1
    for line in lines:
        chunk.append(line)
        if len(chunk) >= CHUNK_LINES:
            yield first, chunk, user, prepare_contacts
            first += len(chunk)
            chunk = []
    if chunk:
        yield first, chunk, user, prepare_contacts


def _parsed_lines(lines: Iterable[bytes], user: str | None) -> Iterator[tuple[int, int, object]]:
    """Every line parsed (contacts checked and made into rows), in order.

    Past the first chunk, reading and parsing run in a worker process (the second core)
    while this process writes: JSON parsing and row building cost as much as the inserts.
    """
    prepare_contacts = _REGISTRY.get("contact") is not None and _REGISTRY["contact"].importer is ContactImporter
    with contextlib.closing(bulk_worker.mapped(_chunks(lines, user, prepare_contacts), _parse_chunk)) as chunks:
        for parsed in chunks:
            yield from parsed
