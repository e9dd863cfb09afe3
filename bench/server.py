"""The real server under test: `contacts serve` on a free loopback port, with a token."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .dataset import ROOT, WORK, contacts_command, database_url, log

BASELINE_PATH = "/_bench/baseline"


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_token(db_path: Path) -> str:
    """A new `*` token made with `contacts token create` (printed alone on the last line)."""
    done = subprocess.run([*contacts_command(), "token", "create", "--scope", "*", "--name", "bench",
                           "--database-url", database_url(db_path)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


class Server:
    """`contacts serve` (gunicorn, default workers) in its own process group."""

    def __init__(self, db_path: Path, *, workers: int | None = None) -> None:
        self.db_path = db_path
        self.port = free_port()
        self.host = "127.0.0.1"
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log_path = WORK / "server.log"
        self.log_start = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "Server":
        """Start and wait until /healthz answers."""
        command = [*contacts_command(), "serve", "--host", self.host, "--port", str(self.port),
                   "--database-url", database_url(self.db_path)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        env = dict(os.environ, CONTACTS_AUTH="on", CONTACTS_BENCH_BASELINE="1")
        env.pop("CONTACTS_RATE_LIMIT", None)
        env.pop("CONTACTS_WORKERS", None)
        WORK.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.log_start = self._log.tell()  # the log is appended to: this server's lines begin here
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=self._log,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"contacts serve exited ({self.process.returncode}); see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.worker_pids()) >= (self.workers or 1):
                    conn.close()
                    log(f"server up on {self.base_url} (pid {self.process.pid}, "
                        f"workers {self.worker_pids()})")
                    return self
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"contacts serve did not answer within 60 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the serve (master) process."""
        if self.process is None:
            return []
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def worker_rss_mb(self) -> dict[int, float]:
        """VmRSS of each worker, in MB."""
        out = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return out

    def stop(self) -> None:
        """Stop the server (SIGTERM to its process group, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
