"""`python -m bench.carddav`: CardDAV sync side by side with Radicale, on the same cards.

For each book size (default 10,000 and 100,000 cards, the bench's cached imports):

- initial sync, as a phone does it: PROPFIND Depth 1 (every href and ETag), then
  addressbook-multiget in batches of `--batch` hrefs (vCards with their ETags), one
  keep-alive connection, sequential; wall time, and the server's RSS afterwards;
- incremental sync after 10 changes: each round changes 10 random cards with PUT, then
  times sync-collection with the previous token plus a multiget of what it reported
  (`--rounds` rounds; p50/p95; target p95 <= 50 ms, the same at every book size).

Radicale (PyPI, in its own venv under bench/.work/rivals/, default settings but `auth = none`)
holds the same cards, written as vCard 3.0 files into its storage folder. It builds its
item cache on first access; that cold first sync is reported apart from the measured one.
The report goes to bench/results/<date>-carddav.md.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import report
from .cli import RESULTS, _run_db
from .dataset import ROOT, WORK, database_file, database_url, log
from .rivals import RIVALS, _stop, _wait
from .server import Server, create_token, free_port

RADICALE_VERSION = "3.9.0"
OUR_BOOK = "/carddav/addressbooks/contacts/"
RADICALE_USER = "bench"
RADICALE_BOOK = f"/{RADICALE_USER}/contacts/"
HREF = re.compile(r"<(?:[A-Za-z0-9]+:)?href>([^<]+)</(?:[A-Za-z0-9]+:)?href>")
TOKEN = re.compile(r"<(?:[A-Za-z0-9]+:)?sync-token>([^<]+)</(?:[A-Za-z0-9]+:)?sync-token>")
DATA = re.compile(r"<(?:[A-Za-z0-9]+:)?address-data[^>]*>")
PROPFIND_ETAG = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
                 "<d:getcontenttype/></d:prop></d:propfind>")
PROPFIND_TOKEN = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/>'
                  "</d:prop></d:propfind>")


def _multiget(hrefs: list[str]) -> str:
    inner = "".join(f"<d:href>{h}</d:href>" for h in hrefs)
    return ('<?xml version="1.0" encoding="utf-8"?><c:addressbook-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>'
            f"{inner}</c:addressbook-multiget>")


def _sync(token: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>")


class Dav:
    """A keep-alive CardDAV client with HTTP Basic (the token as password)."""

    def __init__(self, base_url: str, user: str, password: str, book: str, timeout: float = 3600) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.book = book

    def call(self, method: str, path: str, body: str = "", headers: dict | None = None) -> tuple[int, str, dict]:
        sent = {"Authorization": self.auth, **(headers or {})}
        if body:
            sent.setdefault("Content-Type", "application/xml; charset=utf-8")
        self.conn.request(method, path, body=body.encode() if body else None, headers=sent)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        return response.status, data, dict(response.getheaders())

    def hrefs(self) -> list[str]:
        status, body, _ = self.call("PROPFIND", self.book, PROPFIND_ETAG, {"Depth": "1"})
        assert status == 207, (status, body[:300])
        return [h for h in HREF.findall(body) if h.rstrip("/") != self.book.rstrip("/")]

    def token(self) -> str:
        status, body, _ = self.call("PROPFIND", self.book, PROPFIND_TOKEN, {"Depth": "0"})
        assert status == 207, (status, body[:300])
        return TOKEN.findall(body)[0]


@dataclass
class SyncNumbers:
    """One server's numbers at one book size."""

    server: str
    cards: int
    propfind_s: float = 0.0
    initial_s: float = 0.0
    cold_initial_s: float | None = None
    received: int = 0
    incremental_ms: list[float] = field(default_factory=list)
    rss_mb: str = ""
    notes: list[str] = field(default_factory=list)

    def p(self, q: float) -> float:
        data = sorted(self.incremental_ms)
        return data[min(len(data) - 1, int(round(q * (len(data) - 1))))] if data else 0.0


def initial_sync(dav: Dav, batch: int) -> tuple[float, float, int]:
    """(PROPFIND seconds, whole initial sync seconds, vCards received)."""
    started = time.perf_counter()
    hrefs = dav.hrefs()
    listed = time.perf_counter()
    received = 0
    for start in range(0, len(hrefs), batch):
        status, body, _ = dav.call("REPORT", dav.book, _multiget(hrefs[start:start + batch]), {"Depth": "1"})
        assert status == 207, (status, body[:300])
        received += len(DATA.findall(body))
    return listed - started, time.perf_counter() - started, received


