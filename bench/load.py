"""Driving load from a separate process: wrk (with bench/wrk.lua) when installed, else bench.pyload."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import cpu
from .dataset import ROOT

LUA = Path(__file__).with_name("wrk.lua")


@dataclass
class Result:
    """One scenario's numbers (latencies in ms)."""

    name: str
    concurrency: int
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    errors: int = 0  # socket errors, timeouts and HTTP statuses >= 400
    e5xx: int = 0
    locked: int = 0
    wrapped: int = 0  # sequential order: times a load thread ran out of lines and started over
    ratio: float | None = None  # rps / baseline rps
    base_rps: float | None = None  # the baseline req/s the ratio is to
    p99_x_base: float | None = None  # p99 / the p99 of the baseline runs the ratio is to
    tool: str = ""
    notes: list[str] = field(default_factory=list)
    cpu_usage: cpu.Usage | None = None  # the server's CPU per request and the host's busy share (server_pids given)


def load_tool(forced: str | None = None) -> str:
    """"wrk" when the binary is installed (or forced), else "python"."""
    if forced:
        return forced
    return "wrk" if shutil.which("wrk") else "python"


def run(name: str, requests_file: Path, base_url: str, token: str, *, concurrency: int, duration: float,
        order: str = "random", check: bool = False, tool: str = "wrk", server_pids: Sequence[int] = ()) -> Result:
    """Run one scenario for `duration` seconds at `concurrency` open connections (`server_pids`: count their CPU)."""
    env = dict(os.environ, BENCH_REQUESTS=str(requests_file), BENCH_TOKEN=token, BENCH_ORDER=order,
               BENCH_CHECK="1" if check else "0")
    if tool == "wrk":
        threads = max(1, min(2, concurrency))
        env["BENCH_THREADS"] = str(threads)
        command = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(duration))}s",
                   "--timeout", "10s", "--latency", "-s", str(LUA), base_url]
    else:
        command = [sys.executable, "-m", "bench.pyload", "--requests", str(requests_file), "--url", base_url,
                   "--token", token, "--concurrency", str(concurrency), "--duration", str(duration),
                   "--order", order]
    before = cpu.read(server_pids) if server_pids else None
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=duration + 120)
    after = cpu.read(server_pids) if server_pids else None
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"{tool} failed for {name} ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    data = json.loads(line[len("BENCH_JSON "):])
    seconds = data["duration_us"] / 1e6
    errors = (data["connect_errors"] + data["read_errors"] + data["write_errors"] + data["timeouts"]
              + data["status_errors"])
    return Result(name=name, concurrency=concurrency, requests=data["requests"], seconds=seconds,
                  rps=data["requests"] / seconds if seconds else 0.0,
                  p50=data["p50_us"] / 1000, p95=data["p95_us"] / 1000, p99=data["p99_us"] / 1000,
                  errors=errors, e5xx=data["e5xx"], locked=data["locked"], wrapped=data.get("wrapped", 0),
                  tool=tool, cpu_usage=cpu.usage(before, after, data["requests"]))
