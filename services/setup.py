"""Setting the services up on an opened database: what no module does on import.

Whatever opens the store for the services calls `install`: app.create_app, the
CLI's `open_store` (import, seed, mpdx import...), and scripts and tests that open a
database themselves (models.connect.open_database) and then write cards.
"""
from __future__ import annotations

import peewee

from models.connect import is_sqlite

from . import search, substring
from .folio import functions as cql_functions
from .folio import name_index


def install(db: peewee.Database, *, folio_array_text: cql_functions.ArrayText | None = None) -> None:
    """Register what every card write keeps up to date, the substring search's SQL function (SQLite)
    and, given FOLIO's array renderer, the CQL SQL functions.

    FOLIO's name index is kept by a search indexer (registered for the process, once);
    `folio_array_text` (schemas.folio.array_text, which services may not import) renders
    FOLIO's child arrays for the CQL functions, registered on every SQLite connection of `db`.
    """
    search.register_indexer(name_index.INDEXER, new_cards=False)
    if is_sqlite(db):
        db.register_function(substring.substring_like, "substring_like", 2)  # the substring index's recheck
    if folio_array_text is not None and is_sqlite(db):
        cql_functions.register(db, folio_array_text)
