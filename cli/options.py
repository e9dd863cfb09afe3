"""Options shared by the commands, and opening the database outside a server."""
from __future__ import annotations

import click

from config import Config
from models.connect import open_database
from models.schema import migrate
from services.setup import install as install_services

database_url_option = click.option(
    "--database-url", default=None,
    help="playhouse.db_url URL (default: $CONTACTS_DATABASE_URL or sqlite:///data/contacts.db)")


def open_store(database_url: str | None) -> Config:
    """Config from flags and environment, with the database opened and migrated and the services set up."""
    config = Config.from_env(database_url=database_url)
    db = open_database(config.database_url)
    migrate(db)
    install_services(db)  # FOLIO's name index follows the cards a command changes
    return config
