"""The bench's pieces that live in the app and in bench/ (the load run itself is `python -m bench --smoke`)."""
from __future__ import annotations

import pytest

from app import create_app
from bench import report
from bench.load import Result
from bench.scenarios import READ_TARGETS, WRITE_TARGETS, Scenario
from config import Config


@pytest.fixture
def bench_app(database_url, monkeypatch):
    """The app as `python -m bench` serves it (baseline endpoint on)."""
    monkeypatch.setenv("CONTACTS_BENCH_BASELINE", "1")
    return create_app(Config(database_url=database_url, auth=True))


def test_baseline_answers_json_of_the_asked_size_without_a_token(bench_app):
    response = bench_app.test_client().get("/_bench/baseline?bytes=700")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert len(response.data) == 700
    assert response.json == {"padding": "x" * 686}


def test_baseline_route_is_absent_unless_enabled(app, monkeypatch):
    monkeypatch.delenv("CONTACTS_BENCH_BASELINE", raising=False)
    response = app.test_client().get("/_bench/baseline?bytes=700")
    assert response.status_code == 404


def test_request_file_has_one_tab_separated_request_per_line(tmp_path):
    scenario = Scenario("LOOKUP x", "read", [("LOOKUP", "/rest/v1/addressbook/contacts",
                                              "application/json; charset=utf-8", '"+1 555"'),
                                             ("GET", "/contacts/1", "", "")], 16)
    path = scenario.write(tmp_path)
    assert path.read_text().splitlines() == [
        'LOOKUP\t/rest/v1/addressbook/contacts\tapplication/json; charset=utf-8\t"+1 555"',
        "GET\t/contacts/1\t\t",
    ]


@pytest.mark.parametrize("result, targets, expected", [
    (Result("r", 16, rps=900, p99=12.0, ratio=0.7), {"ratio_min": 0.6, "p99_max": 20.0}, True),
    (Result("r", 16, rps=900, p99=25.0, ratio=0.7), {"ratio_min": 0.6, "p99_max": 20.0}, False),
    (Result("r", 16, rps=900, p99=12.0, ratio=0.5), {"ratio_min": 0.6, "p99_max": 20.0}, False),
    (Result("w", 8, rps=999), {"rps_min": 1000}, False),
    (Result("m", 8, e5xx=0, locked=1), {"e5xx_max": 0}, False),
    (Result("b", 16, rps=5000), {}, None),
    # Issue 23: p99 against the baseline's, creates as a ratio and, on a fast enough host, an absolute floor.
    (Result("r", 16, rps=900, ratio=0.71, p99_x_base=1.9), READ_TARGETS, True),
    (Result("r", 16, rps=900, ratio=0.69, p99_x_base=1.0), READ_TARGETS, False),
    (Result("r", 16, rps=900, ratio=0.75, p99_x_base=2.1), READ_TARGETS, False),
    (Result("w", 8, rps=1400, ratio=0.36, base_rps=3900), WRITE_TARGETS, True),
    (Result("w", 8, rps=999, ratio=0.36, base_rps=2775), WRITE_TARGETS, True),   # floor n/a below 3,500/s
    (Result("w", 8, rps=999, ratio=0.36, base_rps=3500), WRITE_TARGETS, False),  # floor applies
    (Result("w", 8, rps=1200, ratio=0.30, base_rps=4000), WRITE_TARGETS, False),
])
def test_targets_verdict(result, targets, expected):
    assert report.verdict(result, targets)[1] is expected


def _scenario(name: str, kind: str, targets: dict | None = None) -> Scenario:
    return Scenario(name, kind, [("GET", "/x", "", "")], 16, targets=targets or {})


def test_the_baseline_runs_first_and_again_after_each_read_scenario():
    from bench.cli import _run_order

    base = _scenario("baseline", "baseline")
    reads = [_scenario("GET a", "read"), _scenario("GET b", "read")]
    others = [*reads, _scenario("search", "search"), _scenario("POST", "write")]
    assert [s.name for s in _run_order(base, others)] == [
        "baseline", "GET a", "baseline", "GET b", "baseline", "search", "POST"]


