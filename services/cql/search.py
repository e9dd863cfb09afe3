"""Running a translated CQL query on the store: ids of a page, the total, the plan."""
from __future__ import annotations

from models.db import database

from .errors import CQLError, CQLRuntimeError
from .name_index import KEY_TABLE, sync
from .translate import Compiled, Sql


def _where(compiled: Compiled) -> Sql:
    where = Sql(compiled.where.text, list(compiled.where.params))
    if compiled.candidates is not None:
        where = Sql(f"({where.text}) AND contact.autokey IN ({compiled.candidates.text})",
                    where.params + compiled.candidates.params)
    return where


def page_sql(compiled: Compiled, limit: int, offset: int) -> Sql:
    """SELECT of the autokeys of one page, in the query's order."""
    where = _where(compiled)
    if compiled.order_by:
        order = ", ".join(piece.text for piece in compiled.order_by)
        params = [p for piece in compiled.order_by for p in piece.params]
        return Sql(f"SELECT contact.autokey FROM contact JOIN {KEY_TABLE} "
                   f"ON {KEY_TABLE}.contact_autokey = contact.autokey WHERE {where.text} "
                   f"ORDER BY {order}, {KEY_TABLE}.contact_autokey LIMIT ? OFFSET ?",
                   where.params + params + [limit, offset])
    return Sql(f"SELECT contact.autokey FROM contact WHERE {where.text} ORDER BY contact.autokey "
               "LIMIT ? OFFSET ?", where.params + [limit, offset])


def count_sql(compiled: Compiled) -> Sql:
    """SELECT COUNT(*) of every hit."""
    where = _where(compiled)
    return Sql(f"SELECT COUNT(*) FROM contact WHERE {where.text}", where.params)


def _run(sql: Sql) -> list[tuple]:
    try:
        return list(database.execute_sql(sql.text, sql.params))
    except CQLError:
        raise
    except Exception as exc:  # a CQLRuntimeError raised inside an SQL function
        cause = exc
        while cause is not None and not isinstance(cause, CQLRuntimeError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise cause from None
        raise


def find(compiled: Compiled, limit: int, offset: int, *, count: bool) -> tuple[list[int], int | None]:
    """Autokeys of the requested page and, when asked, the exact number of hits."""
    sync()
    keys = [row[0] for row in _run(page_sql(compiled, limit, offset))] if limit > 0 else []
    total = _run(count_sql(compiled))[0][0] if count else None
    return keys, total


def explain(sql: Sql) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN lines for a statement (for tests and the bench)."""
    return [str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql.text, sql.params)]
