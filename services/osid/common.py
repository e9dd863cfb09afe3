"""What the three OSID object kinds share: new rows, genus/record filters, record type index."""
from __future__ import annotations

import uuid
from typing import Any

from peewee import ModelSelect

from models import utcnow
from models.osid import OsidRecordType
from models.statements import insert_rows

from ..errors import PreconditionFailed
from .ids import id_key

# Record type index `kind` of each model (OsidRecordType.kind).
KIND_CONTACT = "contact"
KIND_ADDRESS = "address"
KIND_BOOK = "book"


def new_ident() -> str:
    """A fresh identifier for an OSID Id (a random UUID)."""
    return str(uuid.uuid4())


def object_values(values: dict, genus_type_id: str, record_type_ids: list[str]) -> dict:
    """Column values of a new OSID object (identifier, genus, record types, timestamps)."""
    now = utcnow()
    row = dict(values)
    row.update(ident=new_ident(), genus_type_id=genus_type_id, genus_key=id_key(genus_type_id),
               record_type_ids=list(record_type_ids), created=now, updated=now, version=1)
    return row


def index_record_types(kind: str, object_pk: int, record_type_ids: list[str]) -> None:
    """Index an object's record types (distinct by Id equality) for `recordTypeId` filters."""
    keys = sorted({id_key(type_id) for type_id in record_type_ids})
    if keys:
        insert_rows(OsidRecordType, [{"kind": kind, "object_pk": object_pk, "type_key": key} for key in keys])


def drop_record_types(kind: str, object_pks: list[int]) -> None:
    """Forget the record type index rows of deleted objects."""
    if object_pks:
        OsidRecordType.delete().where((OsidRecordType.kind == kind)
                                      & OsidRecordType.object_pk.in_(object_pks)).execute()


def filter_types(query: ModelSelect, model, kind: str, args: dict[str, Any]) -> ModelSelect:
    """Apply `genusTypeId`, `parentGenusTypeId` and `recordTypeId` to a select of `model`.

    No genus type hierarchy is known to this service, so a type's only descendant is
    itself and `parentGenusTypeId` matches like `genusTypeId`.
    """
    for name in ("genusTypeId", "parentGenusTypeId"):
        if args.get(name):
            query = query.where(model.genus_key == id_key(args[name]))
    if args.get("recordTypeId"):
        holders = (OsidRecordType.select(OsidRecordType.object_pk)
                   .where((OsidRecordType.kind == kind)
                          & (OsidRecordType.type_key == id_key(args["recordTypeId"]))))
        query = query.where(model.pk.in_(holders))
    return query


def page(query: ModelSelect, model, offset: int, limit: int) -> list[dict]:
    """One page of rows in creation order."""
    return list(query.order_by(model.pk).offset(offset).limit(limit).dicts())


def touched(values: dict, model) -> dict:
    """`values` plus the bookkeeping of an update of a `model` row: timestamp and next version.

    The version is counted in SQL (`version + 1`) from the row as the UPDATE finds it,
    never from an earlier read: two updates always make two versions (two ETags).
    """
    return {**values, "updated": utcnow(), "version": model.version + 1}


def write_update(model, current: dict, values: dict, expected_version: int | None) -> None:
    """Check If-Match against `current` (read in this write transaction), then store `values` on its row."""
    check_version(current, expected_version)
    model.update(touched(values, model)).where(model.pk == current["pk"]).execute()


def check_version(row: dict, expected_version: int | None) -> None:
    """PreconditionFailed unless `row` (read in the write transaction) has the version If-Match named."""
    if expected_version is not None and row["version"] != expected_version:
        raise PreconditionFailed("If-Match does not match the current version")
