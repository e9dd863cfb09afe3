"""Shared fixtures: an app on a fresh database per test, and tokens for it.

Set CONTACTS_TEST_DATABASE_URL to run the suite against another database
(e.g. PostgreSQL); by default every test gets its own SQLite file.
"""
from __future__ import annotations

import os
import shutil

import pytest

from app import create_app
from config import Config
from services import tokens
from tests.dav_client import basic


def pytest_collection_modifyitems(config, items):
    """On a server database, run only the tests that use it (CI runs the suite twice).

    A test that neither takes the `database_url` fixture nor reads CONTACTS_TEST_DATABASE_URL
    itself runs on its own SQLite file (or none) either way: the SQLite run has run it already.
    """
    url = os.environ.get("CONTACTS_TEST_DATABASE_URL")
    if not url or url.startswith("sqlite"):
        return
    sources: dict[str, bool] = {}

    def reads_the_url(item) -> bool:
        path = str(item.path)
        if path not in sources:
            sources[path] = "CONTACTS_TEST_DATABASE_URL" in item.path.read_text(encoding="utf-8")
        return sources[path]

    keep, elsewhere = [], []
    for item in items:
        (keep if "database_url" in getattr(item, "fixturenames", ()) or reads_the_url(item) else elsewhere).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = keep


@pytest.fixture
def database_url(tmp_path, request) -> str:
    """The database the app under test uses: the shared server database, or a SQLite file of
    this test's own, migrated (a copy of `_migrated_sqlite`)."""
    shared = os.environ.get("CONTACTS_TEST_DATABASE_URL")
    if shared:
        return shared
    path = tmp_path / "contacts.db"
    shutil.copyfile(request.getfixturevalue("_migrated_sqlite"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> str:
    """A SQLite file with every migration applied, made once per run.

    Migrating a new file is half of what an app costs to set up (about 35 ms); with some
    two thousand tests on their own files, copying one migrated file saves a minute of CI.
    The app still runs `migrate` on its copy, which finds nothing pending.
    """
    from models.connect import open_database
    from models.schema import migrate

    path = tmp_path_factory.mktemp("migrated") / "contacts.db"
    db = open_database(f"sqlite:///{path}")
    migrate(db)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
    db.close()
    return str(path)


@pytest.fixture(scope="session", autouse=True)
def _fresh_shared_database():
    """A shared server database (PostgreSQL) is emptied once per run, schema and all."""
    url = os.environ.get("CONTACTS_TEST_DATABASE_URL")
    if url and not url.startswith("sqlite"):
        from models.connect import make_database

        db = make_database(url)
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
        db.close()
    yield


@pytest.fixture
def app(database_url):
    """The app with authentication on, as users run it."""
    application = create_app(Config(database_url=database_url, auth=True))
    application.config["TESTING"] = True
    if not database_url.startswith("sqlite"):
        _empty_shared_database()
    yield application


_seed_rows: dict[str, tuple[list[str], list[tuple]]] | None = None
_sequences: list[tuple[str, str, str]] = []  # (sequence, table, column) of every serial column


_seed_marks: dict[str, tuple] = {}  # table -> its _seed_mark as the last reset left it


def _seed_mark(database, table: str) -> tuple:
    """Row count and newest row version of a table: any insert, update or delete changes it."""
    return tuple(database.execute_sql(
        f'SELECT count(*), max(xmin::text::bigint) FROM "{table}"').fetchone())


def _empty_shared_database() -> None:
    """A shared server database starts every test as migrations left it, sequences reset.

    Rows that migrations insert (e.g. MPDX's Unassigned account list, OSID's default
    address book) are captured once and put back after the tables are emptied.
    """
    global _seed_rows
    from models.connect import database

    tables = [t for t in database.get_tables() if t != "schema_migration"]
    if _seed_rows is None:
        _seed_rows = {}
        for table in tables:
            # No autovacuum ANALYZE in the middle of the run: it would give the planner the
            # statistics of whatever few rows a test left, and the plan tests' plans would
            # depend on its timing (a 3-row table is walked whole through its primary key).
            database.execute_sql(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)')
            cursor = database.execute_sql(f'SELECT * FROM "{table}"')
            rows = cursor.fetchall()
            columns = [col[0] for col in cursor.description]
            if rows:
                _seed_rows[table] = (columns, rows)
            for column in columns:
                sequence = database.execute_sql("SELECT pg_get_serial_sequence(%s, %s)",
                                                (f'"{table}"', column)).fetchone()[0]
                if sequence:
                    _sequences.append((sequence, table, column))
    if not tables:
        return
    # Only the tables a test wrote to (a written table has pages, even once its rows are
    # deleted or rolled back): TRUNCATE of every table cost ~100 ms a test.
    # Tables migrations filled count as written when their rows changed (count or newest xmin).
    written = [row[0] for row in database.execute_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
        "AND relname = ANY(%s) AND pg_relation_size(oid) > 0", (tables,)).fetchall()
        if row[0] not in _seed_rows or _seed_mark(database, row[0]) != _seed_marks.get(row[0])]
    if not written:
        return
    # TRUNCATE, not DELETE: a truncated table has no pages left, so PostgreSQL plans the
    # next test's queries as on a new table (the plan tests depend on it; DELETE was 60x
    # faster but left dead pages and statistics that changed the plans).
    database.execute_sql("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in written)))
    # Rows migrations made go back where the TRUNCATE (or its CASCADE) emptied them.
    emptied = {row[0] for row in database.execute_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
        "AND relname = ANY(%s) AND pg_relation_size(oid) = 0", (list(_seed_rows),)).fetchall()}
    for table, (columns, rows) in _seed_rows.items():
        if table not in emptied:
            continue
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        for row in rows:
            database.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', row)
    for table in _seed_rows:
        _seed_marks[table] = _seed_mark(database, table)
    if _sequences:
        # Each sequence continues after the rows put back (or starts at 1), as RESTART IDENTITY.
        database.execute_sql("SELECT " + ", ".join(
            f"setval('{seq}', COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
            for seq, table, column in _sequences))


@pytest.fixture
def quiet_access_log():
    """Keep the access log's lines (thousands in fuzz runs) out of failure reports."""
    import logging

    logger = logging.getLogger("contacts.access")
    logger.disabled = True
    yield
    logger.disabled = False


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


@pytest.fixture
def dav(client, token):
    """client.open with HTTP Basic (the token as password), as CardDAV clients send it."""
    def _open(method: str, path: str, body: str | bytes = b"", headers: dict | None = None, **kwargs):
        return client.open(path, method=method, data=body, headers={**basic(token), **(headers or {})}, **kwargs)
    return _open
