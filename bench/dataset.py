"""The data set: a JSON Lines file of N contacts, imported with the real `contacts import`.

Both the file and the imported database are cached under bench/.work/, keyed by N and
the seed, so a second run at a million contacts starts serving in seconds. The import's
wall time and peak RSS are measured (by /usr/bin/time -v when present, else
getrusage of the child) when the database is built, and kept beside it in a JSON file.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
GROUP_NAMES = ("Friends", "Family", "Colleagues", "Donors", "Prayer partners", "Board", "Volunteers", "VIP")


def contacts_command() -> list[str]:
    """The `contacts` console script of this interpreter's environment (else `python app.py`)."""
    script = Path(sys.executable).parent / "contacts"
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "app.py")]


@dataclass
class ImportStats:
    """How the import of the data file went."""

    contacts: int
    wall_s: float
    peak_rss_mb: float
    rss_source: str
    folio_index_s: float = 0.0  # first FOLIO search's sync: indexes cards the import left unindexed
    cached: bool = False


def data_file(count: int, seed: int) -> Path:
    """The JSON Lines file of `count` contacts (written once, then reused)."""
    path = WORK / "data" / f"contacts-{count}-s{seed}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    from services.io.seed import CardFactory  # the project's own realistic generator (Faker pools)

    rng_ids = __import__("random").Random(seed)
    group_ids = [str(uuid.UUID(int=rng_ids.getrandbits(128), version=4)) for _ in GROUP_NAMES]
    factory = CardFactory(seed, group_keys=group_ids)
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    with open(partial, "wb") as out:
        out.write(orjson.dumps({"type": "meta", "format": "contacts-jsonl", "version": 1}) + b"\n")
        for group_id, name in zip(group_ids, GROUP_NAMES):
            code = name.lower().replace(" ", "-")
            out.write(orjson.dumps({"type": "group", "id": group_id, "code": code, "name": name}) + b"\n")
        for card in factory.cards(count):
            out.write(orjson.dumps({"type": "contact", **card}) + b"\n")
    partial.rename(path)
    log(f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


def database_file(count: int, seed: int, *, fresh: bool = False) -> tuple[Path, ImportStats]:
    """A database holding the data file, imported with `contacts import` (cached by N and seed)."""
    db_dir = WORK / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    path = db_dir / f"contacts-{count}-s{seed}.db"
    stats_path = path.with_suffix(".import.json")
    if fresh:
        for stale in db_dir.glob(path.name + "*"):
            stale.unlink()
        stats_path.unlink(missing_ok=True)
        path.with_suffix(".osid.json").unlink(missing_ok=True)  # the OSID objects go with the database
    if path.exists() and stats_path.exists():
        stats = ImportStats(**json.loads(stats_path.read_text()))
        stats.cached = True
        return path, stats
    source = data_file(count, seed)
    building = path.with_name(path.name + ".building")
    for stale in db_dir.glob(building.name + "*"):
        stale.unlink()
    stats = _import(source, building, count)
    stats.folio_index_s = _warm_folio_index(building)
    for suffix in ("-wal", "-shm"):  # a clean close leaves none; keep any with its database
        if Path(str(building) + suffix).exists():
            Path(str(building) + suffix).rename(str(path) + suffix)
    building.rename(path)
    stats_path.write_text(json.dumps(asdict(stats)))
    return path, stats


def database_url(path: Path) -> str:
    """The `sqlite:///` URL of a database file (absolute path)."""
    return f"sqlite:///{path}"


def _import(source: Path, target: Path, count: int) -> ImportStats:
    command = [*contacts_command(), "import", str(source), "--database-url", database_url(target)]
    timer = shutil.which("time") and Path("/usr/bin/time").exists()
    if timer:
        command = ["/usr/bin/time", "-v", *command]
    log(f"importing {count:,} contacts: {' '.join(command[-4:])}")
    env = dict(os.environ, CONTACTS_AUTH="on")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"contacts import failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    summary = done.stdout.strip().splitlines()[-1:] or [""]
    log(f"import: {summary[0]} in {wall:.1f} s")
    if timer:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        return ImportStats(count, wall, int(match.group(1)) / 1024 if match else -1, "/usr/bin/time -v")
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return ImportStats(count, wall, peak, "getrusage(RUSAGE_CHILDREN)")


def _warm_folio_index(path: Path) -> float:
    """Time FOLIO's pre-search sync in a child process: the name-index work an import left.

    `contacts import` indexes every card it writes, so this should take no time; it is
    measured to show that (services/cql/name_index.py indexes whatever is in `folio_dirty`).
    """
    code = ("import sys, time; from models.connect import open_database; "
            "from services.folio import name_index; open_database(sys.argv[1]); "
            "t = time.perf_counter(); name_index.sync(); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, database_url(path)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        log(f"FOLIO name index warm-up failed (FOLIO searches will build it): {done.stderr[-800:]}")
        return -1.0
    seconds = float(done.stdout.strip().splitlines()[-1])
    log(f"FOLIO name index built in {seconds:.1f} s")
    return seconds


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)