def test_a_read_is_compared_with_the_baseline_runs_around_it():
    from bench.cli import _with_ratios

    base = _scenario("baseline", "baseline")
    read_a, read_b = _scenario("GET a", "read", {"ratio_min": 0.6}), _scenario("GET b", "read")
    search = _scenario("search", "search")
    runs = [(base, Result("baseline", 16, rps=1000)), (read_a, Result("GET a", 16, rps=900)),
            (base, Result("baseline", 16, rps=2000)), (read_b, Result("GET b", 16, rps=1500)),
            (base, Result("baseline", 16, rps=3000)), (search, Result("search", 4, rps=400))]
    rows = _with_ratios(runs)
    assert [(r.name, round(r.ratio, 3), targets) for r, targets in rows] == [
        ("baseline, median of 3 runs (1,000-3,000 req/s)", 1.0, {}),
        ("GET a", 0.6, {"ratio_min": 0.6}),   # 900 / mean(1000, 2000)
        ("GET b", 0.6, {}),                   # 1500 / mean(2000, 3000)
        ("search", 0.2, {}),                  # 400 / the median baseline run (2000)
    ]


def test_a_read_p99_is_compared_with_the_baseline_runs_p99_around_it():
    from bench.cli import _with_ratios

    base, read = _scenario("baseline", "baseline"), _scenario("GET a", "read")
    rows = _with_ratios([(base, Result("baseline", 16, rps=1000, p99=4.0)), (read, Result("GET a", 16, rps=800, p99=9.0)),
                         (base, Result("baseline", 16, rps=1000, p99=2.0))])
    assert rows[1][0].p99_x_base == 3.0  # 9 / mean(4, 2)


def test_the_worst_of_the_runs_is_reported_per_measure():
    read = {"ratio_min": 0.7}
    first = [(Result("GET a", 16, rps=900, p99=5.0, ratio=0.80, p99_x_base=1.1), read),
             (Result("POST", 8, rps=1500, ratio=0.40, base_rps=3000), WRITE_TARGETS)]
    second = [(Result("GET a", 16, rps=800, p99=9.0, ratio=0.69, p99_x_base=1.9), read),
              (Result("POST", 8, rps=990, ratio=0.38, base_rps=3600), WRITE_TARGETS)]
    rows = report.worst_of([first, second])
    assert [(r.name, r.rps, r.p99, r.ratio, r.p99_x_base, r.base_rps) for r, _ in rows] == [
        ("GET a", 800, 9.0, 0.69, 1.9, None), ("POST", 990, 0.0, 0.38, None, 3600)]
    assert [report.verdict(r, t)[1] for r, t in rows] == [False, False]
    assert report.worst_of([first]) is first


