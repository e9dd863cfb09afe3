"""`contacts token create|list|revoke`."""
from __future__ import annotations

import click

from services import tokens

from .options import database_url_option, open_store


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(tokens.SCOPES), help="Scope to grant (repeatable)")
@click.option("--name", default="", help="A label to recognise the token by")
@database_url_option
def create(scopes: tuple[str, ...], name: str, database_url: str | None) -> None:
    """Create a token; it is printed once, alone on the last line."""
    open_store(database_url)
    plaintext, row = tokens.create_token(list(scopes), name)
    click.echo(f"Created token {row.pk} ({row.prefix}...) with scopes {' '.join(row.scopes)}", err=True)
    click.echo(plaintext)


@token.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """List tokens (never their secrets)."""
    open_store(database_url)
    for row in tokens.list_tokens():
        state = "revoked" if row.revoked else "active"
        click.echo(f"{row.pk}\t{row.prefix}...\t{state}\t{' '.join(row.scopes)}\t{row.name}")


@token.command("revoke")
@click.argument("ident")
@database_url_option
def revoke(ident: str, database_url: str | None) -> None:
    """Revoke a token by its number, its prefix, the token itself or its name."""
    open_store(database_url)
    count = tokens.revoke_token(ident)
    if not count:
        raise click.ClickException(f"no token matches {ident!r}")
    click.echo(f"revoked {count} token(s)")
