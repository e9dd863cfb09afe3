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
from services.io import stream
from services.io.bulk import DEFAULT_BATCH, BulkWriter
from services.io.canonical import GroupResolver
from services.io.report import ImportReport, RecordError

from .options import database_url_option, open_store

IMPORT_FORMATS = ("auto", *stream.IMPORT_FORMATS)
EXPORT_FORMATS = (*stream.EXPORT_FORMATS, *stream.EXPORT_ALIASES)
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
              help="Input format (auto: from the content, else the file name)")
@click.option("--encoding", default=None,
              help="Text encoding of a CSV (or of vCard text without CHARSET, or LDIF values that are not "
                   "UTF-8), e.g. cp1252, shift_jis "
                   "(default: BOM, else UTF-8, else detected)")
@click.option("--on-duplicate", type=click.Choice(stream.ON_DUPLICATE), default="skip", show_default=True,
              help="A card whose id (vCard UID) is stored already: keep the stored one, replace it, "
                   "or store it again under a new id")
@click.option("--columns", default=None, metavar="NAMES",
              help="A CSV without a header row: its columns' names, comma-separated, as a Google, Outlook or "
                   "Thunderbird export names them (any language); nothing between two commas leaves a column "
                   "out, e.g. 'Display Name,First Name,Last Name,,Primary Email'")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 50_000),
              help="Cards per write transaction")
@database_url_option
def import_(file: str, fmt: str, encoding: str | None, on_duplicate: str, columns: str | None, batch_size: int,
            database_url: str | None) -> None:
    """Import vCards (2.1/3.0/4.0), a Google, Outlook or Thunderbird CSV, LDIF, or the project's JSON Lines."""
    name = "stdin" if file == "-" else file
    with _open_input(file) as raw:
        try:
            source = stream.open_input(raw, fmt, encoding=encoding, on_duplicate=on_duplicate, name=name,
                                       columns=columns)
        except RecordError as exc:  # nothing is opened or written for a file that is no contacts file
            raise click.ClickException(str(exc)) from None
        open_store(database_url)
        started = time.perf_counter()
        report = ImportReport(on_problem=_problem_printer(name))
        with _progress("cards") as bar:
            try:
                stream.import_input(source, report, batch_size=batch_size, on_stored=bar.update,
                                    on_duplicate=on_duplicate)
            except RecordError as exc:
                raise click.ClickException(str(exc)) from None
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


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="jsonl keeps everything; vCard, CSV and LDIF keep what those formats can say")
@click.option("--output", "-o", default="-", type=click.Path(allow_dash=True),
              help="File to write (default: standard output)")
@database_url_option
def export(fmt: str, output: str, database_url: str | None) -> None:
    """Export every card (streamed: memory stays constant whatever the size)."""
    open_store(database_url)
    started = time.perf_counter()
    fmt = stream.EXPORT_ALIASES.get(fmt, fmt)  # say "csv-google cannot carry", not "csv"

    def say_lost(lost: dict[str, int]) -> None:
        said = ", ".join(f"{what} x{count}" for what, count in sorted(lost.items()))
        click.echo(f"{fmt} cannot carry (left out; JSON Lines keeps everything): {said}", err=True)

    with _open_output(output) as out, _progress("records") as bar:
        count = stream.export_stream(fmt, out, on_record=lambda: bar.update(1), on_lost=say_lost)
    elapsed = time.perf_counter() - started
    where = "standard output" if output == "-" else output
    click.echo(f"exported {count} records to {where} in {elapsed:.1f} s", err=True)


@contextlib.contextmanager
def _open_output(path: str) -> Iterator[IO[bytes]]:
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
