"""Shared fixtures: an app on a fresh database per test, and tokens for it.

Set CONTACTS_TEST_DATABASE_URL to run the suite against another database
(e.g. PostgreSQL); by default every test gets its own SQLite file.
"""
from __future__ import annotations

import os

import pytest

from app import create_app
from config import Config
from services import tokens


@pytest.fixture
def database_url(tmp_path) -> str:
    """The database the app under test uses."""
    return os.environ.get("CONTACTS_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/contacts.db"


@pytest.fixture
def app(database_url):
    """The app with authentication on, as users run it."""
    application = create_app(Config(database_url=database_url, auth=True))
    application.config["TESTING"] = True
    if not database_url.startswith("sqlite"):
        _empty_shared_database()
    yield application


def _empty_shared_database() -> None:
    """A shared server database starts every test empty, with sequences reset."""
    from models.db import database

    tables = [t for t in database.get_tables() if t != "schema_migration"]
    if tables:
        database.execute_sql("TRUNCATE {} RESTART IDENTITY CASCADE".format(
            ", ".join(f'"{t}"' for t in tables)))


@pytest.fixture
def client(app):
    """A Flask test client (HTTP through the whole WSGI stack)."""
    return app.test_client()


@pytest.fixture
def make_token(app):
    """Create a token with the given scopes; returns the plaintext."""
    def _make(*scopes: str) -> str:
        with app.app_context():
            plaintext, _ = tokens.create_token(list(scopes) or ["*"])
        return plaintext
    return _make


@pytest.fixture
def token(make_token) -> str:
    """A token with every scope."""
    return make_token("*")


@pytest.fixture
def auth(token) -> dict:
    """Authorization headers with every scope."""
    return {"Authorization": f"Bearer {token}"}
