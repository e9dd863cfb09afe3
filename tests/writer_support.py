"""Holding SQLite's writer lock in a test, so that writes queue up for one group commit."""
from __future__ import annotations

import threading
import time


def queued_while_writer_held(write, count: int) -> list[threading.Thread]:
    """Run `write(i)` in `count` threads while holding the writer lock until all are queued
    for one group commit; returns the (joined) threads."""
    from models import writer

    threads = [threading.Thread(target=write, args=(i,)) for i in range(count)]
    with writer._process_writer:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(writer._grouped) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(writer._grouped) == count, "the writes did not all queue for one group commit"
    for thread in threads:
        thread.join(30)
    return threads


def errors_of_queued_creates(name: str, count: int) -> tuple[list[threading.Thread], list[Exception]]:
    """`create_card` of `count` cards named `<name><i>`, queued for one group commit (as
    `queued_while_writer_held`); returns the threads and the errors the creates raised."""
    from services.contacts import create_card

    errors: list[Exception] = []

    def create(i):
        try:
            create_card({"display_name": f"{name}{i}"})
        except Exception as exc:
            errors.append(exc)

    return queued_while_writer_held(create, count), errors
