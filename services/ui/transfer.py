"""The UI's import (an uploaded file) and export (a download streamed as it is written).

Both run the pipeline `contacts import|export` runs (services.io.stream). The upload is
parsed in the request's own thread (`bulk_worker.in_this_process`: a threaded server
must not fork a parse worker). The export is written by a thread of its own into a
small queue that the response reads, so the first bytes leave at once and memory stays
bounded whatever the number of cards; the thread has its own database connection,
closed when it ends, and stops when the download is abandoned.
"""
from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from models.connect import database

from ..errors import Forbidden
from ..io import bulk_worker
from ..io.report import ImportReport, RecordError
from ..io.stream import EXPORT_FORMATS, IMPORT_FORMATS, detect_format, export_stream, import_stream

UPLOAD_BATCH = 1000
MAX_PROBLEMS_SHOWN = 200
EXPORT_CHUNK = 64 * 1024
EXPORT_QUEUE = 16  # chunks written but not yet sent

# Export format -> (file extension, Content-Type, what the button says).
EXPORTS = {
    "jsonl": ("jsonl", "application/x-ndjson", "JSON Lines (everything)"),
    "vcard4": ("vcf", "text/vcard; charset=utf-8", "vCard 4.0"),
    "vcard3": ("vcf", "text/vcard; charset=utf-8", "vCard 3.0"),
    "vcard21": ("vcf", "text/vcard; charset=utf-8", "vCard 2.1"),
    "csv-google": ("csv", "text/csv; charset=utf-8", "CSV (Google)"),
    "csv-outlook": ("csv", "text/csv; charset=utf-8", "CSV (Outlook)"),
    "ldif": ("ldif", "text/x-ldif; charset=utf-8", "LDIF (Thunderbird, with groups as mailing lists)"),
}
assert set(EXPORTS) == set(EXPORT_FORMATS)


@dataclass
class ImportOutcome:
    """What an upload did: the file, the format used, the report and its summary line."""

    filename: str
    fmt: str
    report: ImportReport
    error: str | None = None  # why the file as a whole could not be read

    @property
    def problems(self) -> list[tuple[str, str]]:
        """The first MAX_PROBLEMS_SHOWN (position, message) pairs."""
        return self.report.problems[:MAX_PROBLEMS_SHOWN]

    @property
    def problem_count(self) -> int:
        """Every record the report has a line for: failed, skipped, or imported with a warning."""
        return self.report.failed + self.report.skipped + self.report.warnings

    @property
    def more_problems(self) -> int:
        """Problems counted but not shown."""
        return max(0, self.problem_count - len(self.problems))


JSONL_NEEDS = ("Importing JSON Lines needs a token with the * scope: the format can set what no API "
               "can (card locks, MPDX organizations, account lists and status, ids and timestamps).")


def import_upload(stream: IO[bytes], filename: str, fmt: str = "auto", *, full_access: bool = False,
                  columns: str | None = None) -> ImportOutcome:
    """Import an uploaded file (vCard, CSV or the project's JSON Lines); `fmt` 'auto' detects it;
    `columns` names the columns of a CSV without a header row (as `contacts import --columns`).

    JSON Lines only with `full_access` (a `*` token), else Forbidden: the UI must not open a
    way to write what the API doors cannot.
    """
    raw = io.BufferedReader(_Readable(stream))
    if fmt not in IMPORT_FORMATS:
        fmt = detect_format(filename or "", raw.peek(64)[:64])
    if fmt == "jsonl" and not full_access:
        raise Forbidden(JSONL_NEEDS, scope="*")
    report = ImportReport()
    outcome = ImportOutcome(filename or "upload", fmt, report)
    try:
        with bulk_worker.in_this_process():
            import_stream(raw, fmt, report, batch_size=UPLOAD_BATCH, name=outcome.filename, columns=columns)
    except RecordError as exc:  # the file as a whole: not a contacts file, empty, the wrong format
        outcome.error = str(exc)
    return outcome


class _Readable(io.RawIOBase):
    """Any binary file object (Werkzeug's upload stream) as a raw stream a BufferedReader can wrap."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def export_filename(fmt: str, today: str) -> str:
    """contacts-2026-12-03.vcf and the like."""
    suffix = {"vcard3": "-v3", "vcard21": "-v21"}.get(fmt, "")
    return f"contacts-{today}{suffix}.{EXPORTS[fmt][0]}"


_END = object()


def export_chunks(fmt: str) -> Iterator[bytes]:
    """Every card in format `fmt`, as byte chunks produced by a writer thread while they are sent."""
    if fmt not in EXPORTS:
        raise ValueError(f"unknown export format {fmt!r}")
    chunks: queue.Queue = queue.Queue(maxsize=EXPORT_QUEUE)
    stop = threading.Event()
    thread = threading.Thread(target=_write_export, args=(fmt, chunks, stop), name="ui-export", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a writer blocked on a full queue see `stop`
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        thread.join()


class _Stopped(Exception):
    """The download was abandoned: the writer thread stops."""


class _QueueWriter(io.RawIOBase):
    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self._chunks, self._stop = chunks, stop
        self.stopped = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        while True:
            if self._stop.is_set():
                if self.stopped:  # the buffer's own last flush, after the export gave up
                    return len(chunk)
                self.stopped = True
                raise _Stopped()
            try:
                self._chunks.put(chunk, timeout=0.1)
                return len(chunk)
            except queue.Full:
                continue


def _write_export(fmt: str, chunks: queue.Queue, stop: threading.Event) -> None:
    try:
        out = io.BufferedWriter(_QueueWriter(chunks, stop), EXPORT_CHUNK)
        export_stream(fmt, out)
        out.flush()
        _put(chunks, stop, _END)
    except _Stopped:
        pass
    except BaseException as exc:  # noqa: BLE001 - handed to the response, which raises it
        _put(chunks, stop, exc)
    finally:
        if not database.is_closed():
            database.close()  # this thread's own connection


def _put(chunks: queue.Queue, stop: threading.Event, item) -> None:
    while not stop.is_set():
        try:
            chunks.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
