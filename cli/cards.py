"""`contacts lock|unlock ID`: the card lock no dialect can write."""
from __future__ import annotations

import click

from services import contacts
from services.errors import NotFound

from .options import database_url_option, open_store


def _set(contact_id: str, locked: bool, database_url: str | None) -> None:
    open_store(database_url)
    try:
        contacts.set_locked(contact_id, locked)
    except NotFound:
        raise click.ClickException(f"no contact with id {contact_id}") from None
    click.echo(f"{'locked' if locked else 'unlocked'} {contact_id}")


@click.command()
@click.argument("contact_id")
@database_url_option
def lock(contact_id: str, database_url: str | None) -> None:
    """Lock a card: dialects refuse to change or delete it (Niagara 423, MPDX 403)."""
    _set(contact_id, True, database_url)


@click.command()
@click.argument("contact_id")
@database_url_option
def unlock(contact_id: str, database_url: str | None) -> None:
    """Unlock a card."""
    _set(contact_id, False, database_url)
