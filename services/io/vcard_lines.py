"""The vCard line layer: physical lines -> logical lines -> properties, tolerant of real files.

Why not vobject's reader: real exports mix line ends (CR LF, CR CR LF, bare CR, blank
lines), put 8-bit text in a legacy code page on some properties only (`CHARSET=` per
property, or none at all), continue values on lines that are neither folded nor
properties (multi-line NOTEs, unindented base64), and nest a whole vCard in a 2.1
AGENT. vobject decodes the file as one text and raises on a line without a colon,
which loses the card. So, as most importers do, lines are read as bytes here, unfolded
(RFC 6350 folding, 2.1 quoted-printable soft breaks, base64 blocks), then each logical
line is decoded on its own: UTF-8 when it is UTF-8, else its CHARSET, else the file's
detected 8-bit encoding. Anything odd is repaired with a warning naming the line.
"""
from __future__ import annotations

import quopri
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from . import encodings

_PROPERTY_START = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?[;:]")


@dataclass
class Prop:
    """One property: `group.NAME;params:value` as read (value still escaped/encoded)."""

    group: str
    name: str  # upper case
    params: list[tuple[str, list[str]]]  # (KEY upper case, values); 2.1 bare words have KEY ""
    value: str
    line: int
    text: str  # the logical line as read (unfolded), kept verbatim
    nested: list[str] = field(default_factory=list)  # a 2.1 AGENT's embedded vCard lines

    def param(self, key: str) -> list[str]:
        """Every value of a parameter (comma lists split, quotes removed)."""
        out = []
        for name, values in self.params:
            if name == key:
                for value in values:
                    out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def types(self) -> list[str]:
        """TYPE values and 2.1 bare type words, lower case."""
        return [t.lower() for t in self.param("TYPE") + self.bare() if t.lower() not in _ENCODING_WORDS]

    def bare(self) -> list[str]:
        """vCard 2.1 parameters without a name (TEL;WORK;FAX)."""
        return [v for name, values in self.params if name == "" for v in values]

    def encoding(self) -> str:
        """'QUOTED-PRINTABLE', 'B' (base64) or ''."""
        words = [w.upper() for w in self.param("ENCODING") + self.bare()]
        if "QUOTED-PRINTABLE" in words:
            return "QUOTED-PRINTABLE"
        if "B" in words or "BASE64" in words:
            return "B"
        return ""

    def charset(self) -> str | None:
        """The CHARSET parameter (vCard 2.1), if any."""
        values = self.param("CHARSET")
        return values[0] if values else None

    def head(self) -> str:
        """The text before the value: `group.NAME;params`."""
        at = _value_colon(self.text)
        return self.text[:at] if at >= 0 else self.text


_ENCODING_WORDS = {"quoted-printable", "base64", "b", "8bit", "7bit"}


# ---------------------------------------------------------------- logical lines

def _value_colon(text: str) -> int:
    """Index of the colon that ends the property's name and parameters (outside quotes)."""
    quoted = False
    for at, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return at
    return -1


def _is_qp_head(text: str) -> bool:
    at = _value_colon(text)
    head = text[:at] if at >= 0 else text
    return "QUOTED-PRINTABLE" in head.upper()


def _is_base64_head(text: str) -> bool:
    at = _value_colon(text)
    head = (text[:at] if at >= 0 else text).upper()
    return bool(re.search(r";(ENCODING=)?(B|BASE64)(;|$)", head))


def logical_lines(physical: Iterable[tuple[int, str]], warn: Callable[[int, str], None]
                  ) -> Iterator[tuple[int, str]]:
    """(first line number, unfolded text) from (line number, physical line without line end).

    Unfolds RFC 6350 folding (a line starting with space or tab continues the previous
    one), 2.1 quoted-printable soft breaks (`=` at the end) and 2.1 base64 blocks (which
    end at a blank line); skips blank lines. A line that is none of these and does not
    look like a property continues the previous value after a line break, with a warning.
    """
    start, parts, qp, base64 = 0, [], False, False
    for number, line in physical:
        if parts and qp and parts[-1].endswith("=") and not line.upper().startswith("END:VCARD"):
            parts[-1] = parts[-1][:-1]
            parts.append(line)
            continue
        if not line.strip():
            base64 = False
            continue
        if parts and line[0] in " \t":
            parts.append(line[1:])
            continue
        if parts and not _PROPERTY_START.match(line):
            if base64:
                parts.append(line)
            elif line.startswith("#"):
                # A comment, as Android's parser reads it (its v21_invalid_comment_line.vcf):
                # never a line of the value above.
                warn(number, f"line {number} is a comment ('#'), dropped: {line[:60]!r}")
            elif property_name(parts[0]) in _MULTI_LINE:
                warn(number, f"line {number} is not a property: taken as a line break in the value above")
                parts.append("\n" + line)
            else:
                warn(number, f"line {number} is not a vCard property, dropped: {line[:60]!r}")
            continue
        if parts:
            yield start, "".join(parts)
        start, parts = number, [line]
        qp = _is_qp_head(line)
        base64 = _is_base64_head(line)
    if parts:
        yield start, "".join(parts)


# Properties whose values real writers continue on unfolded lines (multi-line text).
_MULTI_LINE = {"NOTE", "ADR", "LABEL", "X-ABADR", "DESCRIPTION", "COMMENT"}


# Apple's year for a date without one before vCard 4.0 (sabre/vobject's VCardConverter writes it too).
APPLE_NO_YEAR = "1604"


