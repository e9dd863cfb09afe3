"""Writes acknowledged with a 2xx survive SIGKILL of the whole server, at several kill points."""
from __future__ import annotations

import http.client
import json
import threading
import time

import apsw
import pytest

from tests.live_server import LiveServer, request

BASE = "/rest/v1/addressbook/contacts"


def _writer(server: LiveServer, token: str, name: str, acked: dict, stop: threading.Event) -> None:
    """Create a contact, then keep updating it; remember what the server acknowledged."""
    i = 0
    while not stop.is_set():
        i += 1
        try:
            status, _, body = request(server.base + BASE, "POST",
                                      {"displayname": f"{name} {i}", "number": f"{name}-{i}"}, token, timeout=5)
            if status != 200:
                continue
            created = json.loads(body)
            acked[created["id"]] = ""
            status, _, body = request(f"{server.base}{BASE}/{created['id']}", "PATCH",
                                      {"jobtitle": f"job {i}"}, token, timeout=5)
            if status == 200:
                acked[created["id"]] = json.loads(body)["jobtitle"]
        except (OSError, http.client.HTTPException):  # e.g. IncompleteRead: killed while answering
            return  # the server is gone: anything not acknowledged may be lost


@pytest.mark.parametrize("kill_after", [0.3, 0.8, 1.5])
def test_acknowledged_writes_survive_sigkill(tmp_path, kill_after):
    url = f"sqlite:///{tmp_path}/crash.db"
    server = LiveServer(url, workers=2, env={"CONTACTS_AUTH": "on"}).start()
    token = server.first_token()
    acked: dict[str, str] = {}
    stop = threading.Event()
    threads = [threading.Thread(target=_writer, args=(server, token, f"w{n}", acked, stop)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(kill_after)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert acked, "no write was acknowledged before the kill"

    conn = apsw.Connection(f"{tmp_path}/crash.db")
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()

    with LiveServer(url, workers=1) as again:
        for contact_id, jobtitle in acked.items():
            status, _, body = request(f"{again.base}{BASE}/{contact_id}", token=token)
            assert status == 200, f"acknowledged contact {contact_id} lost"
            if jobtitle:
                assert json.loads(body)["jobtitle"] == jobtitle
