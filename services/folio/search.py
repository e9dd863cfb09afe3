"""Running a translated CQL query on the store: ids of a page, the total, the plan."""
from __future__ import annotations

from models import Contact
from models.connect import database
from models.plans import plan_scans_table, query_plan

from .errors import CQLError, CQLRuntimeError
from .name_index import DIRTY_TABLE, FTS_TABLE, KEY_TABLE, sync
from .snapshot import Snapshot, snapshot
from .translate import Compiled, Sql

# PostgreSQL errors that are the client's fault, answered with PostgreSQL's text (400)
_CLIENT_SQLSTATES = {"22P02"}  # invalid_text_representation: `=/number` on a non-number
# an index entry walked costs about this many times less than a hit fetched and sorted
WALK_FACTOR = 4


def _where(compiled: Compiled) -> Sql:
    where = Sql(compiled.where.text, list(compiled.where.params))
    if compiled.candidates is not None:
        where = Sql(f"({where.text}) AND contact.autokey IN ({compiled.candidates.text})",
                    where.params + compiled.candidates.params)
    return where


def page_sql(compiled: Compiled, limit: int, offset: int, *, walk: bool = False) -> Sql:
    """SELECT of the autokeys of one page, in the query's order.

    SQLite, sorted by name keys: `walk` reads the key index in order and probes the hit
    set rather than fetching and sorting every hit (best when hits are many; always so
    without an index narrowing the hits).
    """
    if not compiled.pg and compiled.key_order and compiled.order_by:
        return _key_page(compiled, limit, offset, walk or compiled.candidates is None)
    if compiled.fts and not compiled.order_by:
        # FTS5 yields rowids in order: the page stops after limit + offset existing cards
        return Sql(f"SELECT f.rowid FROM {FTS_TABLE} f CROSS JOIN {KEY_TABLE} k ON k.contact_autokey = f.rowid "
                   f"WHERE f.{FTS_TABLE} MATCH ? ORDER BY f.rowid LIMIT ? OFFSET ?", [compiled.fts, limit, offset])
    where = _where(compiled)
    if compiled.order_by:
        order = ", ".join(piece.text for piece in compiled.order_by)
        params = [p for piece in compiled.order_by for p in piece.params]
        if compiled.pg:  # sort keys are expressions on contact (indexed by migration 0201)
            source = "contact"
            if compiled.narrow:
                # Few hits through an index: fetch them all, then sort (OFFSET 0 keeps the
                # planner from walking the sort index instead, filtering row after row).
                source = f"(SELECT * FROM contact WHERE {where.text} OFFSET 0) AS contact"
                where = Sql("TRUE", [])
            return Sql(f"SELECT contact.autokey FROM {source} WHERE {where.text} "
                       f"ORDER BY {order}, contact.autokey LIMIT ? OFFSET ?",
                       _where(compiled).params + params + [limit, offset])
        return Sql(f"SELECT contact.autokey FROM contact JOIN {KEY_TABLE} "
                   f"ON {KEY_TABLE}.contact_autokey = contact.autokey WHERE {where.text} "
                   f"ORDER BY {order}, {KEY_TABLE}.contact_autokey LIMIT ? OFFSET ?",
                   where.params + params + [limit, offset])
    where = _where(compiled)
    return Sql(f"SELECT contact.autokey FROM contact WHERE {where.text} ORDER BY contact.autokey "
               "LIMIT ? OFFSET ?", where.params + [limit, offset])


def _key_page(compiled: Compiled, limit: int, offset: int, walk: bool) -> Sql:
    """A SQLite page sorted by folio_key columns (folio_key has a row for every existing card)."""
    order = ", ".join(piece.text for piece in [*compiled.order_by, Sql(f"{KEY_TABLE}.contact_autokey")])
    params = [p for piece in compiled.order_by for p in piece.params]
    source, where = KEY_TABLE, Sql("1")
    if not compiled.exact:  # the residual reads contact; CROSS JOIN: folio_key drives the walk
        join = "CROSS JOIN" if walk else "JOIN"
        source = f"{KEY_TABLE} {join} contact ON contact.autokey = {KEY_TABLE}.contact_autokey"
        where = compiled.where
    cand = compiled.candidates
    if cand is not None:
        # `+`: no fetching each hit by rowid, so SQLite walks the sort index and probes the hits
        probe = "+" if walk else ""
        where = Sql(f"({where.text}) AND {probe}{KEY_TABLE}.contact_autokey IN ({cand.text})",
                    where.params + cand.params)
    return Sql(f"SELECT {KEY_TABLE}.contact_autokey FROM {source} WHERE {where.text} "
               f"ORDER BY {order} LIMIT ? OFFSET ?", where.params + params + [limit, offset])


