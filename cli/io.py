"""`contacts import|export|seed|backup`: data in and out of the store."""
from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator
from typing import IO

import click

from config import Config
from services.io import backup as backup_service
from services.io.bulk import DEFAULT_BATCH, BulkWriter
from services.io.canonical import GroupResolver, iter_cards, read_snapshot
from services.io.report import ImportReport, RecordError

from .options import database_url_option, open_store

IMPORT_FORMATS = ("auto", "vcard", "csv", "jsonl")
# `vcard` is 3.0 (the version most address books import), `csv` Google's CSV.
EXPORT_FORMATS = ("jsonl", "vcard", "vcard4", "vcard3", "vcard21", "csv", "csv-google", "csv-outlook")
_EXPORT_ALIASES = {"vcard": "vcard3", "csv": "csv-google"}
_VCARD_VERSIONS = {"vcard4": "4.0", "vcard3": "3.0", "vcard21": "2.1"}
MAX_SKIPS_LISTED = 20
_EXTENSIONS = {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _progress(unit: str, total: int | None = None):
    """A progress bar with count and rate on a terminal (stderr); silent otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, unit=f" {unit}", unit_scale=False, file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True, mininterval=0.5)


def content_kind(text: str) -> str | None:
    """'vcard', 'jsonl' or 'csv' from the start of a file (as text), None when it is none of them."""
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return None
    if re.match(r"(?i)BEGIN:VCARD\b", stripped) or re.search(r"(?im)^BEGIN:VCARD\s*$", text[:65536]):
        return "vcard"
    if stripped[0] == "{":
        return "jsonl"
    first = stripped.split("\n", 1)[0]
    control = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n")
    if control == 0 and any(sep in first for sep in (",", ";", "\t")):
        return "csv"
    return None


def detect_format(path: str, head: bytes) -> str:
    """The import format from the content of a file's start, else its name ('csv' if neither says)."""
    from services.io.encodings import sniffed

    import io as _io

    _, _, text = sniffed(_io.BytesIO(head))
    kind = content_kind(text)
    if kind is not None:
        return kind
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower(), "csv")


@contextlib.contextmanager
def _open_input(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        yield handle


@click.command("import")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="auto", show_default=True,
              help="Input format (auto: from the content, else the file name)")
@click.option("--encoding", default=None,
              help="Text encoding of a CSV (or of vCard text without CHARSET), e.g. cp1252, shift_jis "
                   "(default: BOM, else UTF-8, else detected)")
@click.option("--on-duplicate", type=click.Choice(("skip", "update", "new")), default="skip", show_default=True,
              help="A card whose id (vCard UID) is stored already: keep the stored one, replace it, "
                   "or store it again under a new id")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 50_000),
              help="Cards per write transaction")
@database_url_option
def import_(file: str, fmt: str, encoding: str | None, on_duplicate: str, batch_size: int,
            database_url: str | None) -> None:
    """Import vCards (2.1/3.0/4.0), a Google, Outlook or Thunderbird CSV, or the project's JSON Lines."""
    import codecs

    from services.io.encodings import sniffed

    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise click.ClickException(f"unknown encoding {encoding!r}") from None
    name = "stdin" if file == "-" else file
    with _open_input(file) as raw:
        stream, found, text = sniffed(raw, encoding)
        kind = content_kind(text)
        if not text.strip():
            raise click.ClickException(f"{name} is empty: nothing to import")
        if kind is None:
            raise click.ClickException(f"{name} is not a vCard, CSV or JSON Lines file "
                                       f"(it starts with {text[:40]!r})")
        if fmt == "auto":
            fmt = kind
        elif fmt != kind:
            raise click.ClickException(f"{name} does not look like {fmt} (its content looks like {kind}); "
                                       f"leave out --format or give the right one")
        if fmt == "jsonl" and on_duplicate == "update":
            raise click.ClickException("--on-duplicate update is for vCard and CSV; JSON Lines records "
                                       "are restored as they are (skip or new)")
        open_store(database_url)
        started = time.perf_counter()
        report = ImportReport(on_problem=_problem_printer(name))
        with _progress("cards") as bar:
            _import(stream, fmt, found, encoding, report, batch_size, on_duplicate, bar.update)
    elapsed = time.perf_counter() - started
    rate = report.imported / elapsed if elapsed > 0 else 0.0
    click.echo(f"{elapsed:.1f} s, {rate:,.0f} cards/s", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


def _problem_printer(name: str):
    skips_shown = [0]

    def problem(position: str, message: str) -> None:
        if message.startswith("skipped:"):
            # Re-importing a file skips every record: list a few, not a million.
            skips_shown[0] += 1
            if skips_shown[0] > MAX_SKIPS_LISTED:
                if skips_shown[0] == MAX_SKIPS_LISTED + 1:
                    click.echo(f"{name}: (further skipped records are counted, not listed)", err=True)
                return
        click.echo(f"{name}: {position}: {message}", err=True)

    return problem


def _import(raw: IO[bytes], fmt: str, found: str, encoding: str | None, report: ImportReport, batch_size: int,
            on_duplicate: str, on_stored) -> None:
    import io

    if fmt == "jsonl":
        from services.io.jsonl import ImportContext, import_jsonl

        import_jsonl(raw, ImportContext(report, batch_size=batch_size, on_stored=on_stored,
                                        on_duplicate=on_duplicate))
        return
    writer = BulkWriter(report, batch_size=batch_size, on_stored=on_stored, on_duplicate=on_duplicate)
    if fmt == "vcard":
        from services.io.vcard import import_cards

        found_cards = import_cards(raw, report, writer, GroupResolver(), encoding)
        if not found_cards:
            raise click.ClickException("no BEGIN:VCARD ... END:VCARD card in the file")
        return
    text = io.TextIOWrapper(raw, encoding=found, errors="contacts-latin1", newline="")
    try:
        from services.io.csv_formats import import_rows

        try:
            import_rows(text, report, writer, GroupResolver())
        except RecordError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        text.detach()


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="jsonl keeps everything; vCard and CSV keep what those formats can say")
@click.option("--output", "-o", default="-", type=click.Path(allow_dash=True),
              help="File to write (default: standard output)")
