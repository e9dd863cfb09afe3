"""`python -m bench.edge`: the edge profile, `contacts serve --workers 1` pinned to one core.

What an edge device sees (issue 23): the server on one core at 100k cards, its RSS, GET by id
and LOOKUP req/s (the load generator pinned to the other core), the cold start from the command
to the first 200 on /healthz (target <= 1.5 s), and the same start for the single-file `.pyz`.
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import load, report, scenarios
from .cli import RESULTS, _run_db, _with_ratios
from .dataset import ROOT, WORK, contacts_command, database_file, database_url, log
from .samples import Client, Samples, stored_cards
from .server import Server, create_token, free_port

COLD_START_TARGET_S = 1.5
SERVER_CORE, LOAD_CORE = 0, 1


def _until_healthy(command: list[str], env: dict, port: int, timeout: float = 30.0) -> tuple[float, subprocess.Popen]:
    """Start `command` and return the seconds until /healthz first answers 200, and the process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} exited ({process.returncode}) before answering /healthz")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return time.perf_counter() - started, process
            conn.close()
        except OSError:
            time.sleep(0.005)
    _stop(process)
    raise SystemExit(f"{command[0]} did not answer /healthz within {timeout:g} s")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, 9)
        process.wait()


def cold_starts(db_path: Path, command: list[str], times: int, env_extra: dict | None = None) -> list[float]:
    """Seconds from the command to the first 200 on /healthz, `times` times (one core, one worker)."""
    out = []
    for _ in range(times):
        port = free_port()
        env = dict(os.environ, CONTACTS_AUTH="on", **(env_extra or {}))
        seconds, process = _until_healthy(
            ["taskset", "-c", str(SERVER_CORE), *command, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--database-url", database_url(db_path)], env, port)
        _stop(process)
        out.append(seconds)
    return out


def pyz_file() -> Path:
    """dist/contacts.pyz, built with the README's command when it is not there."""
    target = ROOT / "dist" / "contacts.pyz"
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "shiv", "-c", "contacts", "-o", str(target), "-p",
                        "/usr/bin/env python3", "--compressed", "--quiet", "."], cwd=ROOT, check=True)
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    return target


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    """Measure the edge profile and write its report; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.edge", description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts (default 100,000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load scenario (default 10)")
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None, help="report file (default bench/results/<date>-edge.md)")
    args = parser.parse_args(argv)
    if len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset"):
        raise SystemExit("the edge profile needs 2 cores and taskset (server on one, load on the other)")
    tool = load.load_tool()
    pristine, _ = database_file(args.contacts, args.seed)
    run_db = _run_db(pristine, args.contacts)
    token = create_token(run_db)

    starts = cold_starts(run_db, contacts_command(), args.starts)
    log(f"cold starts: {', '.join(f'{s:.2f}' for s in starts)} s")
    pyz = pyz_file()
    stock = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or sys.executable
    with tempfile.TemporaryDirectory() as shiv_root:  # the first start unpacks the .pyz, the next ones do not
        pyz_starts = cold_starts(run_db, [stock, str(pyz)], args.starts, {"SHIV_ROOT": shiv_root})
    log(f".pyz starts: {', '.join(f'{s:.2f}' for s in pyz_starts)} s")

    samples = Samples(osid_contacts=0)
    samples.ids, samples.phones = stored_cards(run_db, 5000, args.seed)
    server_command = contacts_command()
    everywhere = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CORE})  # the server started now inherits the one core
    with Server(run_db, workers=1) as server:
        os.sched_setaffinity(0, {LOAD_CORE})  # and the load generator (a child from now on) the other
        client = Client(server.base_url, token)
        status, body = client.call("GET", f"/rest/v1/addressbook/contacts/{samples.ids[0]}")
        size = len(json.dumps(body, separators=(",", ":")).encode()) if status == 200 else 600
        wanted = ("GET by id: Incoplax", "GET by id: Niagara", "Incoplax LOOKUP by number")
        reads = [s for s in scenarios.reads(samples) if s.name in wanted]
        base = scenarios.baseline(size)
        for scenario in [base, *reads]:
            for method, path, ctype, body in scenario.lines[:8]:
                client.call(method, path, body or (b"" if ctype else None), ctype or "application/json")
        runs = []
        for scenario in [base, reads[0], base, reads[1], base, reads[2], base]:
            result = load.run(scenario.name, scenario.write(WORK / "requests"), server.base_url, token,
                              concurrency=scenario.concurrency, duration=args.duration, order=scenario.order,
                              check=scenario.check, tool=tool)
            log(f"{scenario.name}: {result.rps:,.0f} req/s, p99 {result.p99:.2f} ms")
            runs.append((scenario, result))
        rss = {"master": _rss_mb(server.process.pid),
               **{f"worker {pid}": _rss_mb(pid) for pid in server.worker_pids()}}
    os.sched_setaffinity(0, everywhere)
    rows = [(r, {}) for r, _ in _with_ratios(runs)]
    worst_start = max(starts)
    text = report.document(title=f"Edge profile: {args.contacts:,} contacts, one worker on one core", command=(
        "python -m bench.edge " + " ".join(argv if argv is not None else sys.argv[1:])).strip(), sections=[
        ("Cold start", f"From `{' '.join(Path(c).name for c in server_command)} serve --workers 1` (pinned with "
         f"`taskset -c {SERVER_CORE}`) to the first 200 on /healthz, {args.starts} starts: "
         + ", ".join(f"{s:.2f} s" for s in starts)
         + f"; worst **{worst_start:.2f} s** (target <= {COLD_START_TARGET_S} s: "
         f"{'PASS' if worst_start <= COLD_START_TARGET_S else 'FAIL'}).\n\nThe single-file build "
         f"(`{stock} dist/contacts.pyz serve --workers 1`, a fresh SHIV_ROOT: the first start unpacks it): "
         + ", ".join(f"{s:.2f} s" for s in pyz_starts) + "."),
        ("Load (server on core 0, load generator on core 1)", report.table(rows) + f"\n\nLoad generator: {tool}, "
         f"{args.duration:g} s per scenario, concurrency {scenarios.READ_CONCURRENCY}; ratios are to the bare "
         "endpoint run just before and after each scenario."),
        ("RSS after the load", ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items())),
    ])
    print(text)
    output = Path(args.output) if args.output else RESULTS / f"{datetime.date.today().isoformat()}-edge.md"
    output.write_text(text)
    log(f"report written to {output}")
    return 0 if worst_start <= COLD_START_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
