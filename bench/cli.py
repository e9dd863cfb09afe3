"""`python -m bench`: seed, serve, load, compare, report (see the README, section "Benchmarks")."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from . import load, plans, report, scenarios, server_log
from .dataset import ROOT, WORK, database_file, log
from .samples import Client, Samples, niagara_pages, osid_book, osid_contact_ids, seed_osid, stored_cards
from .server import Server, create_token

RESULTS = ROOT / "bench" / "results"


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts to seed (default 1,000,000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    parser.add_argument("--mixed-duration", type=float, default=60.0, help="seconds of mixed load (default 60)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI smoke: 2,000 contacts, 2 s per scenario, no rivals; fails only on "
                             "errors, 5xx or plan scans")
    parser.add_argument("--seed", type=int, default=1, help="data seed (default 1)")
    parser.add_argument("--workers", type=int, default=None, help="server workers (default: the server's)")
    parser.add_argument("--tool", choices=("wrk", "python"), default=None,
                        help="load generator (default: wrk when installed, else the bundled Python one)")
    parser.add_argument("--no-rivals", action="store_true", help="skip Datasette and json-server")
    parser.add_argument("--fresh", action="store_true", help="re-import instead of using the cached database")
    parser.add_argument("--output", default=None, help="report file (default bench/results/<date>.md)")
    parser.add_argument("--runs", type=int, default=1,
                        help="run the scenarios this many times in a row on one server and report the worst "
                             "of the runs per target (default 1; issue 23 asks for 3)")
    parser.add_argument("--only", action="append", default=None, metavar="TEXT",
                        help="run only the scenarios whose name contains TEXT (repeatable; the baseline always runs)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.contacts = 2000 if args.contacts == 1_000_000 else args.contacts
        args.duration = min(args.duration, 2.0)
        args.mixed_duration = min(args.mixed_duration, 4.0)
        args.no_rivals = True
    return args


def _run_db(pristine: Path, count: int) -> Path:
    """A working copy of the cached database: writes of a run never reach the cache."""
    target = WORK / "db" / f"run-{count}.db"
    for stale in target.parent.glob(target.name + "*"):
        stale.unlink()
    shutil.copyfile(pristine, target)
    wal = Path(str(pristine) + "-wal")
    if wal.exists():  # commits not yet checkpointed into the file are part of the database
        shutil.copyfile(wal, str(target) + "-wal")
    return target


def _ensure_osid(pristine: Path, count: int, workers: int | None) -> int:
    """OSID objects in the cached database (made once, over HTTP)."""
    marker = pristine.with_suffix(".osid.json")
    if marker.exists():
        return json.loads(marker.read_text())["contacts"]
    wanted = min(max(count // 200, 200), 5000)
    token = create_token(pristine)
    with Server(pristine, workers=workers) as server:
        made = seed_osid(server.base_url, token, wanted)
    marker.write_text(json.dumps({"contacts": made}))
    return made


def _warm(client: Client, all_scenarios) -> None:
    """A few requests per read scenario so that every worker has its caches and imports."""
    for scenario in all_scenarios:
        if scenario.kind in ("read", "search", "baseline"):
            for method, path, ctype, body in scenario.lines[:8]:
                # A Content-Type without a body (MPDX's GETs) goes with an empty one.
                client.call(method, path, body or (b"" if ctype else None), ctype or "application/json")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = _args(argv)
    sys.path.insert(0, str(ROOT))
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    tool = load.load_tool(args.tool)
    started = time.perf_counter()
    (WORK / "server.log").unlink(missing_ok=True)  # this run's servers append to it (gigabytes at 1M)

    pristine, import_stats = database_file(args.contacts, args.seed, fresh=args.fresh)
    osid_count = _ensure_osid(pristine, args.contacts, args.workers)
    run_db = _run_db(pristine, args.contacts)
    samples = Samples(osid_contacts=osid_count)
    samples.ids, samples.phones = stored_cards(run_db, 5000, args.seed)
    token = create_token(run_db)

    with Server(run_db, workers=args.workers) as server:
        client = Client(server.base_url, token)
        samples.niagara_pages = niagara_pages(client, 400)
        samples.osid_book_id = osid_book(client)
        samples.osid_contact_ids = osid_contact_ids(client, samples.osid_book_id, min(osid_count, 1000))
        status, body = client.call("GET", f"/rest/v1/addressbook/contacts/{samples.ids[0]}")
        size = len(json.dumps(body, separators=(",", ":")).encode()) if status == 200 else 600
        read_scenarios = scenarios.reads(samples)
        search_scenarios = scenarios.searches(samples)
        write_scenarios = scenarios.writes(args.duration)
        # The mixed load reads from every read and search scenario, also under --only.
        mixed_sources = read_scenarios + search_scenarios
        mixed = scenarios.mixed(samples, mixed_sources, args.mixed_duration)
        base = scenarios.baseline(size)
        every = [base, *read_scenarios, *search_scenarios, *write_scenarios, mixed]
        if args.only:
            every = [base] + [s for s in every[1:] if any(text in s.name for text in args.only)]
            read_scenarios, search_scenarios, write_scenarios = (
                [s for s in group if s in every] for group in (read_scenarios, search_scenarios, write_scenarios))
        _warm(client, every)

        log(f"load generator: {tool}; {args.duration:g} s per scenario, mixed {args.mixed_duration:g} s"
            + (f"; {args.runs} runs" if args.runs > 1 else ""))
        all_runs, all_results, wal_sizes = [], [], []
        for number in range(1, max(1, args.runs) + 1):
            runs = []
            for scenario in _run_order(base, every[1:]):
                duration = args.mixed_duration if scenario.kind == "mixed" else args.duration
                path = scenario.write(WORK / "requests")
                server_pids = [server.process.pid, *server.worker_pids()]  # their CPU per request, in the report
                result = load.run(scenario.name, path, server.base_url, token, concurrency=scenario.concurrency,
                                  duration=duration, order=scenario.order, check=scenario.check, tool=tool,
                                  server_pids=server_pids)
                log(f"run {number}: {scenario.name}: {result.rps:,.0f} req/s, p50 {result.p50:.2f} ms, "
                    f"p95 {result.p95:.2f} ms, p99 {result.p99:.2f} ms, errors {result.errors} "
                    f"(5xx {result.e5xx}, locked {result.locked})")
                runs.append((scenario, result))
                if scenario.kind in ("write", "mixed"):
                    wal_sizes.append((f"{scenario.name} (run {number})" if args.runs > 1 else scenario.name,
                                      _wal_bytes(run_db)))
            all_runs += runs
            all_results.append(_with_ratios(runs))
            if number < args.runs:  # new bodies: a create must stay unique (Niagara refuses a taken email)
                every = _with_new_writes(every, samples, mixed_sources, args)
        results = report.worst_of(all_results)
        worker_rss = server.worker_rss_mb()
    log_text = server_log.section(server_log.read(server.log_path, server.log_start))  # stopped: all written

    plan_reports = plans.explain_scenarios(run_db, [*read_scenarios, *search_scenarios, *write_scenarios])
    rivals_text = "skipped (--smoke or --no-rivals)"
    if not args.no_rivals:
        from . import rivals

        rivals_text = rivals.compare(run_db, args, samples, results, tool)

    failures = _failures([(result, scenario.targets) for scenario, result in all_runs], plan_reports)
    text = _document(command, args, tool, import_stats, results, worker_rss, plan_reports, rivals_text,
                     failures, time.perf_counter() - started, wal_sizes, all_results, log_text)
    print(text)
    output = Path(args.output) if args.output else RESULTS / (
        datetime.date.today().isoformat() + ("-smoke" if args.smoke else "") + ".md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    log(f"report written to {output}")
    if failures:
        log("FAILED: " + "; ".join(failures))
        return 1
    return 0


def _with_new_writes(every: list[scenarios.Scenario], samples: Samples, reads: list[scenarios.Scenario],
                     args: argparse.Namespace) -> list[scenarios.Scenario]:
    """The same scenarios with the write and mixed ones made again (new unique bodies) for the next run."""
    new = {s.name: s for s in scenarios.writes(args.duration)}
    new_mixed = scenarios.mixed(samples, reads, args.mixed_duration)
    new[new_mixed.name] = new_mixed
    return [new[s.name] if s.kind in ("write", "mixed") else s for s in every]


def _wal_bytes(db_path: Path) -> int:
    """The size of the database's WAL file right now (0 when there is none)."""
    try:
        return (db_path.parent / (db_path.name + "-wal")).stat().st_size
    except OSError:
        return 0


