"""Large FOLIO pages: RMB accepts `limit` up to 2147483647 (raml-util `traits/pageable.raml`:
`maximum: 2147483647`), so a long page is streamed a batch of records at a time; its body is the
same JSON as when it is built whole.
"""
from __future__ import annotations

import json
import os
import threading
import time
import urllib.request

import pytest

from tests.io.io_support import run

PREFIX = "/organizations-storage/contacts"
CARDS = 1234


@pytest.fixture
def h(auth, quiet_access_log):
    return {**auth, "X-Okapi-Tenant": "diku"}


@pytest.fixture
def seeded(client, database_url):
    from models.connect import database
    from schemas.folio import array_text
    from services.setup import install

    assert run("seed", "--count", str(CARDS), "--seed", "5", "--database-url", database_url).exit_code == 0
    install(database.obj, folio_array_text=array_text)  # the CLI reopened the store without FOLIO's functions
    return client


def _pages(client, h, query: dict, size: int = 400) -> list[dict]:
    """The records of a query read page by page (each page small enough to be built whole)."""
    records, offset = [], 0
    while True:
        r = client.get(PREFIX, query_string={**query, "limit": size, "offset": offset}, headers=h)
        assert r.status_code == 200 and "Content-Length" in r.headers  # built whole
        records += r.json["contacts"]
        if len(r.json["contacts"]) < size:
            return records
        offset += size


@pytest.mark.parametrize("query", [{}, {"query": "cql.allRecords=1 sortby lastName/sort.descending firstName"},
                                   {"query": "lastName=* not lastName=a*"}])
def test_a_huge_limit_streams_the_same_records(seeded, h, query):
    expected = _pages(seeded, h, query)
    assert len(expected) > 1000
    r = seeded.get(PREFIX, query_string={**query, "limit": 2147483647}, headers=h)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json" and "Content-Length" not in r.headers  # streamed
    body = json.loads(r.get_data())
    assert list(body) == ["contacts", "totalRecords"]
    assert (body["contacts"], body["totalRecords"]) == (expected, len(expected))


def test_offset_and_total_records_none_on_a_streamed_page(seeded, h):
    expected = _pages(seeded, h, {})
    r = seeded.get(PREFIX, query_string={"limit": 1100, "offset": 100, "totalRecords": "none"}, headers=h)
    assert "Content-Length" not in r.headers
    assert json.loads(r.get_data()) == {"contacts": expected[100:1200]}
    r = seeded.get(PREFIX, query_string={"limit": 5000, "offset": CARDS - 2}, headers=h)
    assert "Content-Length" in r.headers and r.json == {"contacts": expected[-2:], "totalRecords": CARDS}


def test_a_query_error_is_a_400_before_any_streaming(seeded, h):
    r = seeded.get(PREFIX, query_string={"query": "notes=/number 5", "limit": 2147483647,
                                         "totalRecords": "none"}, headers=h)
    # seeded notes are words: PostgreSQL's own numeric error; SQLite gives the same text
    assert r.status_code == 400 and r.headers["Content-Type"] == "text/plain"
    assert r.get_data(as_text=True).startswith('invalid input syntax for type numeric: "')


def _rss_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads worker RSS from /proc")
def test_a_huge_page_keeps_the_worker_rss_bounded(app, database_url, quiet_access_log):
    """A live server (one gunicorn worker) serves `limit=2147483647` over 10,000 cards while the
    worker's RSS is sampled: built whole, the page took ~9 KB per card (~90 MB here, gigabytes
    at 1M cards); streamed, the growth stays small and does not depend on the number of cards."""
    from tests.live_server import LiveServer

    count = 10_000
    assert run("seed", "--count", str(count), "--seed", "9", "--database-url", database_url).exit_code == 0
    headers = {"X-Okapi-Tenant": "diku"}
    with LiveServer(database_url, workers=1, env={"CONTACTS_AUTH": "off"}) as server:
        with open(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children") as children:
            worker = int(children.read().split()[0])
        url = f"{server.base}{PREFIX}"
        assert urllib.request.urlopen(urllib.request.Request(url + "?limit=2", headers=headers)).status == 200
        base = _rss_mib(worker)
        peak, done = [base], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mib(worker))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        records = size = 0
        try:
            request = urllib.request.Request(url + "?limit=2147483647", headers=headers)
            with urllib.request.urlopen(request, timeout=300) as response:
                assert response.headers["Content-Type"] == "application/json"
                assert response.headers.get("Transfer-Encoding") == "chunked"
                body = response.read()
                size = len(body)
                records = len(json.loads(body)["contacts"])
        finally:
            done.set()
            sampler.join()
        after = _rss_mib(worker)
    assert records >= count and size > 5_000_000
    assert peak[0] - base < 40, (base, peak[0], after)
    assert after - base < 40, (base, peak[0], after)