@pytest.fixture
def answering_server():
    """A local HTTP server that answers every request with 200 and `{}`."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("tool", ["python", "wrk"])
def test_a_sequential_run_that_runs_out_of_lines_says_so(tool, answering_server, tmp_path):
    import shutil

    from bench import load
    from bench.cli import _failures

    if tool == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed here; the Python load generator is the fallback")
    short = Scenario("POST x", "write", [("GET", f"/{n}", "", "") for n in range(4)], 2, order="sequential")
    long = Scenario("POST y", "write", [("GET", f"/{n}", "", "") for n in range(200_000)], 2,
                    order="sequential")
    ran_out = load.run(short.name, short.write(tmp_path), answering_server, "t", concurrency=2, duration=1,
                       order="sequential", check=True, tool=tool)
    enough = load.run(long.name, long.write(tmp_path), answering_server, "t", concurrency=2, duration=1,
                      order="sequential", check=True, tool=tool)
    assert ran_out.requests > 8 and ran_out.wrapped > 0 and ran_out.errors == 0
    assert enough.requests > 8 and enough.wrapped == 0
    assert _failures([(ran_out, {}), (enough, {})], []) == [
        f"POST x: ran out of request lines {ran_out.wrapped} time(s) and sent some twice "
        "(its request file is too short for this speed)"]


def test_rivals_are_compared_with_the_slowest_get_by_id_of_every_door(monkeypatch, tmp_path):
    """json-server's 1.2x target is judged against our slowest GET by id, CardDAV and OSID included."""
    from bench import rivals

    monkeypatch.setattr(rivals, "_datasette", lambda *a: [])
    monkeypatch.setattr(rivals, "_json_server", lambda *a: [Result("json-server (100k): GET by id", 16, rps=2000.0)])
    ours = [(Result(name, 16, rps=rps), {}) for name, rps in (
        ("GET by id: MPDX", 2800.0), ("GET by id: OSID", 2500.0), ("GET by id: CardDAV vCard", 2300.0))]
    section = rivals.compare(tmp_path / "db", None, [], ours, "wrk")
    assert ("- ours `GET by id: CardDAV vCard` 2,300 req/s vs json-server (100k): GET by id 2,000 req/s: "
            "**x1.15** (target > x1.2: FAIL; p99 0.0 vs 0.0 ms)") in section


def _request_line(ms: float, ts: str, method: str = "GET", route: str = "/contacts/<contact_id>",
                  status: int = 200, pid: int = 11) -> str:
    return ('{"ts":"%s","level":"info","event":"request","method":"%s","path":"/x","route":"%s",'
            '"status":%d,"duration_ms":%s,"request_id":"r","remote_addr":"127.0.0.1","pid":%d}\n'
            % (ts, method, route, status, ms, pid))


def test_the_server_log_section_lists_this_servers_slowest_requests_and_counts_other_lines(tmp_path):
    """The bench reads its server's lines only (the log is appended to) and ranks them by duration."""
    from bench import server_log

    log = tmp_path / "server.log"
    earlier = _request_line(9999.0, "2026-12-07T00:00:00Z")  # another bench's server: not this one's
    log.write_text(earlier)
    start = log.stat().st_size
    lines = [_request_line(float(ms), f"2026-12-07T01:00:{i:02d}Z") for i, ms in enumerate(range(1, 30))]
    lines.insert(7, _request_line(3300.5, "2026-12-07T01:02:03Z", "POST", "/contacts", 201, 12))
    lines.insert(3, "WAL truncation waited 2.0 s for readers in vain, writers held (3 of 9 frames copied)\n")
    lines.append("WAL truncation waited 2.0 s for readers in vain, writers held (3 of 9 frames copied)\n")
    lines.append("database busy, retrying write (attempt 1)\n")
    with log.open("a") as out:
        out.writelines(lines)

    summary = server_log.read(log, start, slowest=3)
    assert summary.requests == 30
    assert [(r.duration_ms, r.ts, r.method, r.route, r.status, r.pid) for r in summary.slowest] == [
        (3300.5, "2026-12-07T01:02:03Z", "POST", "/contacts", 201, 12),
        (29.0, "2026-12-07T01:00:28Z", "GET", "/contacts/<contact_id>", 200, 11),
        (28.0, "2026-12-07T01:00:27Z", "GET", "/contacts/<contact_id>", 200, 11)]
    text = server_log.section(summary).splitlines()
    assert text[0].startswith("30 requests logged. The slowest, by the server's own clock")
    assert text[4] == "| 3,300.5 | 2026-12-07T01:02:03Z | POST | `/contacts` | 201 | 12 |"
    assert text[-2:] == [
        "| 2 | `WAL truncation waited 2.0 s for readers in vain, writers held (3 of 9 frames copied)` |",
        "| 1 | `database busy, retrying write (attempt 1)` |"]