@database_url_option
def export(fmt: str, output: str, database_url: str | None) -> None:
    """Export every card (streamed: memory stays constant whatever the size)."""
    fmt = _EXPORT_ALIASES.get(fmt, fmt)
    open_store(database_url)
    started = time.perf_counter()
    with _open_output(output, binary=fmt == "jsonl") as out, _progress("records") as bar:
        if fmt == "jsonl":
            from services.io.jsonl import export_jsonl

            count = export_jsonl(out, on_record=lambda: bar.update(1))
        else:
            count = _export_text(fmt, out, bar)
    elapsed = time.perf_counter() - started
    where = "standard output" if output == "-" else output
    click.echo(f"exported {count} records to {where} in {elapsed:.1f} s", err=True)


def _export_text(fmt: str, out: IO[str], bar) -> int:
    lost: dict[str, int] = {}

    def counted() -> Iterator[dict]:
        for card in iter_cards():
            yield card
            bar.update(1)

    try:
        return _write_text(fmt, out, counted, lost)
    finally:
        if lost:
            said = ", ".join(f"{what} x{count}" for what, count in sorted(lost.items()))
            click.echo(f"{fmt} cannot carry (left out; JSON Lines keeps everything): {said}", err=True)


def _write_text(fmt: str, out: IO[str], counted, lost: dict[str, int]) -> int:
    """vCard carries everything a card keeps (CSV columns as X-CSV lines); a CSV what it has columns for."""
    with read_snapshot():
        if fmt.startswith("vcard"):
            from services.io.vcard import write_cards

            return write_cards(counted(), out, _VCARD_VERSIONS[fmt])
        from services.io import csv_formats

        layout = csv_formats.kept_layout()  # header width: a first pass over the extra column only
        if fmt == "csv-google":
            return csv_formats.write_google(counted(), out, {**csv_formats.child_counts(), **layout}, lost)
        return csv_formats.write_outlook(counted(), out, layout["outlook"], lost)


@contextlib.contextmanager
def _open_output(path: str, *, binary: bool):
    if path == "-":
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout
            sys.stdout.flush()
        return
    try:
        handle = open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    with handle:
        yield handle


@click.command()
@click.option("--count", required=True, type=click.IntRange(1), help="How many cards to add")
@click.option("--seed", "seed", default=None, type=int, help="Random seed (same data every run)")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 50_000))
@database_url_option
def seed(count: int, seed: int | None, batch_size: int, database_url: str | None) -> None:
    """Add realistic demo cards (Faker): names, typed emails/phones, addresses, groups, MPDX status."""
    from services.io.seed import GROUPS, CardFactory

    open_store(database_url)
    started = time.perf_counter()
    report = ImportReport(on_problem=lambda position, message: click.echo(f"{position}: {message}", err=True))
    group_keys = GroupResolver().keys(list(GROUPS))
    factory = CardFactory(seed, group_keys=group_keys)
    with _progress("cards", total=count) as bar:
        writer = BulkWriter(report, batch_size=batch_size, user="seed", on_stored=bar.update)
        for number, card in enumerate(factory.cards(count), start=1):
            writer.add(card, f"card {number}")
        writer.flush()
    elapsed = time.perf_counter() - started
    click.echo(f"{elapsed:.1f} s, {report.imported / elapsed if elapsed else 0:,.0f} cards/s", err=True)
    click.echo(report.summary())


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists")
@database_url_option
def backup(file: str, force: bool, database_url: str | None) -> None:
    """Copy the live SQLite database to FILE (online backup API; the server keeps serving)."""
    from .options import describe

    config = Config.from_env(database_url=database_url)
    click.echo(f"database: {describe(config.database_url)}", err=True)
    directory = os.path.dirname(os.path.abspath(file))
    if not os.path.isdir(directory):
        raise click.ClickException(f"directory {directory} does not exist: create it first (mkdir -p {directory})")
    if os.path.exists(file) and not force:
        raise click.ClickException(f"{file} exists: give --force to replace it")
    started = time.perf_counter()
    try:
        pages = backup_service.backup(config.database_url, file)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from None
    size = os.path.getsize(file)
    click.echo(f"backed up {backup_service.sqlite_path(config.database_url)} to {file} "
               f"({pages} pages, {size:,} bytes) in {time.perf_counter() - started:.1f} s")