def _wal_section(wal_sizes: list[tuple[str, int]]) -> str:
    """The WAL's size after each write scenario, against the server's bound."""
    limit = int(os.environ.get("CONTACTS_WAL_LIMIT_BYTES") or 64 * 1024 * 1024)
    synchronous = os.environ.get("CONTACTS_SQLITE_SYNCHRONOUS") or "full"
    rows = "\n".join(f"| {name} | {size / 1e6:.1f} | {'PASS' if size <= 2 * limit else 'FAIL'} |"
                     for name, size in wal_sizes)
    return (f"`synchronous={synchronous}`; the checkpointer truncates the WAL past {limit / 1e6:.0f} MB "
            "(CONTACTS_WAL_LIMIT_BYTES).\n\n| scenario | WAL MB at its end | <= 2 x limit |\n|---|---:|---|\n" + rows)


def _run_order(base: scenarios.Scenario, others: list[scenarios.Scenario]) -> list[scenarios.Scenario]:
    """The scenarios in run order: the baseline first and again right after each read scenario.

    The host's speed drifts by tens of percent over minutes, so a read scenario is compared
    with the baseline runs just before and just after it, not with one minutes earlier.
    """
    order = [base]
    for scenario in others:
        order.append(scenario)
        if scenario.kind == "read":
            order.append(base)
    return order


