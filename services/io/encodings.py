"""Text encodings of imported files: byte-order marks, UTF-16, and 8-bit text without a label.

Real exports come as UTF-8 (with or without a BOM), UTF-16 (Windows address books,
Outlook's "Unicode" CSV), Windows code pages (cp1252 from Outlook, Shift-JIS from
Japanese phones) and ISO-8859-x. A file's encoding is taken from its BOM, else from
the NUL pattern of UTF-16 text, else UTF-8 when the bytes are valid UTF-8, else
`charset-normalizer` picks one from the bytes that are not (never a guess that needs
U+FFFD: bytes the chosen code page leaves undefined are read as Latin-1).
"""
from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import IO

# How much of a file is looked at to detect its encoding (the rest is assumed alike).
SNIFF_BYTES = 1 << 20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Code pages charset-normalizer may choose among for 8-bit text without a label (the ones
# address books write; without a list it sometimes picks exotic ones for short samples).
EIGHT_BIT_CANDIDATES = (
    "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_5", "cp1253", "iso8859_7",
    "cp1254", "iso8859_9", "cp1257", "mac_roman", "cp850", "cp437",
)
MULTI_BYTE_CANDIDATES = ("shift_jis", "cp932", "euc_jp", "gb18030", "big5", "euc_kr", "cp949")


def bom_encoding(head: bytes) -> tuple[str | None, int]:
    """(encoding, BOM length) from a byte-order mark, or (None, 0)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None, 0


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when ASCII-heavy text has NULs in every other byte."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def is_utf8(data: bytes) -> bool:
    """True when the bytes decode as UTF-8 (a cut multi-byte sequence at the end is allowed)."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.start >= len(data) - 3


def detect_8bit(sample: bytes, default: str = "cp1252") -> str:
    """The most plausible legacy encoding of bytes that are not UTF-8 (charset-normalizer)."""
    if not sample:
        return default
    japanese = _japanese(sample)
    if japanese:
        return japanese
    from charset_normalizer import from_bytes

    candidates = list(EIGHT_BIT_CANDIDATES + MULTI_BYTE_CANDIDATES)
    matches = list(from_bytes(sample, cp_isolation=candidates))
    if not matches:
        return default
    # Equally clean readings (cp1252 and cp1250 read most Latin text): the commoner code page wins.
    least = min(m.chaos for m in matches)
    order = {codecs.lookup(c).name: i for i, c in enumerate(candidates)}
    best = min((m for m in matches if m.chaos <= least + 0.01),
               key=lambda m: order.get(codecs.lookup(m.encoding).name, len(order)))
    return codecs.lookup(best.encoding).name


def _japanese(sample: bytes) -> str | None:
    """Shift-JIS or EUC-JP when the bytes decode strictly so and the text has kana.

    Short Japanese samples (a few names) are where statistical detection guesses wrong
    (cp1252 and cp949 decode them too); kana never come out of Latin text decoded wrongly.
    """
    for codec in ("cp932", "euc_jp"):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [c for c in text if ord(c) > 127]
        kana = sum(1 for c in wide if "\u3040" <= c <= "\u30ff")
        cjk = sum(1 for c in wide if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        if wide and kana and cjk >= 0.9 * len(wide):
            return "cp932" if codec == "cp932" else codec
    return None


def decode_text(data: bytes, encoding: str) -> str:
    """Bytes in a legacy encoding to text; never U+FFFD (undefined bytes are read as Latin-1)."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        pass
    out, rest = [], data
    while rest:
        try:
            out.append(rest.decode(encoding))
            break
        except UnicodeDecodeError as exc:
            out.append(rest[:exc.start].decode(encoding))
            out.append(rest[exc.start:exc.end].decode("latin-1"))
            rest = rest[exc.end:]
        except LookupError:
            out.append(rest.decode("latin-1"))
            break
    return "".join(out)


def known_charset(name: str) -> str | None:
    """The Python codec for a CHARSET= value, or None when there is none."""
    try:
        return codecs.lookup(name.strip().strip('"')).name
    except LookupError:
        return None


def transcode_to_utf8(stream: IO[bytes], encoding: str, skip: int = 0) -> Iterator[bytes]:
    """UTF-16/32 (or any) bytes from a stream, re-encoded as UTF-8, in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    first = True
    while True:
        chunk = stream.read(1 << 16)
        if first:
            chunk, first = chunk[skip:], False
        if not chunk:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail.encode("utf-8")
            return
        yield decoder.decode(chunk).encode("utf-8")


class ChunkReader:
    """A minimal binary stream (read/readline) over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._done = False

    def _fill(self) -> bool:
        if self._done:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self._done = True
            return False
        self._buffer += chunk
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all when negative)."""
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readline(self) -> bytes:
        """One line up to and including `\\n` (or the rest)."""
        while b"\n" not in self._buffer and self._fill():
            pass
        at = self._buffer.find(b"\n")
        end = len(self._buffer) if at < 0 else at + 1
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


def utf8_stream(stream: IO[bytes]) -> tuple[IO[bytes], str]:
    """The stream as UTF-8-or-8-bit bytes without a BOM, and the encoding found.

    UTF-16/32 input is transcoded to UTF-8; otherwise the stream is returned positioned
    after any UTF-8 BOM. Needs `peek` (a BufferedReader) to look without consuming.
    """
    head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    encoding, skip = bom_encoding(head)
    if encoding is None:
        encoding = utf16_without_bom(head)
    if encoding in (None, "utf-8"):
        if skip:
            stream.read(skip)
        return stream, "utf-8"
    return ChunkReader(transcode_to_utf8(stream, encoding, skip)), encoding


class Rewound(io.RawIOBase):
    """A raw stream that gives back bytes already read (`head`), then the rest of `stream`."""

    def __init__(self, head: bytes, stream) -> None:
        super().__init__()
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Undecodable bytes read as Latin-1 (never U+FFFD: a wrong letter beats a lost one)."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("contacts-latin1", _latin1_fallback)


def sniffed(stream: IO[bytes], encoding: str | None = None) -> tuple[IO[bytes], str, str]:
    """(the stream from its start, its text encoding, its first SNIFF_BYTES as text).

    `encoding` (a user's --encoding) wins; else BOM, UTF-16 NULs, UTF-8, detection.
    The encoding returned is one `TextIOWrapper` reads the stream with (BOM included).
    """
    head = stream.read(SNIFF_BYTES)
    rewound = io.BufferedReader(Rewound(head, stream), buffer_size=1 << 16)
    if encoding is None:
        found, skip = bom_encoding(head)
        if found == "utf-8":
            encoding = "utf-8-sig"
        elif found is not None:
            encoding = found.replace("-le", "").replace("-be", "") if skip else found
        else:
            encoding = utf16_without_bom(head) or ("utf-8" if is_utf8(head) else detect_8bit(head))
    try:
        text = head.decode(encoding, "contacts-latin1")
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None
    return rewound, encoding, text.lstrip("\ufeff")
