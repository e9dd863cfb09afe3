"""Options shared by the commands, and opening the database outside a server.

Every command says which database it uses (on stderr, so stdout stays data), warns when
it had to create a new empty one, and turns a database it cannot open (PostgreSQL not
reachable, a file it may not read) into one line and exit status 1, not a traceback.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

import click

from config import Config
from models.connect import open_database
from models.schema import migrate
from services.setup import install as install_services

database_url_option = click.option(
    "--database-url", default=None,
    help="playhouse.db_url URL (default: $CONTACTS_DATABASE_URL or sqlite:///data/contacts.db)")


def sqlite_file(url: str) -> str | None:
    """The file of a sqlite URL (None for other engines and in-memory databases)."""
    if not url.startswith("sqlite") or ":memory:" in url:
        return None
    path = urlparse(url).path
    return path[1:] if path.startswith("/") else path


def describe(url: str) -> str:
    """The database for humans: an absolute file path, or the URL without its password."""
    path = sqlite_file(url)
    if path is not None:
        return os.path.abspath(path)
    parsed = urlparse(url)
    if parsed.password:
        netloc = f"{parsed.username}:***@{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")
        return urlunparse(parsed._replace(netloc=netloc))
    return url


def prepare_file(url: str) -> bool:
    """Check a SQLite file can be used; create a missing one with mode 0600. True when created.

    SQLite gives its -wal and -shm files the database file's mode, so they are 0600 too.
    """
    path = sqlite_file(url)
    if path is None:
        return False
    if os.path.isdir(path):
        raise click.ClickException(f"database {os.path.abspath(path)} is a directory, not a file")
    if os.path.exists(path):
        if not os.access(path, os.R_OK | os.W_OK):
            raise click.ClickException(f"cannot read and write the database file {os.path.abspath(path)} "
                                       "(permission denied)")
        return False
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError as exc:
        raise click.ClickException(f"cannot create the database file {os.path.abspath(path)}: {exc.strerror}") \
            from None
    return True


def one_line(exc: BaseException) -> str:
    """An exception as one line (drivers put hints on further lines)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def connect(url: str, *, announce: bool = True, new_is_normal: bool = False):
    """Open and migrate the database at `url`, saying which one; ClickException when it cannot."""
    created = prepare_file(url)
    if announce:
        click.echo(f"database: {describe(url)}", err=True)
    if created and not new_is_normal:
        click.secho(f"warning: {describe(url)} did not exist: created a new, empty database",
                    fg="yellow", err=True)
    try:
        db = open_database(url)
        migrate(db)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 - any driver error: say it in one line, exit 1
        raise click.ClickException(f"cannot open the database {describe(url)}: {one_line(exc)}") from None
    return db


def open_store(database_url: str | None) -> Config:
    """Config from flags and environment, with the database opened and migrated and the services set up."""
    config = Config.from_env(database_url=database_url)
    db = connect(config.database_url)
    install_services(db)  # FOLIO's name index follows the cards a command changes
    return config
