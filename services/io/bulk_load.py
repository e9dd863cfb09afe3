"""Bulk-load mode: a whole import into an EMPTY store as one transaction, indexes built at the end.

When the contact table holds no row, a large import need not maintain its secondary
indexes card by card (random B-tree inserts into a million-entry UUID index are what
made the per-batch path slow down as it grew): the card tables' indexes on values
(ids, phones, emails, names, FOLIO keys) are dropped inside the transaction and
re-created from their own SQL when the load ends (CREATE INDEX sorts); indexes led by
the contact's key stay, as new cards only append to them. FOLIO's change triggers are
dropped because the load indexes every card itself. Everything happens in ONE write transaction, so the
load is all-or-nothing: a failure or a crash (even a killed process) leaves the store
as it was, empty and with every index and trigger in place. Other writers wait for
the load (readers keep reading the empty store until it commits).

Only SQLite takes this path; PostgreSQL and non-empty stores use the per-batch path.
"""
from __future__ import annotations

import logging

from peewee import OperationalError

from models.connect import database, is_sqlite
from models.serving import unless_served

from .. import search, substring
from ..folio import name_index

log = logging.getLogger(__name__)

# Tables the card writer fills: their secondary indexes are rebuilt at the end.
CARD_TABLES = ("contact", "contact_email", "contact_phone", "contact_address", "contact_url",
               "group_membership", name_index.KEY_TABLE)
# Page cache while loading (KiB, negative = size): the indexes being built stay in memory.
CACHE_KIB = 128 * 1024
FTS_TABLES = ("contact_fts", "folio_fts", "contact_trigram")  # merged once at the end of a load
# FTS5 pending-terms memory while loading (bytes; default 1 MB): fewer, larger segments to merge.
FTS_HASH_BYTES = 32 * 1024 * 1024
FTS_DEFAULT_HASH_BYTES = 1024 * 1024
FTS_DEFAULT_AUTOMERGE = 4  # FTS5's own default, for tables that never had it set


def store_is_empty() -> bool:
    """True when no contact is stored (the only state a bulk load may start from)."""
    return database.execute_sql("SELECT 1 FROM contact LIMIT 1").fetchone() is None


def _appended_in_order(index: str) -> bool:
    """Indexes led by the contact's key grow at their end as cards are added: cheap to keep."""
    columns = [row[2] for row in database.execute_sql(f'PRAGMA index_info("{index}")')]
    return bool(columns) and columns[0] == "contact_autokey"


