"""Importing one input stream (vCard, CSV or JSON Lines): what `contacts import` and the web UI's upload share."""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import IO

from .bulk import DEFAULT_BATCH, BulkWriter
from .canonical import GroupResolver
from .report import ImportReport

IMPORT_FORMATS = ("vcard", "csv", "jsonl")
_EXTENSIONS = {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def detect_format(path: str, head: bytes) -> str:
    """The import format from the file name, else from its first bytes."""
    extension = os.path.splitext(path)[1].lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:11].upper() == b"BEGIN:VCARD":
        return "vcard"
    if text[:1] == b"{":
        return "jsonl"
    return "csv"


def import_stream(raw: IO[bytes], fmt: str, report: ImportReport, *, batch_size: int = DEFAULT_BATCH,
                  on_stored: Callable[[int], None] | None = None, user: str | None = None) -> ImportReport:
    """Import every record of `raw` in format `fmt` (vcard, csv, jsonl); counts and problems go to `report`.

    Raises UnicodeDecodeError when a text format is not UTF-8.
    """
    if fmt == "jsonl":
        from .jsonl import ImportContext, import_jsonl

        return import_jsonl(raw, ImportContext(report, batch_size=batch_size, user=user, on_stored=on_stored))
    writer = BulkWriter(report, batch_size=batch_size, user=user, on_stored=on_stored)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        if fmt == "vcard":
            from .vcard import import_cards

            import_cards(text, report, writer, GroupResolver())
        else:
            from .csv_formats import import_rows

            import_rows(text, report, writer, GroupResolver())
    finally:
        text.detach()
    return report


EXPORT_FORMATS = ("jsonl", "vcard4", "vcard3", "csv-google", "csv-outlook")


def export_stream(fmt: str, out: IO[bytes], on_record: Callable[[], None] | None = None) -> int:
    """Write every card in format `fmt` (one of EXPORT_FORMATS) to the binary stream `out`; returns the count.

    Streamed: memory stays constant whatever the size. Text formats are UTF-8.
    """
    if fmt == "jsonl":
        from .jsonl import export_jsonl

        return export_jsonl(out, on_record=on_record)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    from .canonical import iter_cards, read_snapshot

    def counted():
        for card in iter_cards():
            yield card
            if on_record:
                on_record()

    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        with read_snapshot():
            if fmt.startswith("vcard"):
                from .vcard import write_cards

                return write_cards(counted(), text, "4.0" if fmt == "vcard4" else "3.0")
            from . import csv_formats

            if fmt == "csv-google":
                return csv_formats.write_google(counted(), text, csv_formats.child_counts())
            return csv_formats.write_outlook(counted(), text)
    finally:
        text.flush()
        text.detach()
