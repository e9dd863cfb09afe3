"""EXPLAIN QUERY PLAN of every SELECT a scenario's request runs, captured in-process.

The request is answered by the real app (create_app, auth off) through Flask's test
client while `execute_sql` of the database records each statement; every SELECT is then
explained. A plan that reads every row of `contact` (models.plans.plan_scans_table) fails
the check; a full walk of one of its indexes is reported as a note.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import database_url

SCANNED_TABLE = "contact"


@dataclass
class PlanReport:
    """The statements of one request, their plans and the verdict."""

    scenario: str
    request: str
    status: int = 0
    statements: list[tuple[str, list[str]]] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)  # plan lines that scan the contact table
    index_walks: list[str] = field(default_factory=list)  # full index walks on contact (notes)

    @property
    def ok(self) -> bool:
        return not self.scans and 200 <= self.status < 300


def contact_index_walks(plan: list[str]) -> list[str]:
    """The lines of an SQLite plan that walk a whole index of `contact`."""
    # A Peewee alias (tN) may be any table: the index's name (Peewee's `<table>_<columns>`)
    # tells whether the walk is over contact's.
    return [line for line in plan
            if re.match(rf"SCAN ({SCANNED_TABLE}|t\d+) USING (COVERING )?INDEX {SCANNED_TABLE}_", line)]


def explain_scenarios(db_path: Path, scenarios) -> list[PlanReport]:
    """Run the last request of each scenario marked `plan` in-process and explain its SELECTs."""
    from app import create_app
    from config import Config
    from models.connect import database
    from models.plans import plan_scans_table

    app = create_app(Config(database_url=database_url(db_path), auth=False))
    logging.getLogger("contacts.access").setLevel(logging.WARNING)  # no access line per explained request
    db = database.obj
    original = db.execute_sql
    captured: list[tuple[str, tuple]] = []

    def tracing(sql, params=None, *args, **kwargs):
        captured.append((sql, tuple(params or ())))
        return original(sql, params, *args, **kwargs)

    db.execute_sql = tracing
    client = app.test_client()
    reports = []
    try:
        for scenario in scenarios:
            if not scenario.plan or not scenario.lines:
                continue
            # The last line: a sequential write scenario sends it only if it ran out of lines.
            method, path, ctype, body = scenario.lines[-1]
            captured.clear()
            headers = {"X-Okapi-Tenant": "bench"}
            if ctype:
                headers["Content-Type"] = ctype
            response = client.open(path, method=method, headers=headers, data=body.encode() if body else None)
            report = PlanReport(scenario.name, f"{method} {path[:160]}", response.status_code)
            for sql, params in list(captured):
                if not re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE):
                    continue
                plan = [str(row[-1]) for row in original("EXPLAIN QUERY PLAN " + sql, params)]
                report.statements.append((sql, plan))
                if plan_scans_table(plan, SCANNED_TABLE):
                    report.scans.extend(line for line in plan if line.startswith("SCAN"))
                report.index_walks.extend(contact_index_walks(plan))
            reports.append(report)
    finally:
        db.execute_sql = original
        db.close()
        database.initialize(None)
    return reports