def _fake_proc(root, host: tuple[int, ...], processes: dict[int, tuple[str, int, int]]):
    """A /proc with a `stat` line for the host and `<pid>/stat` for each process (name, utime, stime)."""
    (root / "stat").write_text("cpu  " + " ".join(map(str, host)) + " 0 0\ncpu0 1 2 3\nctxt 99\n")
    for pid, (name, utime, stime) in processes.items():
        (root / str(pid)).mkdir()
        # proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        (root / str(pid) / "stat").write_text(
            f"{pid} ({name}) S 1 1 1 0 -1 4194560 10 0 0 0 {utime} {stime} 0 0 20 0 5 0 100 1000 50\n")
    return root


def test_cpu_readings_count_the_servers_processes_and_the_hosts_busy_time(tmp_path):
    """The report's CPU per request: utime + stime of the server's processes, the host's time not idle."""
    from bench import cpu

    # user nice system idle iowait irq softirq steal
    proc = _fake_proc(tmp_path, (100, 5, 40, 800, 10, 2, 3, 7),
                      {11: ("gunicorn: worker [app] ) x", 70, 30), 12: ("python", 5, 1)})
    reading = cpu.read([11, 12, 404], proc)  # 404 has exited: it counts 0
    assert reading == cpu.Reading(server=106, host_busy=150, host_total=967)
    assert cpu.read([11], tmp_path / "nowhere") is None


def test_cpu_usage_is_server_time_per_request_and_the_hosts_busy_share(monkeypatch):
    from bench import cpu

    monkeypatch.setattr(cpu, "_TICKS", 100)
    before = cpu.Reading(server=1_000, host_busy=5_000, host_total=10_000)
    after = cpu.Reading(server=1_300, host_busy=6_500, host_total=12_000)  # 3 s of server CPU in 2,000 ticks
    assert cpu.usage(before, after, 2_000) == cpu.Usage(server_us_per_request=1_500.0, host_busy=0.75)
    assert cpu.usage(before, after, 0) is None
    assert cpu.usage(None, after, 2_000) is None
    assert cpu.usage(after, after, 2_000) is None  # no time passed
    assert cpu.usage(before, cpu.Reading(900, 6_500, 12_000), 2_000) is None  # a worker died mid-run


def test_the_cpu_section_gives_each_runs_cost_per_request_against_the_baseline():
    from bench.cpu import Usage

    def run(base_us: float, create_us: float) -> list:
        return [(Result("baseline (bare endpoint), median of 3 runs (1-2 req/s)", 16,
                        cpu_usage=Usage(base_us, 0.97)), {}),
                (Result("POST create: Incoplax", 8, cpu_usage=Usage(create_us, 0.76)), {}),
                (Result("mixed", 8), {})]

    lines = report.cpu_section([run(250.0, 1_000.0), run(300.0, 1_350.0)]).splitlines()
    assert lines[:5] == [
        "| scenario | run 1 | run 2 |",
        "|---|---:|---:|",
        "| baseline (bare endpoint) | 250 us (x1.0), host 97% | 300 us (x1.0), host 97% |",
        "| POST create: Incoplax | 1,000 us (x4.0), host 76% | 1,350 us (x4.5), host 76% |",
        "| mixed | n/a | n/a |"]
    assert report.cpu_section([[(Result("baseline", 16), {})]]) == "Not measured (no /proc on this system)."


@pytest.mark.parametrize(("line", "is_walk"), [
    ("SCAN contact USING COVERING INDEX contact_created", True),
    ("SCAN t1 USING INDEX contact_family_name_given_name", True),
    ("SCAN t1 USING COVERING INDEX osidaddressbook_is_default", False),
    ("SCAN t2 USING INDEX contactemail_contact_autokey_position", False),
    ("SEARCH t1 USING INDEX contact_id (id=?)", False),
    ("SCAN contact", False),
])
def test_an_index_walk_is_reported_on_contact_only_when_the_index_is_contacts(line, is_walk):
    from bench.plans import contact_index_walks

    assert contact_index_walks(["SCAN CONSTANT ROW", line]) == ([line] if is_walk else [])