def incremental_rounds(dav: Dav, rounds: int, seed: int) -> list[float]:
    """Milliseconds of sync-collection + multiget after 10 PUTs, per round."""
    rng = random.Random(seed)
    hrefs = dav.hrefs()
    token = dav.token()
    timings = []
    for number in range(rounds):
        changed = rng.sample(hrefs, 10)
        for i, href in enumerate(changed):
            status, text, _ = dav.call("GET", href)
            assert status == 200, (status, href)
            text = re.sub(r"^FN:.*$", f"FN:Changed {seed} {number} {i}", text, count=1, flags=re.M)
            status, body, _ = dav.call("PUT", href, text, {"Content-Type": "text/vcard; charset=utf-8"})
            assert status in (200, 201, 204), (status, body[:300])
        started = time.perf_counter()
        status, body, _ = dav.call("REPORT", dav.book, _sync(token), {"Depth": "1"})
        assert status == 207, (status, body[:300])
        reported = [h for h in HREF.findall(body) if h.rstrip("/") != dav.book.rstrip("/")]
        status, data, _ = dav.call("REPORT", dav.book, _multiget(reported), {"Depth": "1"})
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 207
        missing = {h for h in changed} - set(reported)
        assert not missing, f"sync-collection did not report {len(missing)} changed cards"
        token = TOKEN.findall(body)[0]
    return timings


# ---------------------------------------------------------------- Radicale

def _install_radicale() -> Path:
    venv = RIVALS / "radicale-venv"
    binary = venv / "bin" / "radicale"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"radicale=={RADICALE_VERSION}"], check=True)
    return binary


