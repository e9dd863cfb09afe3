"""Every `sh` block of the README runs against a live server, so the README cannot rot.

A block is skipped only when an HTML comment right before it says so, with a reason:

    <!-- readme-test: skip (starts a server in the foreground) -->

Each other block runs in bash with `set -eo pipefail` in a scratch directory (the
repository's `examples/` and `tests/` linked in), against a real `contacts serve` on a free
port: `127.0.0.1:8080` becomes that port, `TOKEN` is its first token, `$ID`/`$OTHER`/`<id>`
are cards created up front, and the data commands use its database. A command that exits
non-zero fails the test with the block's line number and output.
"""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from .live_server import ROOT, LiveServer, request

README = os.path.join(ROOT, "README.md")
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->\s*$")


def readme_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, code, skip reason or None) of every ```sh block."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            match = SKIP.match(previous.strip())
            blocks.append((start, "\n".join(lines[start:end]), match.group(1) if match else None))
            i = end
        i += 1
    return blocks


BLOCKS = readme_blocks(open(README, encoding="utf-8").read())


def test_the_extractor_finds_blocks_and_reasons():
    assert len(BLOCKS) >= 10
    skipped = [reason for _, _, reason in BLOCKS if reason]
    assert skipped and all(reason.strip() for reason in skipped)
    assert readme_blocks("<!-- readme-test: skip (why) -->\n```sh\nfalse\n```\n```sh\ntrue\n```\n") == [
        (2, "false", "why"), (5, "true", None)]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A live server on a fresh SQLite file, two cards in it, and a scratch directory."""
    work = tmp_path_factory.mktemp("readme")
    url = f"sqlite:///{work}/readme.db"
    server = LiveServer(url, workers=1, env={"CONTACTS_AUTH": "on"}).start()
    try:
        for name in ("examples", "tests", "docs"):
            os.symlink(os.path.join(ROOT, name), work / name)
        yield server, server.first_token(), work, url
    finally:
        server.stop()


def _two_cards(server, token) -> list[str]:
    """Two new cards for a block to use as $ID and $OTHER (blocks delete what they are given)."""
    ids = []
    for name, number in (("Readme One", "21"), ("Readme Two", "22")):
        status, _, body = request(server.base + "/rest/v1/addressbook/contacts", "POST",
                                  {"displayname": name, "number": number}, token)
        assert status == 200, body
        ids.append(json.loads(body)["id"])
    return ids


@pytest.mark.parametrize("line,code,reason", BLOCKS, ids=[f"line{b[0]}" for b in BLOCKS])
def test_readme_block_runs(live, line, code, reason):
    if reason:
        pytest.skip(f"README line {line}: {reason}")
    server, token, work, url = live
    first, second = _two_cards(server, token)
    script = code.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    script = script.replace("<id2>", second)
    script = re.sub(r"<(?:[a-z]+-)?(?:id1?|uuid)>", first, script)
    env = {**os.environ, "TOKEN": token, "ID": first, "OTHER": second, "RELATION_ID": "0",
           "CONTACTS_DATABASE_URL": url, "PATH": os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "-c", "set -eo pipefail\n" + script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (f"README block at line {line} failed ({done.returncode}):\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    assert "Traceback" not in done.stderr