class BulkLoad:
    """One bulk-load transaction: `begin()`, write cards (savepoints inside), then `finish()` or `abort()`."""

    def __init__(self) -> None:
        self._transaction = None
        self._indexes: list[tuple[str, str]] = []
        self._triggers: list[tuple[str, str]] = []
        self._cache_size = None
        self._foreign_keys = None
        self._journal_mode = None  # the mode to restore when the load changed it
        self._automerge: dict[str, int] = {}  # each FTS table's setting, restored at the end
        self._unserved = None  # servers kept from starting while the WAL is left (models.serving)

    @staticmethod
    def possible() -> bool:
        """Whether the current store can take a bulk load (SQLite, no contact yet)."""
        return is_sqlite() and store_is_empty()

    def begin(self) -> bool:
        """Open the transaction, drop the card tables' indexes and the FOLIO mark triggers.

        False (and nothing done) when a contact was stored since `possible()` said yes.
        """
        self._cache_size = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        database.execute_sql(f"PRAGMA cache_size = {-CACHE_KIB}")
        # Every reference the load writes is to a card it just wrote or a group it looked up:
        # no need to check each child row against its parent (set outside the transaction).
        self._foreign_keys = database.execute_sql("PRAGMA foreign_keys").fetchone()[0]
        database.execute_sql("PRAGMA foreign_keys = 0")
        self._leave_wal()
        self._transaction = database.atomic()
        self._transaction.__enter__()
        if not store_is_empty():  # checked again now that the write lock is held
            self.abort()
            return False
        marks = ",".join("?" * len(CARD_TABLES))
        self._indexes = [(name, sql) for name, sql in database.execute_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY rowid", CARD_TABLES) if not _appended_in_order(name)]
        self._triggers = [tuple(row) for row in database.execute_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND name IN ({','.join('?' * len(name_index.MARK_TRIGGERS))})", name_index.MARK_TRIGGERS)]
        for name, _ in self._indexes:
            database.execute_sql(f'DROP INDEX "{name}"')
        for name, _ in self._triggers:
            database.execute_sql(f'DROP TRIGGER "{name}"')
        name_index.reset_for_bulk_load()
        # No card exists, so any entry left in the search index is stale.
        database.execute_sql(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('delete-all')")
        database.execute_sql(f"DELETE FROM {substring.TABLE}")  # stores its texts: no 'delete-all'
        for table in FTS_TABLES:  # no merging while loading: one optimize at the end
            row = database.execute_sql(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()
            self._automerge[table] = int(row[0]) if row else FTS_DEFAULT_AUTOMERGE
            database.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
            database.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', {FTS_HASH_BYTES})")
        return True

    def finish(self) -> None:
        """Re-create the indexes and triggers and commit the whole load."""
        try:
            for table in FTS_TABLES:
                database.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', "
                                     f"{self._automerge.get(table, FTS_DEFAULT_AUTOMERGE)})")
                database.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', "
                                     f"{FTS_DEFAULT_HASH_BYTES})")
                database.execute_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            for _, sql in self._indexes:
                database.execute_sql(sql)
            for _, sql in self._triggers:
                database.execute_sql(sql)
        except BaseException:
            self.abort()
            raise
        transaction, self._transaction = self._transaction, None
        transaction.__exit__(None, None, None)
        self._restore()

    def abort(self) -> None:
        """Roll the whole load back (the store is left exactly as it was)."""
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            transaction.__exit__(RuntimeError, RuntimeError("bulk load aborted"), None)  # rolls back
        self._restore()

    def _leave_wal(self) -> None:
        """Load with a rollback journal when no server and no other connection has the file open.

        In WAL mode every page of the load is written twice (to the WAL, then by the
        checkpoint) and each page read looks up the WAL index; with a rollback journal the
        new pages go straight to the file and the journal holds only the few pages the
        empty store had, so a failure still rolls everything back. Another connection
        (e.g. a running server) keeps the WAL: switching fails at once (no busy wait).
        A server that runs but has not connected yet (a fresh one) is known by its lock
        (models.serving): its readers would be locked out for the whole load, so the WAL is
        kept; a server started during a load waits for it (the lock is held until the end).
        """
        if str(database.execute_sql("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            return
        self._unserved = unless_served(database.obj)
        if not self._unserved.__enter__():
            self._release_servers()
            return
        timeout = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        database.execute_sql("PRAGMA busy_timeout = 0")
        try:
            mode = database.execute_sql("PRAGMA journal_mode = DELETE").fetchone()[0]
        except OperationalError:  # other connections: keep the WAL
            self._release_servers()
            return
        finally:
            database.execute_sql(f"PRAGMA busy_timeout = {int(timeout)}")
        if str(mode).lower() == "delete":
            self._journal_mode = "wal"
        else:
            self._release_servers()

    def _release_servers(self) -> None:
        """Let servers start again (they waited for the load to put the WAL back)."""
        unserved, self._unserved = self._unserved, None
        if unserved is not None:
            unserved.__exit__(None, None, None)

    def _restore(self) -> None:
        if self._journal_mode is not None:
            mode, self._journal_mode = self._journal_mode, None
            try:
                database.execute_sql(f"PRAGMA journal_mode = {mode}")
            except OperationalError as exc:  # a reader connected meanwhile; every connection sets WAL itself
                log.warning("bulk load: journal mode not restored to %s yet: %s", mode, exc)
        self._release_servers()
        if self._foreign_keys is not None:
            database.execute_sql(f"PRAGMA foreign_keys = {int(self._foreign_keys)}")
            self._foreign_keys = None
        if self._cache_size is not None:
            database.execute_sql(f"PRAGMA cache_size = {int(self._cache_size)}")
            self._cache_size = None
