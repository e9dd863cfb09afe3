"""A forked process that reads and parses an import's input while this process writes.

The worker takes over the (partly consumed) task iterator itself, so the input's bytes
never cross a pipe: only the results come back, `marshal`led (several times faster to
load than JSON or pickle for lists of plain values; both ends are the same interpreter).
The pipe is the back-pressure: the worker runs at most one result ahead of the writer,
so memory stays bounded whatever the input size.
"""
from __future__ import annotations

import marshal
import os
import pickle
from collections.abc import Callable, Iterable, Iterator

_RESULT, _PICKLED, _END, _ERROR = b"R", b"P", b"E", b"X"


def worker_wanted() -> bool:
    """Whether a second process helps (more than one core; CONTACTS_IMPORT_WORKERS=0 turns it off)."""
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
    process = context.Process(target=_serve, args=(itertools.chain((first, second), tasks), work, writer),
                              daemon=True)
    process.start()
    writer.close()  # the worker holds the only write end: its death is an EOF here
    try:
        while True:
            try:
                message = reader.recv_bytes()
            except EOFError:
                raise RuntimeError("the import's parse worker stopped without an answer (killed?); "
                                   "the import stopped") from None
            kind, payload = message[:1], memoryview(message)[1:]
            if kind == _END:
                return
            if kind == _ERROR:
                raise RuntimeError(f"the import's parse worker failed: {bytes(payload).decode()}")
            yield marshal.loads(payload) if kind == _RESULT else pickle.loads(payload)
    finally:
        reader.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _serve(tasks: Iterator, work: Callable[[object], list], writer) -> None:
    import gc
    import logging
    import signal
    import traceback

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
