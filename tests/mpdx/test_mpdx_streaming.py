"""Pages of any size: upstream has no per_page maximum, so large pages are streamed in batches.

The streamed document equals the one built in memory, and a real server serves a page of every
card (per_page=100000000, a read-only token) with bounded worker memory.
"""
from __future__ import annotations

import os
import threading
import time
import urllib.request

import pytest
from click.testing import CliRunner

from blueprints import mpdx as mpdx_blueprint
from cli import cli
from services.mpdx import contacts as mpdx_contacts
from tests.live_server import LiveServer
from tests.mpdx.test_mpdx_helpers import JSONAPI, LIST_AB, at, mpdx  # noqa: F401 - `mpdx` is a fixture

QUERIES = [
    {},
    {"include": "*"},
    {"include": "people.email_addresses,people.phone_numbers,addresses,account_list.account_list_users,"
                "account_list.organizations", "sort": "-name"},
    {"fields[contacts]": "name", "filter[status]": "active", "sort": "updated_at"},
    {"filter[wildcard_search]": "mith", "include": "account_list"},
    {"filter[wildcard_search]": "mith", "filter[reverse_wildcard_search]": "true", "page": "2", "per_page": "3"},
    {"filter[updated_at]": "2022-01-12", "fields[contacts]": ""},
]


@pytest.fixture
def cards(mpdx):
    mpdx.organizations()
    mpdx.import_({"account_lists": [{"id": LIST_AB, "name": "AB", "users": [
        {"id": "0a0a0a0a-0000-4000-8000-0000000000a1", "first_name": "Olga", "emails": [{"email": "o@x.example"}]}]}]})
    found = []
    for n in range(9):
        card = mpdx.card(given_name=f"G{n}", family_name="Smith" if n % 2 else "Lee", created=at(n), updated=at(9 - n),
                         emails=[{"value": f"g{n}@example.org"}], phones=[{"value": f"555 01{n:02d}"}],
                         addresses=[{"city": "Lima"}] if n % 3 else [])
        if n % 2:
            mpdx.import_({"contacts": [{"id": card["id"], "account_list": LIST_AB}]})
        found.append(card["id"])
    return found


@pytest.mark.parametrize("query", QUERIES)
def test_a_streamed_page_is_the_same_document(mpdx, cards, monkeypatch, query):
    batches = []
    real = mpdx_contacts.stream_contacts

    def spy(*args, **kwargs):
        for number, found in real(*args, **{**kwargs, "batch": 2}):
            batches.append(len(found.cards))
            yield number, found

    monkeypatch.setattr(mpdx_contacts, "stream_contacts", spy)
    built = mpdx.get("", {"per_page": "4", **query})
    assert batches == []
    monkeypatch.setattr(mpdx_blueprint, "STREAM_ROWS", 2)
    streamed = mpdx.get("", {"per_page": "4", **query})
    assert batches and max(batches) <= 2  # read two cards at a time
    assert (streamed.status_code, streamed.headers["Content-Type"]) == (built.status_code, built.headers["Content-Type"])
    assert streamed.get_json() == built.get_json()


def test_a_page_past_the_end_streams_an_empty_list(mpdx, cards):
    body = mpdx.get("", {"per_page": "5000", "page": "3"}).get_json()
    assert body["data"] == [] and "included" not in body
    assert body["meta"]["pagination"] == {"page": "3", "per_page": "5000", "total_count": 9, "total_pages": 1}


# ---------------------------------------------------------------- a real server

CARDS = 20_000
INCLUDE = "people.email_addresses,people.phone_numbers,addresses"


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _workers(master: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == master:
                        found.append(int(name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads worker memory from /proc")
def test_a_page_of_every_card_keeps_worker_memory_bounded(tmp_path):
    url = f"sqlite:///{tmp_path}/big.db"  # its own store (PostgreSQL's streaming is covered above)
    runner = CliRunner()
    assert runner.invoke(cli, ["seed", "--count", str(CARDS), "--seed", "3", "--database-url", url]).exit_code == 0
    created = runner.invoke(cli, ["token", "create", "--scope", "contacts:read", "--database-url", url])
    token = created.stdout.strip().splitlines()[-1]
    server = LiveServer(url, workers=1, env={"CONTACTS_AUTH": "on"}).start()
    try:
        worker = _workers(server.proc.pid)[0]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": JSONAPI}
        page = f"{server.base}/api/v2/organizations/contacts?include={INCLUDE}&per_page="
        for warm_up in ("25", "1001"):  # the code paths of both page kinds, once
            with urllib.request.urlopen(urllib.request.Request(page + warm_up, headers=headers), timeout=60) as r:
                r.read()
        request = urllib.request.Request(page + "100000000", headers=headers)
        before = _rss_mb(worker)
        peak, received, done = [before], [0], threading.Event()

        def sample():
            while not done.is_set():
                peak.append(_rss_mb(worker))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                assert response.status == 200
                while chunk := response.read(1 << 16):
                    received[0] += len(chunk)
                    tail = chunk[-200:]
        finally:
            done.set()
            sampler.join()
        after = _rss_mb(worker)
    finally:
        server.stop()
    assert b'"total_count":20000' in tail
    assert received[0] > 40 * CARDS  # every card, with its people, emails, phones and addresses
    # Building this document in memory takes several hundred MB; streamed, a few batches' worth.
    print(f"worker RSS before {before:.0f} MB, peak {max(peak):.0f} MB, after {after:.0f} MB, {received[0] / 1e6:.0f} MB sent")
    assert max(peak) - before < 40, (before, max(peak), after)
    assert max(peak) < 150
