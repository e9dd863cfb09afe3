"""tsdav (a real CardDAV client, from npm) against a live server: tests/carddav/tsdav/check.mjs.

The script discovers the server, fetches the address book and its vCards, creates,
updates (and fails to update with a stale ETag) and deletes a card, then syncs with
sync-collection after changes made through Niagara and FOLIO. This test checks what
tsdav saw. It is skipped only when Node.js is not installed (CI installs it).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.live_server import LiveServer, request

HERE = Path(__file__).parent / "tsdav"


@pytest.fixture(scope="module")
def tsdav_installed() -> Path:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    if not (HERE / "node_modules" / "tsdav").exists():  # .ci/run runs `npm ci` here; so does a first run
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True,
                       timeout=300)
    return HERE


def test_tsdav_discovers_reads_writes_and_syncs(tsdav_installed, tmp_path):
    server = LiveServer(f"sqlite:///{tmp_path}/dav.db", workers=1, env={"CONTACTS_AUTH": "on"}).start()
    try:
        token = server.first_token()
        status, _, raw = request(server.base + "/contacts", "POST",
                                 {"label": "x", "name": "Grace Hopper", "email": "grace@example.org"}, token)
        assert status == 200
        grace = json.loads(raw)["contact_id"]
        done = subprocess.run(["node", "check.mjs"], cwd=tsdav_installed, capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, BASE=server.base, TOKEN=token))
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    base = server.base
    book = f"{base}/carddav/addressbooks/contacts/"
    assert seen["rootUrl"] == f"{base}/carddav/"
    assert seen["principalUrl"] == f"{base}/carddav/principal/"
    assert seen["homeUrl"] == f"{base}/carddav/addressbooks/"
    assert seen["books"] == [{"url": book, "displayName": "Contacts",
                              "reports": ["addressbookMultiget", "addressbookQuery", "syncCollection"]}]
    assert [c["url"] for c in seen["initial"]] == [f"{book}{grace}.vcf"]
    assert re.fullmatch(r'"c1-[0-9a-z]+"', seen["initial"][0]["etag"])  # services/card_tags.py
    assert "\r\nFN:Grace Hopper\r\n" in seen["initial"][0]["data"]
    assert seen["createStatus"] == 201
    created = seen["createdCard"]
    assert re.fullmatch(r'"c1-[0-9a-z]+"', created["etag"]) and created["etag"] != seen["initial"][0]["etag"]
    assert "\r\nVERSION:4.0\r\n" in created["data"] and "\r\nX-TSDAV-NOTE:kept\r\n" in created["data"]
    assert (seen["updateStatus"], seen["staleUpdateStatus"], seen["deleteStatus"]) == (204, 412, 204)
    assert (seen["niagaraEdit"], seen["folioCreate"]) == (200, 201)
    sync = seen["sync"]
    assert [c["url"] for c in sync["created"]] == [f"{book}{seen['folioId']}.vcf"]
    assert "\r\nFN:Nick Fury\r\n" in sync["created"][0]["data"]
    assert [c["url"] for c in sync["updated"]] == [f"{book}{grace}.vcf"]
    assert "\r\nFN:Grace Brewster Hopper\r\n" in sync["updated"][0]["data"]
    assert sync["deleted"] == [created["url"]]
    assert sync["syncToken"] != seen["tokenBefore"]
    assert seen["secondSyncResponses"] == 0
