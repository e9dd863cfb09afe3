"""Operations: request ids, one JSON log line per request, Prometheus /metrics, /readyz."""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from blueprints.observability import ACCESS_LOG

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def access_log():
    """The JSON lines the access logger writes during the test."""
    handler = _Lines()
    logger = logging.getLogger(ACCESS_LOG)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def _counter(client, method: str, route: str, status: int) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    pattern = (rf'^contacts_http_requests_total\{{method="{method}",route="{re.escape(route)}",'
               rf'status="{status}"\}} (\S+)$')
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_request_id_is_made_when_none_is_sent(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
    assert client.get("/healthz").headers["X-Request-Id"] != r.headers["X-Request-Id"]


@pytest.mark.parametrize("sent, echoed", [
    ("abc-123", True),
    ("0f3c6f0e-5f1d-4a53-8d0b-1b2c3d4e5f60", True),
    ("has spaces in it", False),
    ("x" * 129, False),
    ("<script>", False),
])
def test_a_sane_client_request_id_is_echoed(client, sent, echoed):
    got = client.get("/healthz", headers={"X-Request-Id": sent}).headers["X-Request-Id"]
    assert (got == sent) is echoed
    if not echoed:
        assert re.fullmatch(r"[0-9a-f]{32}", got)


def test_one_json_log_line_per_request_without_the_token(client, auth, token, access_log):
    r = client.get("/rest/v1/addressbook/contacts?limit=5", headers={**auth, "X-Request-Id": "req-1"})
    assert r.status_code == 200
    assert len(access_log) == 1
    line = access_log[0]
    assert {k: line[k] for k in ("level", "event", "method", "path", "route", "status", "request_id")} == {
        "level": "info", "event": "request", "method": "GET", "path": "/rest/v1/addressbook/contacts",
        "route": "/rest/v1/addressbook/contacts", "status": 200, "request_id": "req-1"}
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line["ts"])
    assert token not in json.dumps(line) and "Authorization" not in json.dumps(line)


def test_requests_refused_by_auth_are_logged_too(client, access_log):
    r = client.get("/rest/v1/addressbook/contacts", headers={"Authorization": "Bearer wrong-token-value"})
    assert r.status_code == 401
    assert r.headers["X-Request-Id"] == access_log[0]["request_id"]
    assert (access_log[0]["status"], access_log[0]["path"]) == (401, "/rest/v1/addressbook/contacts")
    assert "wrong-token-value" not in json.dumps(access_log[0])


def test_unmatched_paths_are_one_route_in_metrics(client, access_log):
    client.get("/no/such/path/1")
    assert access_log[0]["route"] == "<unmatched>" and access_log[0]["status"] == 404


def test_metrics_count_requests_without_a_token(client):
    before = _counter(client, "GET", "/healthz", 200)
    for _ in range(3):
        client.get("/healthz")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == METRICS_TYPE
    assert "# TYPE contacts_http_requests_total counter" in r.get_data(as_text=True)
    assert "# TYPE contacts_http_request_duration_seconds histogram" in r.get_data(as_text=True)
    assert _counter(client, "GET", "/healthz", 200) == before + 3


def test_readyz_checks_the_database(client):
    r = client.get("/readyz")
    assert (r.status_code, r.json) == (200, {"status": "ok", "database": "ok"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.mark.skipif(bool(os.environ.get("CONTACTS_TEST_DATABASE_URL")), reason="runs its own SQLite server")
def test_metrics_sum_over_several_gunicorn_workers(tmp_path):
    port = _free_port()
    env = {**os.environ, "CONTACTS_AUTH": "off", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log = open(tmp_path / "serve.log", "wb")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "app.py"), "serve", "--port", str(port), "--workers", "2",
         "--database-url", f"sqlite:///{tmp_path}/contacts.db"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        sent = 1
        # Until both workers have answered (each writes its own counter file), within reason.
        while len(list((tmp_path / "metrics").glob("counter_*.db"))) < 2 and sent < 2000:
            _get(base + "/healthz")
            sent += 1
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) == 2
        text = _get(base + "/metrics")
        match = re.search(r'^contacts_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
                          text, re.MULTILINE)
        assert match and float(match.group(1)) == float(sent)  # the sum over both workers
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    pids = {json.loads(line)["pid"] for line in (tmp_path / "serve.log").read_text().splitlines()
            if line.startswith("{") and '"/healthz"' in line}
    assert len(pids) == 2
