"""Operations: a JSON log line and a request id per request, and Prometheus `/metrics`.

Each response carries `X-Request-Id` (the client's when it sent a sane one, else a new
one) and produces one JSON line on the `contacts.access` logger: time, method, path
(never the query string), status, duration_ms, request_id, remote address. Headers
are never logged, so no token reaches the log.

`/metrics` is Prometheus text. Under gunicorn with several workers, `contacts serve`
sets PROMETHEUS_MULTIPROC_DIR (wiped before the workers fork) and every worker writes
its samples there, so any worker answers `/metrics` with the sum over all of them.
prometheus_client picks its storage when it is first imported, so it is imported
here lazily, never at module import time (the serve command imports this module
before it sets the directory).
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time

import orjson
from flask import Flask, Response, g, request

ACCESS_LOG = "contacts.access"
REQUEST_ID_HEADER = "X-Request-Id"
# What a client may send as its request id: printable token characters, bounded length.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

# Every method a route of ours may answer: HTTP's own (with QUERY, the IETF's safe method
# with a body, which clients and fuzzers already send), Incoplax's LOOKUP and WebDAV's
# (CardDAV). A known method a route lacks is Werkzeug's 405 with Allow. Anything else is refused with 501 before auth and before any label is made,
# and the method label of the metrics is one of these or "other": made-up methods can
# neither grow /metrics nor the multiprocess sample files.
KNOWN_METHODS = frozenset({
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY",
    "LOOKUP",
    "PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
})
OTHER = "other"

_metrics: dict = {}
_metrics_lock = threading.Lock()  # threaded workers: register the metrics once
_children: dict[tuple, tuple] = {}  # label values -> metric children (a few per route)


def install_observability(app: Flask) -> None:
    """Add request ids, the access log line, request metrics and the `/metrics` route."""
    _ensure_log_handler()
    # First before-request hook: the clock must start before auth may answer 401.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners and daemons swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _ensure_log_handler() -> None:
    logger = logging.getLogger(ACCESS_LOG)
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the line is already complete JSON; no second copy via root


def request_id() -> str:
    """The current request's id (the one echoed in X-Request-Id)."""
    rid = getattr(g, "request_id", None)
    if rid is None:
        rid = g.request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER, ""))
    return rid


def new_request_id(sent: str) -> str:
    """The client's request id when it is sane, else a new random one."""
    # A client's sane id is kept; otherwise 128 random bits as hex (what uuid4().hex gives,
    # without building a UUID object on every request).
    return sent if sent and _SANE_ID.match(sent) else os.urandom(16).hex()


_access_log = logging.getLogger(ACCESS_LOG)


def _start() -> None:
    # One look-up of each context-local per hook: every `request.x` / `g.x` goes through
    # a proxy, and the hooks run on every request.
    req, state = request._get_current_object(), g._get_current_object()
    state.request_started = time.perf_counter()
    state.request_id = new_request_id(req.headers.get(REQUEST_ID_HEADER, ""))
    if req.method not in KNOWN_METHODS:
        from services.errors import NotImplementedMethod

        raise NotImplementedMethod(f"Method {req.method[:32]} is not implemented by this server")


def _finish(response: Response) -> Response:
    req, state = request._get_current_object(), g._get_current_object()
    started = getattr(state, "request_started", None)
    duration = time.perf_counter() - started if started is not None else 0.0
    rid = getattr(state, "request_id", None) or request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    route = req.url_rule.rule if req.url_rule is not None else "<unmatched>"
    record_request(req.method, req.path, route, response.status_code, duration, rid, req.remote_addr)
    return response


def record_request(method: str, path: str, route: str, status: int, duration: float, rid: str,
                   remote_addr: str | None) -> None:
    """Write the request's access log line and count it in the metrics (every answered request, once)."""
    if _access_log.isEnabledFor(logging.INFO):
        _access_log.info(orjson.dumps({
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "info",
            "event": "request",
            "method": method[:32],
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 3),
            "request_id": rid,
            "remote_addr": remote_addr,
            "pid": os.getpid(),
        }).decode())
    counter, histogram = _labelled(method if method in KNOWN_METHODS else OTHER, route, status)
    counter.inc()
    histogram.observe(duration)


def _labelled(method: str, route: str, status: int):
    """The counter and histogram children of these labels (labels() is costly per request)."""
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        requests_total, duration_seconds = _request_metrics()
        children = _children[key] = (requests_total.labels(method, route, str(status)),
                                     duration_seconds.labels(method, route))
    return children


def _request_metrics():
    if not _metrics:
        with _metrics_lock:
            if not _metrics:
                _register_metrics()
    return _metrics["requests"], _metrics["duration"]


def _register_metrics() -> None:
    from prometheus_client import Counter, Histogram

    requests = Counter(
        "contacts_http_requests_total", "HTTP requests answered, by method, route and status",
        ["method", "route", "status"])
    duration = Histogram(
        "contacts_http_request_duration_seconds", "Time to answer an HTTP request, by method and route",
        ["method", "route"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
    _metrics.update(requests=requests, duration=duration)  # one update: readers see both or neither


def metrics_view() -> Response:
    """Prometheus metrics (summed over every worker process under gunicorn)."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    _request_metrics()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), status=200, content_type=CONTENT_TYPE_PLAIN_0_0_4)


def prepare_multiprocess_dir() -> str:
    """Set PROMETHEUS_MULTIPROC_DIR (given, or a new temp dir) and empty it; call before fork."""
    import tempfile

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        import atexit
        import shutil

        directory = tempfile.mkdtemp(prefix="contacts-metrics-")
        atexit.register(shutil.rmtree, directory, True)  # ours alone: removed when serve exits
    os.makedirs(directory, exist_ok=True)
    for entry in os.listdir(directory):  # samples of an earlier run would be summed in
        if entry.endswith(".db"):  # prometheus_client's files only: the dir may be shared
            os.unlink(os.path.join(directory, entry))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit hook: drop a dead worker's live gauges (counters are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
