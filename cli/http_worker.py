"""gunicorn's threaded worker, with each request read whole in the event loop before a thread takes it.

gunicorn's `gthread` worker hands a connection to a thread as soon as it is readable,
and the thread then reads the request line, headers and body with blocking reads and
no deadline: eight clients sending a byte a second held the 2 x 4 threads and the
server answered nobody. Here the worker's event loop (the thread that accepts and
watches kept-alive connections) reads what each connection sends without blocking
into a buffer until the request is complete (headers, then the Content-Length or
chunked body), and only then gives it to a thread, whose parser reads it from that
buffer. A request that is not complete `read_timeout` seconds after its first byte
may be waited for (CONTACTS_REQUEST_READ_TIMEOUT) gets a 408 and its connection is
closed. So a slow client costs a socket and a buffer, never a thread: connections are
bounded by `worker_connections` (1,000 a worker), threads serve only complete requests.

A request whose body is over the limit is handed over once the limit is passed (the
app answers 413 from what is buffered); one whose headers are over the limit too
(gunicorn answers 400). `Expect: 100-continue` is answered here, so such a client sends
its body into the buffer like any other.
"""
from __future__ import annotations

import errno
import re
import selectors
import socket
import time
from collections import deque
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

# Headers larger than this are handed over unread-to-the-end: gunicorn refuses them (400).
MAX_HEADER_BYTES = 64 * 1024
_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:.*chunked", re.IGNORECASE | re.MULTILINE)
_EXPECT_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue[ \t]*\r\n", re.IGNORECASE | re.MULTILINE)
_TIMEOUT_BODY = b"The request was not sent in time; send it again"
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY))


def request_complete(buffer: bytes | bytearray, max_body: int) -> bool:
    """Whether `buffer` starts with a whole HTTP/1 request (or one gunicorn/the app will refuse)."""
    end = buffer.find(_HEADER_END)
    if end < 0:
        return len(buffer) > MAX_HEADER_BYTES
    head, body_start = bytes(buffer[:end + 2]), end + 4
    if _CHUNKED.search(head):
        return _chunked_complete(buffer, body_start, max_body)
    match = _CONTENT_LENGTH.search(head)
    if match is None:
        return True
    length = int(match.group(1)) if len(match.group(1)) < 20 else max_body + 1
    # Over the limit: the app answers 413 from Content-Length without reading the body.
    return length > max_body or len(buffer) - body_start >= length


def _chunked_complete(buffer: bytes | bytearray, position: int, max_body: int) -> bool:
    received = 0
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return len(buffer) - position > 1024  # a size line this long is invalid: let gunicorn say so
        size_text = bytes(buffer[position:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16) if len(size_text) <= 16 else -1
        except ValueError:
            size = -1
        if size < 0:
            return True  # malformed: gunicorn answers 400
        position = line_end + 2
        if size == 0:  # the last chunk: the trailer section ends with an empty line
            return buffer[position:position + 2] == b"\r\n" or buffer.find(_HEADER_END, position - 2) >= 0
        received += size
        if received > max_body:
            return True  # the app reads past the limit from the buffer and answers 413
        position += size + 2
        if position > len(buffer):
            return False


class ReadAheadThreadWorker(ThreadWorker):
    """`gthread` with whole requests read by the event loop, under a deadline (see the module)."""

    # Set by `contacts serve` before the workers fork.
    read_timeout = 10.0
    max_body = 1024 * 1024

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reading: deque = deque()  # connections whose request is arriving, oldest deadline first

    def enqueue_req(self, conn) -> None:
        """Read the connection's next request into its buffer first (see the module)."""
        if getattr(conn, "request_ready", False):
            conn.request_ready = False
            super().enqueue_req(conn)
            return
        leftover = b""
        if conn.parser is not None:  # bytes of a pipelined request the parser read already
            leftover = conn.parser.unreader.take_buffered()
        conn.read_buffer = bytearray(leftover)
        conn.continued = False
        conn.read_deadline = time.monotonic() + self.read_timeout
        conn.sock.setblocking(False)
        # Usually the request is there already (a kept-alive connection became readable, or
        # the client wrote right after connecting): read it now, without a round in the poller.
        if not self._receive(conn):
            self.nr_conns -= 1
            conn.close()
            return
        if self._complete(conn):
            self._hand_over(conn)
            return
        self.reading.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    @staticmethod
    def _receive(conn) -> bool:
        """Append what the socket holds to the buffer; False when the client closed or failed."""
        try:
            while True:
                data = conn.sock.recv(65536)
                if not data:  # the client closed its side before sending a whole request
                    return False
                conn.read_buffer += data
                if len(data) < 65536:
                    return True
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False

    def _on_readable(self, conn, client) -> None:
        if not self._receive(conn):
            self._drop(conn)
            return
        if self._complete(conn):
            self.poller.unregister(conn.sock)
            self.reading.remove(conn)
            self._hand_over(conn)

    def _complete(self, conn) -> bool:
        buffer = conn.read_buffer
        if request_complete(buffer, self.max_body):
            return True
        if not conn.continued:
            end = buffer.find(_HEADER_END)
            if end >= 0 and _EXPECT_CONTINUE.search(buffer, 0, end + 2):
                # The client waits for this before it sends the body; gunicorn must not send it again.
                conn.read_buffer = bytearray(_EXPECT_CONTINUE.sub(b"", bytes(buffer[:end + 2]), count=1)
                                             + buffer[end + 2:])
                conn.continued = True
                try:
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    pass
        return False

    def _hand_over(self, conn) -> None:
        """Give the whole request to a thread; its parser reads the buffer before the socket."""
        buffer, conn.read_buffer = bytes(conn.read_buffer), None
        conn.data_ready = True
        conn.init()  # creates the parser (and makes the socket blocking) once per connection
        conn.sock.setblocking(True)
        conn.parser.unreader.unread(buffer)
        conn.request_ready = True
        self.enqueue_req(conn)

    def _drop(self, conn, answer: bytes = b"") -> None:
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        try:
            self.reading.remove(conn)
        except ValueError:
            pass
        if answer:
            try:
                conn.sock.send(answer)
            except OSError:
                pass
        self.nr_conns -= 1
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError as exc:
            if exc.errno not in (errno.ENOTCONN, errno.EBADF):
                pass
        conn.close()

    def murder_pending(self) -> None:
        """gunicorn's sweep of idle connections, plus requests not sent whole in time."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading and self.reading[0].read_deadline <= now:
            conn = self.reading[0]
            self._drop(conn, _TIMEOUT_RESPONSE if conn.read_buffer else b"")
