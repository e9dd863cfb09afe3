"""Query plans: what the engine will do for a query, to check that an index serves it.

Used by tests and bench/ (its plan check fails a run whose hot queries scan a table).
"""
from __future__ import annotations

import re

from .connect import database, is_sqlite


def query_plan(query) -> list[str]:
    """The engine's plan for a Peewee query, one line per step (SQLite or PostgreSQL).

    On PostgreSQL sequential scans are disabled for the EXPLAIN so that the plan shows
    whether an index *can* serve the query, whatever the (tiny) test table size.
    """
    sql, params = query.sql()
    if is_sqlite():
        return [str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    with database.atomic():
        database.execute_sql("SET LOCAL enable_seqscan = off")
        return [row[0] for row in database.execute_sql("EXPLAIN " + sql, params)]


def plan_scans_table(plan: list[str], table: str) -> bool:
    """Whether a plan from `query_plan` reads every row of `table` (or of a Peewee alias `tN`).

    Scans of FTS5 virtual tables are index lookups, not table scans.
    """
    for line in plan:
        match = re.match(r"SCAN (\S+)", line)
        if match and "USING" not in line and "VIRTUAL TABLE" not in line:
            if match.group(1) == table or re.fullmatch(r"t\d+", match.group(1)):
                return True
        if re.search(rf"Seq Scan on {re.escape(table)}\b", line):
            return True
    return False
