"""An import killed with SIGKILL leaves no parse worker behind (it used to block for ever)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.live_server import ROOT

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the parse worker runs only with 2+ cores")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(p) for p in listing.read().split()]
    except OSError:
        return []


def test_killing_the_importer_ends_its_parse_worker(tmp_path):
    source = tmp_path / "cards.jsonl"
    with open(source, "w") as out:
        for n in range(60_000):
            out.write(json.dumps({"type": "contact", "id": str(uuid.uuid4()), "display_name": f"P {n}"}) + "\n")
    url = os.environ.get("CONTACTS_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/c.db"
    importer = subprocess.Popen([sys.executable, "-c", "from app import main; main()", "import", str(source),
                                 "--database-url", url], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while time.monotonic() < deadline and not workers and importer.poll() is None:
        workers = _children(importer.pid)
        time.sleep(0.02)
    if not workers:
        importer.wait()
        pytest.skip("the import finished before its parse worker was seen")
    time.sleep(0.3)  # the worker is producing; its pipe fills once nobody reads
    importer.send_signal(signal.SIGKILL)
    importer.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") and
                                              open(f"/proc/{pid}/stat").read().split()[2] != "Z"
                                              for pid in workers):
        time.sleep(0.1)
    alive = [pid for pid in workers if os.path.exists(f"/proc/{pid}")
             and open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the parse worker outlived the killed importer"
