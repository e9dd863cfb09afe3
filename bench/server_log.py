"""What the server itself logged during a bench: its slowest requests and every other line.

wrk's percentiles are corrected for coordinated omission: after the run, wrk adds to its
histogram, for every request slower than the mean interval between two requests of one
connection, the requests that connection would have sent meanwhile (`stats_correct`). So a
single pause of every connection turns into hundreds of samples up to the pause's length,
and a p99 of seconds can come from one event. The server's own access log (`duration_ms`
of every request, from its first hook to its last) tells such an event from a slow tail:
this section lists the slowest requests with their time, and the lines that are not
requests (warnings of the WAL checkpointer, of retried writes, tracebacks), counted.
"""
from __future__ import annotations

import heapq
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import orjson

SLOWEST = 8
OTHER_LINES = 12


class Request(NamedTuple):
    """One request as the server's access log recorded it."""

    duration_ms: float
    ts: str
    method: str
    route: str
    status: int
    pid: int


class Summary(NamedTuple):
    """The slowest requests and the other lines of one stretch of the server's log."""

    requests: int
    slowest: list[Request]
    other: Counter


def read(path: Path, start: int = 0, slowest: int = SLOWEST) -> Summary:
    """Summarise `path` from byte `start` (where this bench's server began writing)."""
    kept: list[Request] = []  # a min-heap of the slowest so far: its first is the one to drop
    other: Counter = Counter()
    count = 0
    with open(path, "rb") as log:
        log.seek(start)
        for raw in log:
            line = raw.rstrip(b"\n")
            if not line.startswith(b'{"ts"') or b'"event":"request"' not in line:
                if line.strip():
                    other[line.decode("utf-8", "replace")[:200]] += 1
                continue
            count += 1
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                other[line.decode("utf-8", "replace")[:200]] += 1
                continue
            duration = float(entry.get("duration_ms") or 0.0)
            if len(kept) == slowest and duration <= kept[0].duration_ms:
                continue  # most lines stop here, before a Request is made
            request = Request(duration, entry.get("ts", ""), entry.get("method", ""), entry.get("route", ""),
                              int(entry.get("status") or 0), int(entry.get("pid") or 0))
            (heapq.heappush if len(kept) < slowest else heapq.heapreplace)(kept, request)
    return Summary(count, sorted(kept, reverse=True), other)


def section(summary: Summary) -> str:
    """The report's section (markdown)."""
    out = [f"{summary.requests:,} requests logged. The slowest, by the server's own clock (from its first "
           "request hook to its last; time in the queue before a worker thread takes the request is not in it):",
           "", "| ms | time (UTC) | method | route | status | worker |", "|---:|---|---|---|---:|---:|"]
    out += [f"| {r.duration_ms:,.1f} | {r.ts} | {r.method} | `{r.route}` | {r.status} | {r.pid} |"
            for r in summary.slowest]
    if summary.other:
        out += ["", "Other lines of the log, counted (warnings, retried writes, tracebacks):", "",
                "| count | line |", "|---:|---|"]
        out += [f"| {n:,} | `{text.replace('|', '/').replace('`', '')}` |"
                for text, n in summary.other.most_common(OTHER_LINES)]
    return "\n".join(out)
