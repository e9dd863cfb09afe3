"""Slow clients cannot take the server: a request must arrive whole (headers and body) within
CONTACTS_REQUEST_READ_TIMEOUT seconds, and connections still sending it hold no thread."""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from tests.live_server import LiveServer, request as http_request

pytestmark = pytest.mark.skipif(os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"),
                                reason="the HTTP layer does not depend on the engine: run in the SQLite pass")

SLOW = 16  # twice the threads of 2 workers x 4 threads


def _trickle(port: int, payload: bytes, stop: threading.Event, outcome: list) -> None:
    """Send `payload` one byte every 0.25 s; record how the server ended it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(0.25)
    started = time.monotonic()
    try:
        for byte in payload:
            if stop.is_set():
                outcome.append(("unfinished", time.monotonic() - started, b""))
                return
            try:
                sock.sendall(bytes([byte]))
                answer = sock.recv(200)
                outcome.append(("closed", time.monotonic() - started, answer))
                return
            except socket.timeout:
                continue
            except OSError:
                outcome.append(("closed", time.monotonic() - started, b""))
                return
        outcome.append(("sent whole", time.monotonic() - started, b""))
    finally:
        sock.close()


def _normal_latencies(base: str, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.monotonic()
        try:
            status = http_request(base + "/healthz", timeout=3)[0]
        except OSError:
            status = None
        latencies.append(time.monotonic() - started if status == 200 else float("inf"))
        time.sleep(0.05)
    return latencies


def test_slow_headers_and_bodies_neither_block_others_nor_stay(tmp_path):
    env = {"CONTACTS_REQUEST_READ_TIMEOUT": "2", "CONTACTS_THREADS": "4"}
    with LiveServer(f"sqlite:///{tmp_path}/c.db", workers=2, env=env, drain=True) as server:
        stop, outcome = threading.Event(), []
        slow_headers = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 200
        slow_body = (b"POST /contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 300\r\n\r\n" + b" " * 300)
        trickles = [threading.Thread(target=_trickle, args=(server.port, slow_headers if n % 2 else slow_body,
                                                              stop, outcome)) for n in range(SLOW)]
        for thread in trickles:
            thread.start()
        time.sleep(0.5)  # every slow connection is open and has sent something
        latencies = _normal_latencies(server.base, 30)  # ~2 s of normal requests meanwhile
        for thread in trickles:
            thread.join(timeout=6)
        stop.set()
        assert max(latencies) < 1.0, latencies
        # Every slow request was dropped by the server about 2 s after it began (408, then closed).
        assert len(outcome) == SLOW
        assert all(kind == "closed" and 1.5 < took < 4.0 for kind, took, _ in outcome), outcome
        assert any(answer.startswith(b"HTTP/1.1 408") for _, _, answer in outcome), outcome
        assert http_request(server.base + "/healthz")[0] == 200


def test_a_request_arriving_in_pieces_within_the_time_is_served(tmp_path):
    env = {"CONTACTS_REQUEST_READ_TIMEOUT": "3"}
    with LiveServer(f"sqlite:///{tmp_path}/c.db", workers=1, env=env) as server:
        body = b'{"label":"x","name":"Piece Meal","email":"p@example.com"}'
        head = (f"POST /contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {server.first_token()}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            for piece in (head[:10], head[10:], body[:5], body[5:]):
                sock.sendall(piece)
                time.sleep(0.3)
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert b"Piece Meal" in answer
