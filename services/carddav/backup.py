"""CardDAV's resource names in the JSON Lines backup (services.io.jsonl): phones keep their hrefs.

A phone addresses a card by the name it PUT it at (`carddav_href`) and a group it keeps as a
group vCard by its resource (`carddav_group`). A restore without them would move those cards
to `<card id>.vcf` and take the groups out of the address book: the phone would delete its
copies (and its groups) at the next sync. Two record types, after the contacts:

    {"type": "carddav_name", "name": "Jane Doe.vcf", "contact": "<card id>"}
    {"type": "carddav_group", "name": "<UUID>.vcf", "group": "<group id>", "vcard": {...}}

On import a name already in use is skipped, and one whose card or group is not stored fails.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

from models.connect import database
from models.statements import keyset_batches
from models.writer import run_write
from services.io import jsonl
from services.io.report import RecordError

_BATCH = 2000


def _rows(sql: str) -> Iterator[tuple]:
    """Rows of `sql` (which takes a `> last name` bound and orders by the name) in keyset batches."""
    for rows in keyset_batches(f"{sql} LIMIT {_BATCH}", ""):
        yield from rows


def export_names() -> Iterator[dict]:
    """The names clients chose for cards."""
    sql = f"SELECT name, contact_id FROM carddav_href WHERE name > {database.param} ORDER BY name"
    for name, contact_id in _rows(sql):
        yield {"name": name, "contact": contact_id}


def export_groups() -> Iterator[dict]:
    """The groups that are address objects, with their group vCards' lines."""
    for name, group_id, vcard in _rows(
            "SELECT r.name, g.id, r.vcard FROM carddav_group AS r JOIN contact_group AS g "
            f"ON g.autokey = r.group_autokey WHERE r.name > {database.param} ORDER BY r.name"):
        yield {"name": name, "group": group_id, "vcard": json.loads(vcard) if vcard else None}


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise RecordError(f"{key} must be a non-empty string")
    if "\x00" in value:
        raise RecordError(f"{key}: NUL characters (U+0000) are not allowed")
    return value


def _name_taken(name: str) -> bool:
    mark = database.param
    return database.execute_sql(f"SELECT 1 FROM carddav_href WHERE name = {mark} UNION ALL "
                                f"SELECT 1 FROM carddav_group WHERE name = {mark}", (name, name)).fetchone() is not None


class _Importer:
    """One record at a time (resource names are few), each in its own write."""

    kind = ""
    fields: tuple[str, ...] = ()

    def __init__(self, context: jsonl.ImportContext) -> None:
        self.context = context

    def add(self, record: dict, position: str) -> None:
        """Store one name, skip it when the name is in use, fail it when its target is not stored."""
        unknown = sorted(set(record) - set(self.fields))
        if unknown:
            raise RecordError(f"unknown field(s) for {self.kind}: {', '.join(unknown)}")
        values = self.checked(record)
        stored = run_write(lambda: not _name_taken(values[0]) and self.store(*values))
        if stored:
            self.context.report.imported += 1
        else:
            self.context.report.skip(position, f"the CardDAV name {values[0]!r}, or a name for its card or group, "
                                               "is already stored")

    def checked(self, record: dict) -> tuple:
        """The record's values, checked (RecordError names the problem)."""
        raise NotImplementedError

    def store(self, *values) -> bool:
        """Insert the row inside the write; False when the card's or group's name is taken."""
        raise NotImplementedError

    def flush(self) -> None:
        """Nothing is buffered."""


class NameImporter(_Importer):
    """`carddav_name` records."""

    kind, fields = "carddav_name", ("name", "contact")

    def checked(self, record: dict) -> tuple:
        return _text(record, "name"), _text(record, "contact")

    def store(self, name: str, contact_id: str) -> bool:
        mark = database.param
        if database.execute_sql(f"SELECT 1 FROM contact WHERE id = {mark}", (contact_id,)).fetchone() is None:
            raise RecordError(f"refers to unknown contact {contact_id!r}")
        if database.execute_sql(f"SELECT 1 FROM carddav_href WHERE contact_id = {mark}", (contact_id,)).fetchone():
            return False  # the card has a name already
        database.execute_sql(f"INSERT INTO carddav_href (name, contact_id) VALUES ({mark}, {mark})",
                             (name, contact_id))
        return True


class GroupImporter(_Importer):
    """`carddav_group` records."""

    kind, fields = "carddav_group", ("name", "group", "vcard")

    def checked(self, record: dict) -> tuple:
        vcard = record.get("vcard")
        if vcard is not None and not isinstance(vcard, dict):
            raise RecordError("vcard must be an object or null")
        text = json.dumps(vcard, ensure_ascii=False) if vcard is not None else None
        if text is not None and "\\u0000" in text:
            raise RecordError("vcard: NUL characters (U+0000) are not allowed")
        return _text(record, "name"), _text(record, "group"), text

    def store(self, name: str, group_id: str, vcard: str | None) -> bool:
        mark = database.param
        row = database.execute_sql(f"SELECT autokey FROM contact_group WHERE id = {mark}", (group_id,)).fetchone()
        if row is None:
            raise RecordError(f"refers to unknown group {group_id!r}")
        if database.execute_sql(f"SELECT 1 FROM carddav_group WHERE group_autokey = {mark}", row).fetchone():
            return False  # the group is a resource already
        database.execute_sql(f"INSERT INTO carddav_group (group_autokey, name, vcard) VALUES ({mark}, {mark}, {mark})",
                             (row[0], name, vcard))
        return True


jsonl.register(jsonl.RecordType("carddav_name", 25, export_names, NameImporter))
jsonl.register(jsonl.RecordType("carddav_group", 26, export_groups, GroupImporter))
