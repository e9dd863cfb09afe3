"""`contacts import|export|seed|backup`: data in and out of the store."""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from typing import IO

import click

from config import Config
from services.io import backup as backup_service
from services.io.bulk import DEFAULT_BATCH, BulkWriter
from services.io.canonical import GroupResolver
from services.io.report import ImportReport, RecordError
from services.io.stream import EXPORT_FORMATS, detect_format, export_stream, import_stream

from .options import database_url_option, open_store

IMPORT_FORMATS = ("auto", "vcard", "csv", "jsonl")
MAX_SKIPS_LISTED = 20


def _progress(unit: str, total: int | None = None):
    """A progress bar with count and rate on a terminal (stderr); silent otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, unit=f" {unit}", unit_scale=False, file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True, mininterval=0.5)


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
              help="Input format (auto: from the file name, else from its content)")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 50_000),
              help="Cards per write transaction")
@database_url_option
def import_(file: str, fmt: str, batch_size: int, database_url: str | None) -> None:
    """Import vCards (2.1/3.0/4.0), a Google or Outlook CSV, or the project's JSON Lines."""
    open_store(database_url)
    started = time.perf_counter()
    name = "stdin" if file == "-" else file

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

    report = ImportReport(on_problem=problem)
    with _open_input(file) as raw, _progress("cards") as bar:
        if fmt == "auto":
            fmt = detect_format(file, raw.peek(64) if hasattr(raw, "peek") else b"")
        try:
            import_stream(raw, fmt, report, batch_size=batch_size, on_stored=bar.update)
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    elapsed = time.perf_counter() - started
    rate = report.imported / elapsed if elapsed > 0 else 0.0
    click.echo(f"{elapsed:.1f} s, {rate:,.0f} cards/s", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="jsonl keeps everything; vCard and CSV keep what those formats can say")
@click.option("--output", "-o", default="-", type=click.Path(allow_dash=True),
              help="File to write (default: standard output)")
@database_url_option
def export(fmt: str, output: str, database_url: str | None) -> None:
    """Export every card (streamed: memory stays constant whatever the size)."""
    open_store(database_url)
    started = time.perf_counter()
    with _open_output(output) as out, _progress("records") as bar:
        count = export_stream(fmt, out, on_record=lambda: bar.update(1))
    elapsed = time.perf_counter() - started
    where = "standard output" if output == "-" else output
    click.echo(f"exported {count} records to {where} in {elapsed:.1f} s", err=True)


@contextlib.contextmanager
def _open_output(path: str):
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        handle = open(path, "wb")
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
@database_url_option
def backup(file: str, database_url: str | None) -> None:
    """Copy the live SQLite database to FILE (online backup API; the server keeps serving)."""
    config = Config.from_env(database_url=database_url)
    started = time.perf_counter()
    try:
        pages = backup_service.backup(config.database_url, file)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from None
    size = os.path.getsize(file)
    click.echo(f"backed up {backup_service.sqlite_path(config.database_url)} to {file} "
               f"({pages} pages, {size:,} bytes) in {time.perf_counter() - started:.1f} s")
