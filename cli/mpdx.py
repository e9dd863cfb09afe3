"""`contacts mpdx import|export`: MPDX organizations, account lists and contact status."""
from __future__ import annotations

import json

import click

from services.mpdx import imports as mpdx_import
from services.errors import Invalid

from .options import database_url_option, open_store


@click.group()
def mpdx() -> None:
    """MPDX data no API writes: organizations, account lists, contact status."""


@mpdx.command("import")
@click.argument("file", type=click.File("rb"))
@database_url_option
def import_(file, database_url: str | None) -> None:
    """Apply FILE (JSON; '-' for stdin): upsert organizations, account lists, contact assignments."""
    open_store(database_url)
    try:
        document = json.loads(file.read())
    except ValueError as exc:
        raise click.ClickException(f"{getattr(file, 'name', 'stdin')} is not valid JSON: {exc}") from None
    try:
        counts = mpdx_import.import_data(document)
    except Invalid as exc:
        raise click.ClickException(f"nothing imported: {exc.message}") from None
    click.echo(f"imported {counts['organizations']} organization(s), {counts['account_lists']} "
               f"account list(s), {counts['contacts']} contact assignment(s)")


@mpdx.command("export")
@database_url_option
def export(database_url: str | None) -> None:
    """Print the MPDX data as JSON in the import format."""
    open_store(database_url)
    click.echo(json.dumps(mpdx_import.export_data(), indent=2, ensure_ascii=False))