def count_sql(compiled: Compiled) -> Sql:
    """SELECT COUNT(*) of every hit."""
    if compiled.exact:
        # no row test at all: the index's hits, restricted to existing cards
        cand = compiled.candidates
        assert cand is not None
        joined = Sql(f"SELECT COUNT(*) FROM {KEY_TABLE} WHERE contact_autokey IN ({cand.text})", cand.params)
        if compiled.fts is None:
            return joined
        # Only marked cards (deleted ones not yet flushed) can leave entries in folio_fts
        # that are not existing cards: with no mark, FTS5 counts alone (one statement, one snapshot).
        return Sql(f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {DIRTY_TABLE}) THEN ({joined.text}) "
                   f"ELSE (SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?) END",
                   joined.params + [compiled.fts])
    where = _where(compiled)
    return Sql(f"SELECT COUNT(*) FROM contact WHERE {where.text}", where.params)


def _walks(compiled: Compiled, hits: int, limit: int, offset: int, cards: int) -> bool:
    """Whether walking the sort index beats sorting the hits: the walk reads about
    (offset + limit) * cards / hits index entries, the sort fetches and sorts every hit."""
    if compiled.pg or not (compiled.key_order and compiled.order_by):
        return False
    return (offset + limit) * cards < WALK_FACTOR * hits * hits


def native(sql: Sql, pg: bool) -> str:
    """The statement in the driver's parameter style (the translator writes `?`)."""
    # No `?` or `%` appears in the SQL text itself: every value is a parameter.
    return sql.text.replace("%", "%%").replace("?", "%s") if pg else sql.text


def _client_error(exc: Exception) -> CQLRuntimeError | None:
    """The CQLRuntimeError behind a failed statement, if the client caused it."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CQLRuntimeError):  # raised inside an SQLite function
            return cause
        diag = getattr(cause, "diag", None)
        if diag is not None and getattr(cause, "sqlstate", None) in _CLIENT_SQLSTATES:
            return CQLRuntimeError(diag.message_primary)
        cause = (cause.args[0] if cause.args and isinstance(cause.args[0], BaseException)
                 else cause.__cause__ or cause.__context__)
    return None


def _run(sql: Sql, pg: bool) -> list[tuple]:
    try:
        if pg:
            with database.atomic():  # a failed statement must not poison an outer transaction
                return list(database.execute_sql(native(sql, pg), sql.params))
        return list(database.execute_sql(sql.text, sql.params))
    except CQLError:
        raise
    except Exception as exc:
        error = _client_error(exc)
        if error is not None:
            raise error from None
        raise


def find(compiled: Compiled, limit: int, offset: int, *, count: bool) -> tuple[list[int], int | None]:
    """Autokeys of the requested page and, when asked, the exact number of hits."""
    state: Snapshot | None = None
    if not compiled.pg:
        # one probe (or none, while nobody wrote since); sync() writes only when a mark waits
        state = snapshot()
        if state.pending:
            sync(probe=False)
            state = snapshot()
    total = None
    walk = False
    if count or (limit > 0 and compiled.exact and compiled.key_order and compiled.order_by):
        # exact hits are counted first: the count picks how the page is read
        total = _count(compiled, state)
        walk = limit > 0 and state is not None and _walks(compiled, total, limit, offset, state.cards)
    keys = [row[0] for row in _run(page_sql(compiled, limit, offset, walk=walk), compiled.pg)] if limit > 0 else []
    return keys, total if count else None


def _count(compiled: Compiled, state: Snapshot | None) -> int:
    """The number of hits; SQLite reuses it until the database is written (the UI pages
    through one query, asking for the same total on every page)."""
    sql = count_sql(compiled)
    if state is None:
        return _run(sql, compiled.pg)[0][0]
    return state.remember(("count", sql.text, *sql.params), lambda: _run(sql, False)[0][0])


def explain(sql: Sql, pg: bool) -> list[str]:
    """The engine's plan of a statement, one line per step (models.plans.query_plan)."""
    return query_plan(Contact.raw(native(sql, pg), *sql.params))


def scans_contact_table(plan: list[str]) -> bool:
    """Whether a plan from `explain` reads every row of the contact table."""
    return plan_scans_table(plan, "contact")