def _with_ratios(runs: list[tuple[scenarios.Scenario, load.Result]]) -> list[tuple[load.Result, dict]]:
    """One row per scenario with its ratio to the baseline; the baseline row is its median run.

    A read scenario's ratio is to the mean of the baseline runs just before and after it;
    any other scenario's is to the median baseline run.
    """
    base_at = [i for i, (scenario, _) in enumerate(runs) if scenario.kind == "baseline"]  # _run_order: >= 1
    base_runs = sorted((runs[i][1] for i in base_at), key=lambda r: r.rps)
    median = base_runs[len(base_runs) // 2]
    out = []
    for i, (scenario, result) in enumerate(runs):
        if scenario.kind == "baseline":
            continue
        before, after = [j for j in base_at if j < i], [j for j in base_at if j > i]
        around = [runs[j][1] for j in before[-1:] + after[:1]]
        reference = sum(r.rps for r in around) / len(around) if scenario.kind == "read" else median.rps
        result.ratio = result.rps / reference if reference else None
        result.base_rps = reference
        base_p99 = sum(r.p99 for r in around) / len(around) if scenario.kind == "read" else median.p99
        result.p99_x_base = result.p99 / base_p99 if base_p99 else None
        out.append((result, scenario.targets))
    median.ratio = 1.0
    if len(base_runs) > 1:
        median.name += f", median of {len(base_runs)} runs ({base_runs[0].rps:,.0f}-{base_runs[-1].rps:,.0f} req/s)"
    return [(median, runs[base_at[0]][0].targets), *out]


def _failures(results, plan_reports) -> list[str]:
    """What makes the command exit non-zero: errors, 5xx, lock errors, repeated lines, scans of `contact`."""
    out = []
    for result, _ in results:
        if result.errors or result.e5xx or result.locked:
            out.append(f"{result.name}: {result.errors} errors ({result.e5xx} 5xx, {result.locked} lock)")
        if result.wrapped:
            out.append(f"{result.name}: ran out of request lines {result.wrapped} time(s) and sent some "
                       "twice (its request file is too short for this speed)")
    for plan in plan_reports:
        if not plan.ok:
            out.append(f"{plan.scenario}: status {plan.status}" + (f", scans contact: {plan.scans}" if plan.scans else ""))
    return out


def _document(command, args, tool, import_stats, results, worker_rss, plan_reports, rivals_text,
              failures, elapsed, wal_sizes=(), all_results=(), log_text="") -> str:
    import_targets = args.contacts >= 1_000_000
    imp = (f"{import_stats.contacts:,} contacts from the JSON Lines file with `contacts import`: "
           f"**{import_stats.wall_s:.1f} s** wall, **{import_stats.peak_rss_mb:.0f} MB** peak RSS "
           f"({import_stats.rss_source})" + (" (measured when the cached database was built)" if import_stats.cached else "")
           + (f"; target at 1M: <= 90 s {'PASS' if import_stats.wall_s <= 90 else 'FAIL'}, "
              f"<= 600 MB {'PASS' if import_stats.peak_rss_mb <= 600 else 'FAIL'}" if import_targets else "")
           + f". FOLIO name-index work left after the import (the first search's sync): "
           f"{import_stats.folio_index_s:.1f} s.")
    rss = ", ".join(f"{mb:.0f} MB" for mb in worker_rss.values()) or "n/a"
    rss_ok = all(mb <= 150 for mb in worker_rss.values())
    sections = [
        ("Scenarios", report.table(results) + f"\n\nLoad generator: {tool}. Ratios are to the baseline "
         "measured in this run: a bare endpoint in the same app and server config "
         "(`/_bench/baseline`, CONTACTS_BENCH_BASELINE=1) that returns a JSON body of the size of an "
         "Incoplax GET-by-id answer from memory. The baseline runs first and again after each read "
         "scenario; a read scenario's ratio is to the mean of the baseline runs just before and after "
         "it, any other scenario's to the median baseline run (the baseline row). wrk corrects its "
         "percentiles for coordinated omission: one pause of every connection adds hundreds of samples "
         "up to the pause's length, so a pause of a few seconds can set a whole scenario's p95 and p99; "
         "the server's log below shows when it happened and which requests it held."),
        *([(f"Run {n}", report.table(rows)) for n, rows in enumerate(all_results, 1)]
          if len(all_results) > 1 else []),
        ("CPU per request", report.cpu_section(list(all_results))),
        ("Import", imp),
        ("WAL after each write scenario", _wal_section(list(wal_sizes))),
        ("Worker RSS after the runs", f"{rss} (target <= 150 MB: {'PASS' if rss_ok else 'FAIL'})"),
        *([("The server's log", log_text)] if log_text else []),
        ("Query plans (no scan of the contacts table)", report.plans_section(plan_reports)),
        ("Side by side", rivals_text),
        ("Verdict", ("errors, 5xx or scans: " + "; ".join(failures)) if failures else
         "no errors, no 5xx, no lock errors, no scan of `contact`"),
    ]
    title = f"Benchmark: {args.contacts:,} contacts" + (" (smoke)" if args.smoke else "")
    return report.document(title=title, command=command, sections=sections) + f"\n_{elapsed:.0f} s in all._\n"
