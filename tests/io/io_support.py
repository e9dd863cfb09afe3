"""Helpers for the import/export/backup tests: run the `contacts` CLI, read cards back."""
from __future__ import annotations

import os

from click.testing import CliRunner

from cli import cli

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "io")
INCOPLAX = "/rest/v1/addressbook/contacts"


def sample(name: str) -> str:
    """Path of a sample file under tests/data/io."""
    return os.path.join(DATA, name)


def run(*args: str, input: bytes | str | None = None):
    """Invoke `contacts ARGS...` in-process; returns click's Result (stdout, stderr, exit_code)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def summary(result) -> str:
    """The last stdout line: the import summary."""
    return result.stdout.strip().splitlines()[-1]


def all_cards() -> list[dict]:
    """Every card in the store, by autokey."""
    from services.io.canonical import iter_cards

    return list(iter_cards())


def card_named(display_name: str) -> dict:
    """The one card with this display name."""
    matches = [c for c in all_cards() if c["display_name"] == display_name]
    assert len(matches) == 1, [c["display_name"] for c in all_cards()]
    return matches[0]


def comparable(card: dict, *, keep_ids: bool = True) -> dict:
    """A card without what a fresh store assigns (autokeys, times, versions, group ids)."""
    drop = {"autokey", "created", "updated", "version", "created_by", "updated_by"} | (set() if keep_ids else {"id"})
    out = {k: v for k, v in card.items() if k not in drop}
    out["groups"] = sorted(g["name"] for g in card["groups"])
    return out


def fresh_database_url(tmp_path, name: str) -> str:
    """A second SQLite database (for round trips)."""
    return f"sqlite:///{tmp_path}/{name}.db"


def use_database(database_url: str) -> None:
    """Point the store at a database (as the CLI commands do)."""
    from cli.options import open_store

    open_store(database_url)


def write_file(tmp_path, name: str, data: bytes):
    """A file of `data` in the test's directory; returns its path."""
    path = tmp_path / name
    path.write_bytes(data)
    return path
