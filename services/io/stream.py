"""One input stream imported, every card exported: what `contacts import|export` and the web UI share.

Import: `open_input` looks at what a stream holds (its encoding, and whether it is a vCard,
CSV, JSON Lines or LDIF file at all) before anything is written, and names what is wrong with it
(RecordError); `import_input` then stores its records. Export: `export_stream` writes every
card in one format to a binary stream, from one read snapshot, in constant memory.
"""
from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from .bulk import DEFAULT_BATCH, BulkWriter
from .canonical import GroupResolver, iter_cards, read_snapshot
from .encodings import sniffed
from .report import ImportReport, RecordError

IMPORT_FORMATS = ("vcard", "csv", "jsonl", "ldif")
# `vcard` is 3.0 (the version most address books import), `csv` Google's CSV.
EXPORT_FORMATS = ("jsonl", "vcard4", "vcard3", "vcard21", "csv-google", "csv-outlook", "ldif")
EXPORT_ALIASES = {"vcard": "vcard3", "csv": "csv-google"}
ON_DUPLICATE = ("skip", "update", "new")
_VCARD_VERSIONS = {"vcard4": "4.0", "vcard3": "3.0", "vcard21": "2.1"}
_EXTENSIONS = {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
               ".ldif": "ldif", ".ldi": "ldif"}
# An LDIF file's start: comments, `version: 1`, then its first entry's `dn:` (RFC 2849).
_LDIF_START = re.compile(r"(?i)(#[^\n]*\n|[ \t]*\r?\n)*(version:[ \t]*1[ \t]*(\r?\n|$)|dn::?[ \t])")


def content_kind(text: str) -> str | None:
    """'vcard', 'jsonl' or 'csv' from the start of a file (as text), None when it is none of them."""
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return None
    if re.match(r"(?i)BEGIN:VCARD\b", stripped) or re.search(r"(?im)^BEGIN:VCARD\s*$", text[:65536]):
        return "vcard"
    if re.match(r"(?i)VERSION:[234]\.[01]\s*$", stripped.split("\n", 1)[0]) and \
            re.search(r"(?im)^END:VCARD\s*$", text[:65536]):
        return "vcard"  # a card whose BEGIN:VCARD was left out (read by services.io.vcard)
    if stripped[0] == "{":
        return "jsonl"
    if _LDIF_START.match(text.lstrip("\ufeff")):
        return "ldif"  # before CSV: a dn line has commas
    first = stripped.split("\n", 1)[0]
    head = text[:4096]
    # A binary file has NULs or many control characters; a CSV may hold one in a cell (Outlook
    # 2003's FBURL ends in a form feed, and a CSV export of that card writes it).
    control = sum(1 for c in head if ord(c) < 32 and c not in "\t\r\n")
    textual = "\x00" not in head and control * 50 <= len(head)
    if textual and (any(sep in first for sep in (",", ";", "\t")) or _one_known_column(first)):
        return "csv"
    return None


def _known_other_format(head: bytes, text: str) -> str | None:
    """What a file no importer reads is, when it is one people often have, with what to do instead."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (an Excel .xlsx workbook is one): save the sheet as CSV and import that"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("an OLE2 file (an Excel .xls workbook or an Outlook .msg): "
                "save the sheet as CSV, or export the contacts as vCard (.vcf)")
    return None


def _one_known_column(line: str) -> bool:
    """A header of one column some CSV flavour reads (Roundcube's test file `Primary Email`, or a translation)."""
    from .csv_formats import flavour  # here: the CSV parsers load only for a CSV
    from .csv_locales import english_header

    name = line.strip().strip('"')
    try:
        flavour([name])
    except RecordError:
        return english_header([name]) is not None
    return True


def detect_format(path: str, head: bytes) -> str:
    """The import format from the content of a file's start, else its name ('csv' if neither says)."""
    _, _, text = sniffed(io.BytesIO(head))
    kind = content_kind(text)
    if kind is not None:
        return kind
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower(), "csv")


@dataclass
class Input:
    """A stream checked for import: its bytes (from the start), its format and its text encoding."""

    stream: IO[bytes]
    fmt: str
    encoding: str  # what was found (BOM, UTF-8 or detected), for CSV text
    asked_encoding: str | None  # what the user named, if anything
    columns: list[str] | None = None  # the header of a CSV without one (`--columns`)


