"""The `contacts` command: serve, tokens, locks and data management."""
from __future__ import annotations

import click

from .serve import serve
from .tokens import token
from .cards import lock, unlock
from .io import backup, export, import_, seed
from .mpdx import mpdx


@click.group()
@click.version_option(package_name="contacts-server", prog_name="contacts")
def cli() -> None:
    """Contacts server: one address book, five contacts APIs."""


cli.add_command(serve)
cli.add_command(token)
cli.add_command(lock)
cli.add_command(unlock)
cli.add_command(import_)
cli.add_command(export)
cli.add_command(seed)
cli.add_command(backup)
cli.add_command(mpdx)
