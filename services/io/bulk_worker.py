"""A forked process that reads and parses an import's input while this process writes.

The worker takes over the (partly consumed) task iterator itself, so the input's bytes
never cross a pipe: only the results come back, `marshal`led (several times faster to
load than JSON or pickle for lists of plain values; both ends are the same interpreter).
A thread of this process receives the results as they come (the read runs without the
GIL) into a queue of AHEAD results: the writer stops for seconds at a time (search-index
writes, savepoints) and with only the pipe's buffer between them the worker stood idle
meanwhile (the import got ~1.1 of the 2 cores). The queue is the back-pressure, so memory
stays bounded whatever the input size.
"""
from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

_RESULT, _PICKLED, _END, _ERROR = b"R", b"P", b"E", b"X"
AHEAD = 16  # results received but not yet used (a result is one task's, ~1 MB for 1,000 cards)


_here = threading.local()


@contextlib.contextmanager
def in_this_process() -> Iterator[None]:
    """Parse imports started in this thread here, without forking a worker.

    For imports run by a threaded server (the web UI's upload): forking a process
    whose other threads may hold locks is not safe.
    """
    previous = getattr(_here, "only", False)
    _here.only = True
    try:
        yield
    finally:
        _here.only = previous


def worker_wanted() -> bool:
    """Whether a second process helps (more than one core; CONTACTS_IMPORT_WORKERS=0 turns it off)."""
    if getattr(_here, "only", False):
        return False
    return (os.cpu_count() or 1) > 1 and os.environ.get("CONTACTS_IMPORT_WORKERS", "1") != "0"


def mapped(tasks: Iterable, work: Callable[[object], list]) -> Iterator[list]:
    """`work(task)` for every task, in order; past the first task, in a forked worker process.

    A small input (one task) is worked here. The worker must not touch this process's
    database connection (`work` needs none). An error in the worker is raised here as a
    RuntimeError naming it; a worker killed from outside ends the import the same way.
    """
    tasks = iter(tasks)
    first = next(tasks, None)
    if first is None:
        return
    second = next(tasks, None)
    if second is None or not worker_wanted():
        yield work(first)
        if second is not None:
            yield work(second)
            for task in tasks:
                yield work(task)
        return
    import itertools
    import multiprocessing

    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(itertools.chain((first, second), tasks), work, writer, reader),
                              daemon=True)
    process.start()
    writer.close()  # the worker holds the only write end: its death is an EOF here
    messages: queue.Queue = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()
    receiver = threading.Thread(target=_receive, args=(reader, messages, stop), name="import-receiver", daemon=True)
    receiver.start()
    try:
        while True:
            message = messages.get()
            if message is None:
                raise RuntimeError("the import's parse worker stopped without an answer (killed?); "
                                   "the import stopped") from None
            kind, payload = message[:1], memoryview(message)[1:]
            if kind == _END:
                return
            if kind == _ERROR:
                raise RuntimeError(f"the import's parse worker failed: {bytes(payload).decode()}")
            yield marshal.loads(payload) if kind == _RESULT else pickle.loads(payload)
    finally:
        stop.set()
        if process.is_alive():
            process.terminate()  # a receiver blocked in a read gets its EOF
        process.join()
        receiver.join()
        reader.close()


def _receive(reader, messages: queue.Queue, stop: threading.Event) -> None:
    """Move the worker's messages from the pipe to `messages` (None for an EOF) until its end."""
    while True:
        try:
            message = reader.recv_bytes()
        except (EOFError, OSError):
            message = None
        while True:
            try:
                messages.put(message, timeout=0.1)
                break
            except queue.Full:
                if stop.is_set():  # the importer stopped reading
                    return
        if message is None or message[:1] in (_END, _ERROR):
            return


def _serve(tasks: Iterator, work: Callable[[object], list], writer, reader=None) -> None:
    import gc
    import logging
    import signal
    import traceback

    if reader is not None:
        # The importer's end: held here too, a write would block for ever once the importer is
        # killed (nobody reads, yet the pipe still has a reader); closed, it fails and we exit.
        reader.close()
    gc.disable()  # short-lived lists only; the parent handles Ctrl-C
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for task in tasks:
            writer.send_bytes(_pack(work(task)))
        writer.send_bytes(_END)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the importer stopped reading (it failed or was interrupted)
    except BaseException as exc:  # noqa: BLE001 - reported to the importer, which raises it
        logging.getLogger(__name__).error("the import's parse worker failed:\n%s", traceback.format_exc())
        try:
            writer.send_bytes(_ERROR + "".join(traceback.format_exception_only(exc)).strip().encode())
        except OSError:
            pass
    finally:
        writer.close()


def _pack(result: list) -> bytes:
    try:
        return _RESULT + marshal.dumps(result)
    except ValueError:  # a value marshal cannot write (e.g. a datetime): pickle does
        return _PICKLED + pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
