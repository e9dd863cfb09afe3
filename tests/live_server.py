"""A real `contacts serve` (gunicorn) in a subprocess, for tests that need the whole stack."""
from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, method: str = "GET", body=None, token: str | None = None,
            headers: dict | None = None, timeout: float = 10):
    """(status, headers, body bytes) of one HTTP request; HTTP errors are returned, not raised."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json; charset=utf-8")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class LiveServer:
    """Start, stop or SIGKILL `contacts serve` on a database URL."""

    def __init__(self, database_url: str, workers: int = 2, env: dict | None = None, drain: bool = False):
        self.database_url = database_url
        self.workers = workers
        self.env = env or {}
        # drain: read stderr (a JSON line per request) in a thread, keeping the last lines in
        # `stderr_lines`; a pipe nobody reads fills after ~250 requests and stops the server.
        self.drain = drain
        self.stderr_lines: collections.deque = collections.deque(maxlen=5000)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.first_output = ""

    def start(self) -> "LiveServer":
        env = {**os.environ, "CONTACTS_DATABASE_URL": self.database_url, **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from app import main; main()", "serve", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.proc.stderr.read().decode())
            try:
                if request(self.base + "/healthz", timeout=1)[0] == 200:
                    os.set_blocking(self.proc.stdout.fileno(), False)
                    self.first_output = (self.proc.stdout.read() or b"").decode()
                    if self.drain:
                        threading.Thread(target=self._drain, daemon=True).start()
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not answer /healthz in 30 s")

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode(errors="replace"))

    def first_token(self) -> str:
        """The `*` token the first start printed."""
        return next(word for word in self.first_output.split() if word.startswith("ct_"))

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (a power-cut for the processes)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Graceful stop."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
