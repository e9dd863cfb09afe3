"""A small tmpfs to fill up: disk-full tests (CI runs as root; elsewhere they skip, saying why)."""
from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    """Mount a tmpfs of `size` at `where` for the block; skips the test when mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"disk-full test needs to mount a tmpfs (root): {done.stderr.strip() or done.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(directory: Path, leave: int = 0) -> Path:
    """Fill the filesystem of `directory` until fewer than `leave` bytes are free; returns the filler file."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with open(filler, "ab") as out:
        while True:
            free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
            if free <= leave:
                break
            try:
                out.write(chunk[: max(min(len(chunk), free - leave), 1)])
                out.flush()
            except OSError:
                break
    return filler
