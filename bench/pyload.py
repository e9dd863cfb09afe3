"""The bundled load generator (when wrk is not installed): threads, keep-alive, bounded duration.

Reads the same request files as bench/wrk.lua and prints the same `BENCH_JSON {...}` line.
Python's GIL caps it near a few thousand requests/s: wrk is the better meter.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
from urllib.parse import urlsplit


def _requests(path: str, share: int, of: int, sequential: bool) -> list[tuple[str, str, dict, bytes | None]]:
    out = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if sequential and number % of != share:
                continue
            method, target, ctype, body = line.rstrip("\n").split("\t", 3)
            out.append((method, target, {"Content-Type": ctype} if ctype else {},
                        body.encode() if body else None))
    return out


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def main() -> None:
    """Run the load and print the summary line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--order", default="random")
    args = parser.parse_args()
    url = urlsplit(args.url)
    sequential = args.order == "sequential"
    common = {"Authorization": f"Bearer {args.token}", "X-Okapi-Tenant": "bench"}
    stats = {"latencies": [], "e5xx": 0, "e4xx": 0, "locked": 0, "socket": 0, "bytes": 0, "wrapped": 0}
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + args.duration

    def worker(share: int) -> None:
        items = _requests(args.requests, share, args.concurrency, sequential)
        rng = random.Random(share)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        latencies, counts = [], {"e5xx": 0, "e4xx": 0, "locked": 0, "socket": 0, "bytes": 0, "wrapped": 0}
        position = 0
        while time.perf_counter() < deadline:
            if sequential:
                if position and position % len(items) == 0:
                    counts["wrapped"] += 1  # a line sent twice: the request file was too short
                method, target, headers, body = items[position % len(items)]
                position += 1
            else:
                method, target, headers, body = rng.choice(items)
            began = time.perf_counter()
            try:
                conn.request(method, target, body=body, headers={**common, **headers})
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                counts["socket"] += 1
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                continue
            latencies.append((time.perf_counter() - began) * 1e6)
            counts["bytes"] += len(data)
            if response.status >= 500:
                counts["e5xx"] += 1
            elif response.status >= 400:
                counts["e4xx"] += 1
            if response.status >= 400 and (b"database is locked" in data or b"database is busy" in data):
                counts["locked"] += 1
        conn.close()
        with lock:
            stats["latencies"].extend(latencies)
            for key, value in counts.items():
                stats[key] += value

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    values = sorted(stats["latencies"])
    print("BENCH_JSON " + json.dumps({
        "requests": len(values), "duration_us": int(elapsed * 1e6), "bytes": stats["bytes"],
        "p50_us": _percentile(values, 50), "p95_us": _percentile(values, 95), "p99_us": _percentile(values, 99),
        "max_us": values[-1] if values else 0, "mean_us": sum(values) / len(values) if values else 0,
        "connect_errors": 0, "read_errors": stats["socket"], "write_errors": 0, "timeouts": 0,
        "status_errors": stats["e5xx"] + stats["e4xx"], "e5xx": stats["e5xx"], "e4xx": stats["e4xx"],
        "locked": stats["locked"], "wrapped": stats["wrapped"], "checked": True}), flush=True)


if __name__ == "__main__":
    main()
