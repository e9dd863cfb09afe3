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
    rows = tokens.list_tokens()
    if not rows:
        click.echo("no tokens", err=True)
        return
    click.echo("ID\tPREFIX\tSTATE\tSCOPES\tNAME")
    for row in rows:
        state = "revoked" if row.revoked else "active"
        click.echo(f"{row.pk}\t{row.prefix}...\t{state}\t{' '.join(row.scopes)}\t{row.name}")


def _matching(ident: str) -> list:
    """Tokens a revoke argument names: its number, prefix, the token itself or its name."""
    if ident.isdigit():
        return [row for row in tokens.list_tokens() if row.pk == int(ident)]
    return [row for row in tokens.list_tokens() if row.prefix == ident[:10] or row.name == ident]


@token.command("revoke")
@click.argument("ident")
@click.option("--yes", "-y", is_flag=True, help="Revoke several matching tokens without asking")
@database_url_option
def revoke(ident: str, yes: bool, database_url: str | None) -> None:
    """Revoke a token by its number, its prefix, the token itself or its name."""
    open_store(database_url)
    matches = _matching(ident)
    if not matches:
        raise click.ClickException(f"no token matches {ident!r}")
    active = [row for row in matches if not row.revoked]
    if not active:
        listed = ", ".join(str(row.pk) for row in matches)
        click.echo(f"already revoked: {len(matches)} token(s) match {ident!r} ({listed}), none is active")
        return
    if len(active) > 1 and not yes:
        for row in active:
            click.echo(f"  {row.pk}\t{row.prefix}...\t{' '.join(row.scopes)}\t{row.name}", err=True)
        click.confirm(f"{len(active)} active tokens match {ident!r}: revoke all {len(active)}?", abort=True,
                      err=True)
    count = sum(tokens.revoke_token(str(row.pk)) for row in active)
    click.echo(f"revoked {count} token(s): {', '.join(str(row.pk) for row in active)}")
