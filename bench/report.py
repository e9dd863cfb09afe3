"""The bench's report: a markdown table of the scenarios, the targets, plans, import and RSS."""
from __future__ import annotations

import datetime
import platform
from pathlib import Path

from .cpu import Usage
from .load import Result
from .plans import PlanReport


def machine() -> str:
    """CPU model, cores, memory and OS, one line."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = "? GB"
    import os

    return f"{model}, {os.cpu_count()} cores, {memory} RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def verdict(result: Result, targets: dict) -> tuple[str, bool | None]:
    """The targets as text and whether they are met (None: no target)."""
    parts, ok = [], True
    if "ratio_min" in targets and result.ratio is not None:
        parts.append(f"ratio >= {targets['ratio_min']:.2f}")
        ok &= result.ratio >= targets["ratio_min"]
    if "p99_max" in targets:
        parts.append(f"p99 <= {targets['p99_max']:g} ms")
        ok &= result.p99 <= targets["p99_max"]
    if "p99_x_base_max" in targets and result.p99_x_base is not None:
        parts.append(f"p99 <= {targets['p99_x_base_max']:g}x the baseline's (x{result.p99_x_base:.2f})")
        ok &= result.p99_x_base <= targets["p99_x_base_max"]
    if "p95_max" in targets:
        parts.append(f"p95 <= {targets['p95_max']:g} ms")
        ok &= result.p95 <= targets["p95_max"]
    if "rps_min" in targets:
        floor = targets.get("rps_min_when_base")
        if floor is None:
            parts.append(f">= {targets['rps_min']:,}/s")
            ok &= result.rps >= targets["rps_min"]
        elif result.base_rps is not None and result.base_rps >= floor:
            parts.append(f">= {targets['rps_min']:,}/s (baseline >= {floor:,}/s)")
            ok &= result.rps >= targets["rps_min"]
        else:  # the absolute floor holds only on a host at least this fast
            parts.append(f">= {targets['rps_min']:,}/s n/a (baseline < {floor:,}/s)")
    if "e5xx_max" in targets:
        parts.append("0 5xx, 0 lock errors")
        ok &= result.e5xx == 0 and result.locked == 0
    if not parts:
        return "", None
    return ", ".join(parts), bool(ok)


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "FAIL")


def table(rows: list[tuple[Result, dict]]) -> str:
    """The scenario table (markdown)."""
    out = ["| scenario | conc | req/s | p50 ms | p95 ms | p99 ms | errors (5xx, lock) | x baseline | target | |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for result, targets in rows:
        text, ok = verdict(result, targets)
        ratio = f"{result.ratio:.2f}" if result.ratio is not None else ""
        errors = f"{result.errors}" + (f" ({result.e5xx}, {result.locked})" if result.e5xx or result.locked
                                       or "e5xx_max" in targets else "")
        rps = f"{result.rps:,.0f}" if result.rps >= 10 else f"{result.rps:.2f}"
        out.append(f"| {result.name} | {result.concurrency} | {rps} | {result.p50:.2f} | "
                   f"{result.p95:.2f} | {result.p99:.2f} | {errors} | {ratio} | {text} | {_mark(ok)} |")
    return "\n".join(out)


def worst_of(runs: list[list[tuple[Result, dict]]]) -> list[tuple[Result, dict]]:
    """One row per scenario with the worst value of each measure over the runs (a target met once is not met)."""
    if len(runs) == 1:
        return runs[0]
    out = []
    for rows in zip(*runs):  # every run has the same scenarios in the same order
        results = [result for result, _ in rows]
        worst = Result(name=results[0].name, concurrency=results[0].concurrency,
                       requests=min(r.requests for r in results), seconds=min(r.seconds for r in results),
                       rps=min(r.rps for r in results), p50=max(r.p50 for r in results),
                       p95=max(r.p95 for r in results), p99=max(r.p99 for r in results),
                       errors=max(r.errors for r in results), e5xx=max(r.e5xx for r in results),
                       locked=max(r.locked for r in results), wrapped=max(r.wrapped for r in results),
                       tool=results[0].tool)
        ratios = [r.ratio for r in results if r.ratio is not None]
        worst.ratio = min(ratios) if ratios else None
        p99_x = [r.p99_x_base for r in results if r.p99_x_base is not None]
        worst.p99_x_base = max(p99_x) if p99_x else None
        bases = [r.base_rps for r in results if r.base_rps is not None]
        worst.base_rps = max(bases) if bases else None  # the absolute floor applies if any run was fast enough
        out.append((worst, rows[0][1]))
    return out


def cpu_section(runs: list[list[tuple[Result, dict]]]) -> str:
    """Per scenario and run: the server's CPU time per request, as a multiple of the bare endpoint's, and
    how busy the host was."""
    if not runs or not any(result.cpu_usage for rows in runs for result, _ in rows):
        return "Not measured (no /proc on this system)."
    heads = [f"run {n}" for n in range(1, len(runs) + 1)] if len(runs) > 1 else ["this run"]
    out = ["| scenario | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    bases = [rows[0][0].cpu_usage for rows in runs]  # the first row of a run is its baseline (cli._with_ratios)
    for rows in zip(*runs):  # every run has the same scenarios in the same order
        cells = [_cpu_cell(result.cpu_usage, base) for (result, _), base in zip(rows, bases)]
        # The baseline's name carries run 1's median range (cli._with_ratios): one label for all runs.
        out.append(f"| {rows[0][0].name.split(', median of')[0]} | " + " | ".join(cells) + " |")
    return "\n".join(out) + (
        "\n\nEach cell: the server's CPU time (user + system, all its processes) per request, the same as a "
        "multiple of the bare endpoint's in that run, and how busy the host's CPUs were (the load "
        "generator's work included). A rate that stops short while the host is not busy is bound by "
        "something other than the CPU: for creates, the writer lock and the disk's sync (docs/benchmarks.md).")


def _cpu_cell(usage: Usage | None, base: Usage | None) -> str:
    if usage is None:
        return "n/a"
    times = (f" (x{usage.server_us_per_request / base.server_us_per_request:.1f})"
             if base is not None and base.server_us_per_request > 0 else "")
    return f"{usage.server_us_per_request:,.0f} us{times}, host {usage.host_busy:.0%}"


def plans_section(reports: list[PlanReport]) -> str:
    """One line per scenario, then the plans."""
    out = ["| scenario | status | SELECTs | scans `contact` | full index walks on `contact` |",
           "|---|---:|---:|---|---|"]
    for r in reports:
        out.append(f"| {r.scenario} | {r.status} | {len(r.statements)} | "
                   f"{'YES: ' + '; '.join(sorted(set(r.scans))) if r.scans else 'no'} | "
                   f"{'; '.join(sorted(set(r.index_walks))) or '-'} |")
    out.append("\n<details><summary>EXPLAIN QUERY PLAN of every SELECT</summary>\n")
    for r in reports:
        out.append(f"**{r.scenario}** `{r.request}`\n")
        for sql, plan in r.statements:
            out.append("```\n" + sql[:600] + "\n" + "\n".join(f"  {line}" for line in plan) + "\n```")
    out.append("</details>")
    return "\n".join(out)


def document(*, title: str, command: str, sections: list[tuple[str, str]]) -> str:
    """The whole markdown report."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"# {title}", "", f"- date: {now}", f"- machine: {machine()}", f"- command: `{command}`", ""]
    body = []
    for heading, text in sections:
        body += [f"## {heading}", "", text, ""]
    return "\n".join(head + body)