def _radicale_storage(db_path: Path, count: int, seed: int) -> Path:
    """Radicale's storage folder holding the cards of our database as vCard 3.0 files (made once)."""
    root = RIVALS / f"radicale-{count}-s{seed}"
    book = root / "collection-root" / RADICALE_USER / "contacts"
    done = root / "complete"
    if done.exists():
        return root
    book.mkdir(parents=True, exist_ok=True)
    (book / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK", "D:displayname": "Contacts"}))
    code = ("import sys; from pathlib import Path; from models.connect import open_database; "
            "from services.io.canonical import iter_cards; from services.io.vcard import card_to_vcard; "
            "open_database(sys.argv[1]); book = Path(sys.argv[2]); n = 0\n"
            "for card in iter_cards():\n"
            "    (book / (card['id'] + '.vcf')).write_text(card_to_vcard(card, '3.0'), newline='')\n"
            "    n += 1\n"
            "print(n)")
    written = subprocess.run([sys.executable, "-c", code, database_url(db_path), str(book)], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout.strip()
    log(f"Radicale storage: {written} vCard files in {book}")
    done.write_text(written)
    return root


class Radicale:
    """Radicale serving a storage folder on a free port."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.port = free_port()
        self.process = None

    def __enter__(self) -> "Radicale":
        binary = _install_radicale()
        config = self.storage / "config"
        config.write_text(f"[server]\nhosts = 127.0.0.1:{self.port}\n[auth]\ntype = none\n"
                          f"[storage]\nfilesystem_folder = {self.storage}\n[logging]\nlevel = warning\n")
        self.process = subprocess.Popen([str(binary), "--config", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=open(WORK / "radicale.log", "ab"), start_new_session=True)
        _wait(self.port, "/", self.process)
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def __exit__(self, *exc) -> None:
        _stop(self.process)


# ---------------------------------------------------------------- the run

def _measure(dav: Dav, name: str, count: int, args, rss, rounds: int) -> SyncNumbers:
    numbers = SyncNumbers(name, count)
    cold = time.perf_counter()
    _, first, received = initial_sync(dav, args.batch)
    numbers.cold_initial_s = first
    log(f"{name} {count:,}: first initial sync {first:.1f} s ({received:,} vCards; {time.perf_counter() - cold:.1f} s)")
    numbers.propfind_s, numbers.initial_s, numbers.received = initial_sync(dav, args.batch)
    log(f"{name} {count:,}: initial sync {numbers.initial_s:.1f} s (PROPFIND {numbers.propfind_s:.2f} s)")
    if numbers.received != count:
        numbers.notes.append(f"received {numbers.received:,} vCards of {count:,}")
    numbers.rss_mb = rss()
    numbers.incremental_ms = incremental_rounds(dav, rounds, args.seed)
    if rounds != args.rounds:
        numbers.notes.append(f"{rounds} incremental rounds")
    log(f"{name} {count:,}: incremental sync p50 {numbers.p(0.5):.1f} ms, p95 {numbers.p(0.95):.1f} ms")
    return numbers


def run_size(count: int, args) -> list[SyncNumbers]:
    """Ours and Radicale's numbers at one book size."""
    pristine, _ = database_file(count, args.seed)
    run_db = _run_db(pristine, count)
    token = create_token(run_db)
    out = []
    with Server(run_db, workers=args.workers) as server:
        dav = Dav(server.base_url, "bench-phone", token, OUR_BOOK)
        out.append(_measure(dav, "ours", count, args,
                            lambda: ", ".join(f"{mb:.0f} MB" for mb in server.worker_rss_mb().values()),
                            args.rounds))
    if not args.no_radicale:
        storage = _radicale_storage(pristine, count, args.seed)
        try:
            with Radicale(storage) as radicale:
                dav = Dav(radicale.base_url, RADICALE_USER, "x", RADICALE_BOOK)
                out.append(_measure(dav, f"Radicale {RADICALE_VERSION}", count, args,
                                    lambda: f"{radicale.rss_mb():.0f} MB", args.rival_rounds))
        except Exception as exc:  # noqa: BLE001 - a rival that fails is reported, not fatal
            log(f"Radicale failed at {count:,}: {exc}")
            failed = SyncNumbers(f"Radicale {RADICALE_VERSION}", count)
            failed.notes.append(f"could not be measured: {exc}")
            out.append(failed)
    return out


def _table(rows: list[SyncNumbers]) -> str:
    lines = ["| server | cards | first sync s (cold) | initial sync s | PROPFIND Depth 1 s | vCards | "
             "incremental p50 ms | incremental p95 ms | target p95 <= 50 ms | RSS after sync | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        verdict = "" if r.server != "ours" else ("PASS" if r.p(0.95) <= 50 else "FAIL")
        lines.append(f"| {r.server} | {r.cards:,} | {r.cold_initial_s or 0:.2f} | {r.initial_s:.2f} | "
                     f"{r.propfind_s:.2f} | {r.received:,} | {r.p(0.5):.1f} | {r.p(0.95):.1f} | {verdict} | "
                     f"{r.rss_mb} | {'; '.join(r.notes)} |")
    return "\n".join(lines)


def _ratios(rows: list[SyncNumbers]) -> str:
    lines = []
    for count in sorted({r.cards for r in rows}):
        ours = next((r for r in rows if r.cards == count and r.server == "ours"), None)
        theirs = next((r for r in rows if r.cards == count and r.server != "ours" and r.initial_s), None)
        if ours is None or theirs is None:
            continue
        lines.append(f"- {count:,} cards: initial sync Radicale/ours **x{theirs.initial_s / ours.initial_s:.1f}** "
                     f"({theirs.initial_s:.1f} s vs {ours.initial_s:.1f} s; cold first sync "
                     f"{theirs.cold_initial_s:.1f} s vs {ours.cold_initial_s:.1f} s); incremental p95 "
                     f"Radicale/ours **x{theirs.p(0.95) / max(ours.p(0.95), 1e-9):.1f}** "
                     f"({theirs.p(0.95):.1f} ms vs {ours.p(0.95):.1f} ms)")
    return "\n".join(lines) or "(no pair measured)"


def main(argv: list[str] | None = None) -> int:
    """Run the CardDAV sync benchmark; returns the exit status (1 when a target fails)."""
    parser = argparse.ArgumentParser(prog="python -m bench.carddav", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=30, help="incremental rounds (default 30)")
    parser.add_argument("--rival-rounds", type=int, default=10,
                        help="incremental rounds for Radicale (default 10: a round takes it seconds at 100k)")
    parser.add_argument("--batch", type=int, default=100, help="hrefs per multiget (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-radicale", action="store_true")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    rows: list[SyncNumbers] = []
    for count in args.contacts:
        rows += run_size(count, args)
    ours = [r for r in rows if r.server == "ours"]
    failures = [f"{r.cards:,}: incremental p95 {r.p(0.95):.1f} ms" for r in ours if r.p(0.95) > 50]
    command = "python -m bench.carddav " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report.document(title="CardDAV sync: ours and Radicale on the same cards", command=command, sections=[
        ("Results", _table(rows)),
        ("Ratios (Radicale time / ours)", _ratios(rows)),
        ("How", (__doc__ or "").split("\n\n", 1)[1].strip()),
        ("Verdict", "every target passes" if not failures else "FAIL: " + "; ".join(failures)),
    ]) + f"\n_{time.perf_counter() - started:.0f} s in all._\n"
    print(text)
    output = Path(args.output) if args.output else RESULTS / f"{datetime.date.today().isoformat()}-carddav.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    log(f"report written to {output}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
