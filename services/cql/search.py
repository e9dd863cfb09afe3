"""Running a translated CQL query on the store: ids of a page, the total, the plan."""
from __future__ import annotations

from models import Contact
from models.db import database, plan_scans_table, query_plan

from .errors import CQLError, CQLRuntimeError
from .name_index import KEY_TABLE, sync
from .translate import Compiled, Sql

# PostgreSQL errors that are the client's fault, answered with PostgreSQL's text (400)
_CLIENT_SQLSTATES = {"22P02"}  # invalid_text_representation: `=/number` on a non-number


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
    return Sql(f"SELECT contact.autokey FROM contact WHERE {where.text} ORDER BY contact.autokey "
               "LIMIT ? OFFSET ?", where.params + [limit, offset])


def count_sql(compiled: Compiled) -> Sql:
    """SELECT COUNT(*) of every hit."""
    where = _where(compiled)
    return Sql(f"SELECT COUNT(*) FROM contact WHERE {where.text}", where.params)


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
    if not compiled.pg:
        sync()
    keys = [row[0] for row in _run(page_sql(compiled, limit, offset), compiled.pg)] if limit > 0 else []
    total = _run(count_sql(compiled), compiled.pg)[0][0] if count else None
    return keys, total


def explain(sql: Sql, pg: bool) -> list[str]:
    """The engine's plan of a statement, one line per step (models.db.query_plan)."""
    return query_plan(Contact.raw(native(sql, pg), *sql.params))


def scans_contact_table(plan: list[str]) -> bool:
    """Whether a plan from `explain` reads every row of the contact table."""
    return plan_scans_table(plan, "contact")