def without_omitted_year(text: str, prop: Prop) -> str:
    """A date without its year (`--MM-DD`) when Apple's X-APPLE-OMIT-YEAR names the year it holds
    (iOS and macOS write `BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12` for a birthday without one)."""
    found = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text.strip())
    omitted = prop.param("X-APPLE-OMIT-YEAR")
    if found and omitted and found.group(1) == omitted[0]:
        return f"--{found.group(2)}-{found.group(3)}"
    return text


def property_name(text: str) -> str:
    """The property name of a line (upper case, without its group): `item1.TEL;TYPE=CELL:..` -> TEL."""
    name = re.split(r"[;:]", text, maxsplit=1)[0]
    return name.rsplit(".", 1)[-1].upper()


def physical_text_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) of a text, split at CR LF, LF and CR CR LF; at bare CRs only when the
    text has no LF at all (old Mac files): elsewhere a bare CR is part of a value."""
    text = text.lstrip("\ufeff")
    pattern = r"\r*\n" if "\n" in text else r"\r"
    for number, line in enumerate(re.split(pattern, text), start=1):
        yield number, line


def physical_byte_lines(stream: Iterable[bytes], cr_ends_lines: bool = False) -> Iterator[tuple[int, bytes]]:
    """(number, line) of a binary stream read line by line (CR LF, LF, CR CR LF); with
    `cr_ends_lines` (a file without any LF) a bare CR ends a line too."""
    number = 0
    for raw in stream:
        raw = raw.rstrip(b"\r\n")
        for piece in raw.split(b"\r") if cr_ends_lines else (raw,):
            number += 1
            yield number, piece


# ---------------------------------------------------------------- properties

def parse_property(text: str, number: int) -> Prop | None:
    """A property from a logical line, or None when the line has no name or no colon."""
    at = _value_colon(text)
    if at <= 0:
        return None
    head, value = text[:at], text[at + 1:]
    pieces = _split_params(head)
    name = pieces[0].strip()
    group = ""
    if "." in name:
        group, name = name.rsplit(".", 1)
    if not name or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return None
    params: list[tuple[str, list[str]]] = []
    for piece in pieces[1:]:
        if not piece.strip():
            continue
        if "=" in piece:
            key, raw = piece.split("=", 1)
            params.append((key.strip().upper(), [_unquote(v) for v in _split_quoted(raw, ",")]))
        else:
            params.append(("", [_unquote(piece.strip())]))
    return Prop(group=group, name=name.upper(), params=params, value=value, line=number, text=text)


def _split_params(head: str) -> list[str]:
    return _split_quoted(head, ";")


def _split_quoted(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
            current.append(char)
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def without_params(text: str, drop: set[str]) -> str:
    """A logical line with the named parameters removed (e.g. CHARSET once the value is Unicode)."""
    at = _value_colon(text)
    if at < 0:
        return text
    pieces = _split_params(text[:at])
    kept = [pieces[0]] + [p for p in pieces[1:] if p.split("=", 1)[0].strip().upper() not in drop]
    return ";".join(kept) + text[at:]


# ---------------------------------------------------------------- decoding

class Decoder:
    """Turns logical lines read as bytes into text, and 8-bit bytes without a label into text.

    `sample` is the start of the file: the first time 8-bit text without a charset turns
    up, the file's encoding is detected from every non-UTF-8 line of the sample (plus
    quoted-printable values decoded), once.
    """

    def __init__(self, sample: bytes = b"", encoding: str | None = None) -> None:
        self._sample = sample
        self._fallback: str | None = encodings.known_charset(encoding) if encoding else None

    @property
    def fallback(self) -> str:
        """The file's 8-bit encoding (detected on first use)."""
        if self._fallback is None:
            material = []
            for line in self._sample.splitlines():
                if b"QUOTED-PRINTABLE" in line.upper() and b":" in line:
                    line = quopri.decodestring(line.split(b":", 1)[1])
                if not encodings.is_utf8(line):
                    material.append(line)
            self._fallback = encodings.detect_8bit(b"\n".join(material))
        return self._fallback

    def eight_bit(self, data: bytes) -> str:
        """Text from bytes without a (usable) charset: UTF-8 when valid, else the file's encoding."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return encodings.decode_text(data, self.fallback)

    def line(self, raw: bytes, number: int, warn: Callable[[int, str], None]) -> str:
        """A logical line as text; a non-UTF-8 value is decoded by its CHARSET or the file's encoding."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        text = raw.decode("latin-1")
        prop = parse_property(text, number)
        if prop is None:
            return self.eight_bit(raw)
        at = _value_colon(text)
        head, value = raw[:at], raw[at + 1:]
        charset = prop.charset()
        codec = encodings.known_charset(charset) if charset else None
        if charset and codec is None:
            warn(number, f"{prop.name}: unknown CHARSET {charset!r}, read as {self.fallback}")
        if codec is not None and codec != "utf-8":
            decoded = encodings.decode_text(value, codec)
        else:
            if codec == "utf-8":
                warn(number, f"{prop.name}: not UTF-8 as CHARSET says, read as {self.fallback}")
            decoded = encodings.decode_text(value, self.fallback)
        # The value is Unicode now (written back as UTF-8): its old CHARSET would be wrong.
        return without_params(head.decode("latin-1"), {"CHARSET"}) + ":" + decoded


def value_text(prop: Prop, decoder: Decoder | None = None) -> str:
    """The property's value as text with 2.1 quoted-printable undone (escapes still in)."""
    if prop.encoding() != "QUOTED-PRINTABLE":
        return prop.value
    data = quopri.decodestring(prop.value.encode("utf-8"))
    charset = prop.charset()
    codec = encodings.known_charset(charset) if charset else None
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if decoder is not None:
        return decoder.eight_bit(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return encodings.decode_text(data, encodings.detect_8bit(data))
