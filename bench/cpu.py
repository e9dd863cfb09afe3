"""CPU used during a load run: the server's CPU time per request and how busy the host was.

A ratio of req/s to the bare endpoint moves with the host: on a faster host the bare endpoint
speeds up more than a create, whose rate is also bound by the writer lock and the disk's
sync. CPU time per request is steadier, so each report also gives, per scenario, the
server's CPU time (its processes' user + system time, from /proc/<pid>/stat) per request and
how busy the host's CPUs were (/proc/stat), with the load generator's own work in the latter.
On a system without /proc the readings are None and the report says so.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Reading:
    """CPU counters at one moment, in clock ticks."""

    server: int  # user + system time of the server's processes
    host_busy: int  # every CPU's time not idle (user, nice, system, irq, softirq)
    host_total: int  # the same plus idle, iowait and steal


@dataclass(frozen=True)
class Usage:
    """CPU used between two readings."""

    server_us_per_request: float
    host_busy: float  # 0..1 of all the host's CPUs


def read(pids: Sequence[int], proc: Path = Path("/proc")) -> Reading | None:
    """The counters now for the processes `pids` (a process that has gone counts 0); None without /proc."""
    try:
        fields = (proc / "stat").read_text().splitlines()[0].split()[1:9]
    except (OSError, IndexError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(value) for value in fields)
    busy = user + nice + system + irq + softirq
    return Reading(sum(_process_ticks(proc, pid) for pid in pids), busy, busy + idle + iowait + steal)


def _process_ticks(proc: Path, pid: int) -> int:
    """utime + stime of one process, all its threads (0 once it has exited)."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return 0
    # The command name, in parentheses, may hold spaces: the fields after it are fixed.
    after_name = text[text.rindex(")") + 2:].split()
    return int(after_name[11]) + int(after_name[12])  # fields 14 and 15 of proc(5)


def usage(before: Reading | None, after: Reading | None, requests: int) -> Usage | None:
    """The server's CPU time per request and the host's busy share between the readings."""
    if before is None or after is None or requests <= 0 or after.host_total <= before.host_total:
        return None
    if after.server < before.server:  # a worker was replaced during the run: its time is lost
        return None
    server_seconds = (after.server - before.server) / _TICKS
    return Usage(server_us_per_request=server_seconds / requests * 1e6,
                 host_busy=(after.host_busy - before.host_busy) / (after.host_total - before.host_total))