def open_input(raw: IO[bytes], fmt: str = "auto", *, encoding: str | None = None, on_duplicate: str = "skip",
               name: str = "the file", columns: str | None = None) -> Input:
    """Check `raw` can be imported as `fmt` ('auto': what its content says); RecordError says why not.

    `columns` names the columns of a CSV that has no header row (comma-separated export column names).
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise RecordError(f"unknown encoding {encoding!r}") from None
    stream, found, text = sniffed(raw, encoding)
    if not text.strip():
        raise RecordError(f"{name} is empty: nothing to import")
    known = _known_other_format(stream.peek(8)[:8], text)
    if known is not None:
        raise RecordError(f"{name} is {known}")
    kind = content_kind(text)
    if kind is None:
        raise RecordError(f"{name} is not a vCard, CSV, JSON Lines or LDIF file (it starts with {text[:40]!r})")
    if fmt == "auto":
        fmt = kind
    elif fmt != kind:
        raise RecordError(f"{name} does not look like {fmt} (its content looks like {kind}); "
                          f"leave out --format or give the right one")
    if fmt == "jsonl" and on_duplicate == "update":
        raise RecordError("--on-duplicate update is for vCard and CSV; JSON Lines records "
                          "are restored as they are (skip or new)")
    if columns is None:
        return Input(stream, fmt, found, encoding)
    if fmt != "csv":
        raise RecordError(f"--columns is for a CSV without a header row; {name} is {fmt}")
    from .csv_formats import named_columns

    return Input(stream, fmt, found, encoding, named_columns(columns))


def import_input(source: Input, report: ImportReport, *, batch_size: int = DEFAULT_BATCH,
                 on_stored: Callable[[int], None] | None = None, user: str | None = None,
                 on_duplicate: str = "skip") -> ImportReport:
    """Store every record of a checked input; counts and problems go to `report`."""
    if source.fmt == "jsonl":
        from .jsonl import ImportContext, import_jsonl

        return import_jsonl(source.stream, ImportContext(report, batch_size=batch_size, user=user,
                                                         on_stored=on_stored, on_duplicate=on_duplicate))
    writer = BulkWriter(report, batch_size=batch_size, user=user, on_stored=on_stored, on_duplicate=on_duplicate)
    if source.fmt == "vcard":
        from .vcard import import_cards

        if not import_cards(source.stream, report, writer, GroupResolver(), source.asked_encoding):
            raise RecordError("no BEGIN:VCARD ... END:VCARD card in the file")
        return report
    if source.fmt == "ldif":
        from .ldif_format import import_entries

        if not import_entries(source.stream, report, writer, GroupResolver(), source.encoding):
            raise RecordError("no LDIF entry (dn: ...) in the file")
        return report
    from .csv_formats import import_rows

    text = io.TextIOWrapper(source.stream, encoding=source.encoding, errors="contacts-latin1", newline="")
    try:
        import_rows(text, report, writer, GroupResolver(), source.columns)
    finally:
        text.detach()
    return report


def import_stream(raw: IO[bytes], fmt: str, report: ImportReport, *, batch_size: int = DEFAULT_BATCH,
                  on_stored: Callable[[int], None] | None = None, user: str | None = None,
                  encoding: str | None = None, on_duplicate: str = "skip", name: str = "the file",
                  columns: str | None = None) -> ImportReport:
    """`open_input` then `import_input`: import every record of `raw` (RecordError: the file as a whole is wrong)."""
    source = open_input(raw, fmt, encoding=encoding, on_duplicate=on_duplicate, name=name, columns=columns)
    return import_input(source, report, batch_size=batch_size, on_stored=on_stored, user=user,
                        on_duplicate=on_duplicate)


def export_stream(fmt: str, out: IO[bytes], on_record: Callable[[], None] | None = None,
                  on_lost: Callable[[dict[str, int]], None] | None = None) -> int:
    """Write every card in format `fmt` (EXPORT_FORMATS or an alias) to the binary stream `out`.

    Streamed from one read snapshot: memory stays constant whatever the size; text formats
    are UTF-8. `on_lost(counts)` hears what a format could not carry (JSON Lines loses nothing).
    Returns how many records were written.
    """
    fmt = EXPORT_ALIASES.get(fmt, fmt)
    if fmt == "jsonl":
        from .jsonl import export_jsonl

        return export_jsonl(out, on_record=on_record)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")

    def counted() -> Iterator[dict]:
        for card in iter_cards():
            yield card
            if on_record:
                on_record()

    lost: dict[str, int] = {}
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        with read_snapshot():
            if fmt == "ldif":  # bytes (base64 where RFC 2849 asks), straight to `out`; groups as lists
                from .ldif_format import write_entries

                return write_entries(counted(), out, lost)
            if fmt.startswith("vcard"):
                from .vcard import write_cards

                return write_cards(counted(), text, _VCARD_VERSIONS[fmt])
            from . import csv_formats

            layout = csv_formats.kept_layout()  # header width: a first pass over the extra column only
            if fmt == "csv-google":
                return csv_formats.write_google(counted(), text, {**csv_formats.child_counts(), **layout}, lost)
            return csv_formats.write_outlook(counted(), text, layout["outlook"], lost)
    finally:
        text.flush()
        text.detach()
        if lost and on_lost is not None:
            on_lost(lost)
