"""JSON Lines record types for the dialects' own tables (relations, MPDX, OSID).

Each table is exported row by row with every column, except that references to other
rows are written as the referenced row's public key (a contact's `id`, an OSID object's
`ident`...) instead of an autokey, so a file imports into any database, not only an
empty one. Rows whose public key (or, for link tables, whose whole key) already exists
are skipped, never overwritten.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from peewee import Model

from models import Contact
from models.writer import run_write
from models.mpdx import (
    UNASSIGNED_ACCOUNT_LIST_ID,
    AccountList,
    AccountListOrganization,
    AccountListUser,
    Organization,
)
from models.niagara import NiagaraRelation
from models.osid import (
    OsidAddress,
    OsidAddressBook,
    OsidBookAddress,
    OsidBookContact,
    OsidBookEdge,
    OsidContact,
    OsidRecordType,
)

from . import jsonl
from .report import RecordError

EXPORT_BATCH = 2000


@dataclass(frozen=True)
class TableSpec:
    """How one table travels in the file."""

    name: str  # the record type
    order: int
    model: type[Model]
    key: tuple[str, ...]  # the columns that identify a row across databases (after mapping refs)
    refs: dict[str, tuple[type[Model], str]] = field(default_factory=dict)  # fk field -> (model, public key)


# OSID record-type index rows point at an object of the kind they name.
_OSID_KINDS = {"contact": OsidContact, "address": OsidAddress, "book": OsidAddressBook}

TABLES = (
    TableSpec("mpdx_organization", 5, Organization, ("id",)),
    TableSpec("mpdx_account_list", 6, AccountList, ("id",)),
    TableSpec("mpdx_account_list_organization", 7, AccountListOrganization, ("account_list", "organization"),
              {"account_list": (AccountList, "id"), "organization": (Organization, "id")}),
    TableSpec("mpdx_account_list_user", 8, AccountListUser, ("id",), {"account_list": (AccountList, "id")}),
    TableSpec("niagara_relation", 30, NiagaraRelation, ("relation_id",),
              {"contact": (Contact, "id"), "target": (Contact, "id")}),
    TableSpec("osid_address_book", 40, OsidAddressBook, ("ident",)),
    TableSpec("osid_address", 41, OsidAddress, ("ident",)),
    TableSpec("osid_contact", 42, OsidContact, ("ident",), {"address": (OsidAddress, "ident")}),
    TableSpec("osid_book_edge", 43, OsidBookEdge, ("parent", "child"),
              {"parent": (OsidAddressBook, "ident"), "child": (OsidAddressBook, "ident")}),
    TableSpec("osid_book_contact", 44, OsidBookContact, ("book", "contact"),
              {"book": (OsidAddressBook, "ident"), "contact": (OsidContact, "ident")}),
    TableSpec("osid_book_address", 45, OsidBookAddress, ("book", "address"),
              {"book": (OsidAddressBook, "ident"), "address": (OsidAddress, "ident")}),
    TableSpec("osid_record_type", 46, OsidRecordType, ("kind", "object_pk", "type_key")),
)


def _pk_name(model: type[Model]) -> str:
    return model._meta.primary_key.name


def _columns(spec: TableSpec) -> list[str]:
    """Exported columns: all but the autokey (re-assigned on import)."""
    return [name for name in spec.model._meta.sorted_field_names if name != _pk_name(spec.model)]


class _KeyMap:
    """Public key <-> autokey of a referenced table, looked up in batches and cached."""

    def __init__(self, model: type[Model], public: str):
        self.model, self.public = model, public
        self.to_pk: dict = {}
        self.to_public: dict = {}

    def publics(self, pks: set) -> None:
        missing = [pk for pk in pks if pk is not None and pk not in self.to_public]
        pk_field = self.model._meta.primary_key
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            for pk, public in (self.model.select(pk_field, getattr(self.model, self.public))
                               .where(pk_field.in_(chunk)).tuples()):
                self.to_public[pk] = public

    def pk(self, public):
        if public is None:
            return None
        if public not in self.to_pk:
            pk_field = self.model._meta.primary_key
            found = (self.model.select(pk_field).where(getattr(self.model, self.public) == public).scalar())
            if found is None:
                raise RecordError(f"refers to unknown {self.model._meta.table_name} {public!r}")
            self.to_pk[public] = found
        return self.to_pk[public]


def _exporter(spec: TableSpec):
    def export() -> Iterator[dict]:
        maps = {name: _KeyMap(*target) for name, target in spec.refs.items()}
        kind_maps = {kind: _KeyMap(model, "ident") for kind, model in _OSID_KINDS.items()}
        pk_field = spec.model._meta.primary_key
        columns = _columns(spec)
        last = None
        while True:
            query = spec.model.select().order_by(pk_field).limit(EXPORT_BATCH)
            if spec.model is AccountList:  # every database has the Unassigned list from its migration
                query = query.where(AccountList.id != UNASSIGNED_ACCOUNT_LIST_ID)
            if last is not None:
                query = query.where(pk_field > last)
            rows = list(query.dicts())
            if not rows:
                return
            last = rows[-1][pk_field.name]
            for name, keymap in maps.items():
                keymap.publics({row[name] for row in rows})
            if spec.model is OsidRecordType:
                for kind, keymap in kind_maps.items():
                    keymap.publics({row["object_pk"] for row in rows if row["kind"] == kind})
            for row in rows:
                record = {name: row[name] for name in columns}
                for name, keymap in maps.items():
                    record[name] = keymap.to_public.get(row[name])
                if spec.model is OsidRecordType:
                    record["object_pk"] = kind_maps[row["kind"]].to_public.get(row["object_pk"])
                yield record
    return export


def _importer(spec: TableSpec):
    class TableImporter:
        """Rows of one table, mapped from public keys and stored in batches."""

        def __init__(self, context: jsonl.ImportContext) -> None:
            self.context = context
            self.maps = {name: _KeyMap(*target) for name, target in spec.refs.items()}
            self.kind_maps = {kind: _KeyMap(model, "ident") for kind, model in _OSID_KINDS.items()}
            self.pending: list[tuple[dict, str]] = []

        def add(self, record: dict, position: str) -> None:
            """Check one row (references resolved at flush)."""
            refs = {name: record.pop(name, None) for name in spec.refs}
            object_ident = record.pop("object_pk", None) if spec.model is OsidRecordType else None
            if spec.model is OsidRecordType and record.get("kind") not in _OSID_KINDS:
                raise RecordError(f"kind must be one of {', '.join(_OSID_KINDS)}")
            row = jsonl.check_columns(spec.model, record)
            row.update(refs)
            if object_ident is not None:
                row["object_pk"] = object_ident
            self.pending.append((row, position))
            if len(self.pending) >= self.context.batch_size:
                self.flush()

        def flush(self) -> None:
            """Store the buffered rows in one write transaction; skip those already present."""
            if not self.pending:
                return
            pending, self.pending = self.pending, []
            report = self.context.report

            def _store():
                stored = 0
                for row, position in pending:
                    try:
                        values = self._resolve(row)
                    except RecordError as exc:
                        report.fail(position, str(exc))
                        continue
                    if self._exists(values):
                        report.skip(position, f"a {spec.name} with the same key already exists")
                        continue
                    spec.model.insert(**values).execute()
                    stored += 1
                return stored

            report.imported += run_write(_store)

        def _resolve(self, row: dict) -> dict:
            values = dict(row)
            for name, keymap in self.maps.items():
                values[name] = keymap.pk(values.get(name))
            if spec.model is OsidRecordType:
                values["object_pk"] = self.kind_maps[values["kind"]].pk(values.get("object_pk"))
            return values

        def _exists(self, values: dict) -> bool:
            condition = None
            for column in spec.key:
                term = getattr(spec.model, column) == values.get(column)
                condition = term if condition is None else (condition & term)
            return spec.model.select().where(condition).exists()

    return TableImporter


for _spec in TABLES:
    jsonl.register(jsonl.RecordType(_spec.name, _spec.order, _exporter(_spec), _importer(_spec)))
