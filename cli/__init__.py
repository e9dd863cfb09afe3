"""The `contacts` command: serve, tokens, locks and data management."""
from __future__ import annotations

import click

from .serve import serve
from .tokens import token
from .cards import lock, unlock


@click.group()
def cli() -> None:
    """Contacts server: one address book, five contacts APIs."""


cli.add_command(serve)
cli.add_command(token)
cli.add_command(lock)
cli.add_command(unlock)
