"""Acknowledged writes survive a power cut: SQLite syncs each commit (synchronous=FULL) unless
the operator chooses CONTACTS_SQLITE_SYNCHRONOUS=normal, documented as the faster, weaker option."""
from __future__ import annotations

import os

import pytest

from app import create_app
from config import Config
from models.connect import database

pytestmark = pytest.mark.skipif(
    os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"),
    reason="synchronous is SQLite's")

LEVELS = {0: "off", 1: "normal", 2: "full", 3: "extra"}


def _synchronous(tmp_path, environ: dict) -> str:
    config = Config.from_env({"CONTACTS_DATABASE_URL": f"sqlite:///{tmp_path}/c.db", **environ})
    create_app(config)
    try:
        return LEVELS[database.execute_sql("PRAGMA synchronous").fetchone()[0]]
    finally:
        database.close()


def test_every_commit_is_synced_by_default(tmp_path):
    assert _synchronous(tmp_path, {}) == "full"


def test_normal_is_an_option(tmp_path):
    assert _synchronous(tmp_path, {"CONTACTS_SQLITE_SYNCHRONOUS": "normal"}) == "normal"


def test_a_made_up_level_is_refused():
    with pytest.raises(ValueError, match="CONTACTS_SQLITE_SYNCHRONOUS"):
        Config.from_env({"CONTACTS_SQLITE_SYNCHRONOUS": "sometimes"})


def test_serve_opens_its_connections_with_the_configured_settings():
    from models.wal import deferred_checkpoints

    settings = deferred_checkpoints(Config.from_env({"CONTACTS_WAL_LIMIT_BYTES": "1000000"}).sqlite_settings())
    assert settings.pragmas()["synchronous"] == "full"
    assert settings.pragmas()["journal_size_limit"] == 1_000_000
    assert settings.pragmas()["wal_autocheckpoint"] == 0
