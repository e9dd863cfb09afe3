"""Dates in a client-sent FOLIO `metadata`, read as RMB reads them.

RMB's `ObjectMapperTool.DateDeserializer` takes a JSON integer as epoch milliseconds and
gives a string (a leading `+` cut) to Jackson's `StdDateFormat`: ISO-8601 (`yyyy-MM-dd`,
or with `THH:mm[:ss][.fraction][Z|±hh[:]mm]`), all digits as epoch milliseconds, else
RFC-1123. Anything else is a Jackson error, answered 400 text/plain. The value is never
kept (the server sets metadata), but its acceptance and error texts are RMB's.
"""
from __future__ import annotations

import datetime
import re

ISO_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX"
PLAIN_FORMAT = "yyyy-MM-dd"
ALL_FORMATS = (ISO_FORMAT, "yyyy-MM-dd'T'HH:mm:ss.SSS", "EEE, dd MMM yyyy HH:mm:ss zzz", PLAIN_FORMAT)
_PLAIN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(\.[0-9]+)?"
                  r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?")
_DAYS = "mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july|august|"
           "september|october|november|december")
# SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.US), lenient, parsing a prefix
_RFC1123 = re.compile(rf"(?i:{_DAYS}), [0-9]{{1,2}} (?i:{_MONTHS}) [0-9]{{1,4}} [0-9]{{1,2}}:[0-9]{{1,2}}:[0-9]{{1,2}} "
                      r"(?:GMT[+-][0-9]{1,2}(?::?[0-9]{2})?|[+-][0-9]{4}|[A-Za-z]{1,5})")
_JAVA_TRIM = "".join(chr(code) for code in range(33))
LONG_MIN, LONG_MAX = -2**63, 2**63 - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class DateError(Exception):
    """StdDateFormat refused the text; `message` is Jackson's (without the reference chain)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_date_text(value: str) -> datetime.datetime | None:
    """The instant of a string, as DeserializationContext.parseDate; None when only an
    RFC-1123 prefix was understood (the instant is not needed). Raises DateError."""
    text = value[1:] if value.startswith("+") else value
    try:
        return _parse(text.strip(_JAVA_TRIM))
    except DateError as exc:
        raise DateError(f"Failed to parse Date value '{text}': {exc.message}") from None


def _parse(text: str) -> datetime.datetime | None:
    if not text:
        # StdDateFormat reads charAt(0) of an empty string: Java's own exception text
        raise DateError("Index 0 out of bounds for length 0")
    if len(text) >= 7 and text[0].isdigit() and text[3].isdigit() and text[4] == "-" and text[5].isdigit():
        return _iso(text)
    if re.fullmatch(r"-?[0-9]+", text) and (text[0] == "-" or int(text) <= LONG_MAX):
        if not LONG_MIN <= int(text) <= LONG_MAX:
            raise DateError(f"Timestamp value {text} out of 64-bit value range")
        return from_epoch_millis(int(text))
    if _RFC1123.match(text):
        return None
    forms = '", "'.join(ALL_FORMATS)
    raise DateError(f'Cannot parse date "{text}": not compatible with any of standard forms ("{forms}")')


def _iso(text: str) -> datetime.datetime:
    if len(text) <= 10:
        if _PLAIN.fullmatch(text):
            return _lenient(int(text[:4]), int(text[5:7]), int(text[8:10]), 0, 0, 0, 0, 0)
        form = PLAIN_FORMAT
    else:
        match = _ISO.fullmatch(text)
        if match:
            fraction, zone = match.group(1), match.group(2)
            if fraction and len(fraction) - 1 > 9:
                raise DateError(f'Cannot parse date "{text}": invalid fractional seconds '
                                f"'{fraction[1:]}'; can use at most 9 digits")
            millis = int((fraction[1:] + "00")[:3]) if fraction else 0
            offset = 0
            if zone and zone != "Z":
                offset = int(zone[1:3]) * 3600 + (int(zone[-2:]) * 60 if len(zone) >= 5 else 0)
                offset = -offset if zone[0] == "-" else offset
            seconds = int(text[17:19]) if len(text) > 16 and text[16] == ":" else 0
            return _lenient(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                            seconds, millis, offset)
        form = ISO_FORMAT
    raise DateError(f"Cannot parse date \"{text}\": while it seems to fit format '{form}', "
                    "parsing fails (leniency? null)")


def _lenient(year, month, day, hour, minute, second, millis, offset) -> datetime.datetime:
    """A lenient java.util.Calendar: out-of-range fields roll over (month 13 = next January)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    try:
        start = datetime.datetime(year, month, 1, tzinfo=datetime.timezone.utc)
    except ValueError:  # beyond Python's years 1..9999: the instant is only shown, never kept
        return _EPOCH
    moment = start + datetime.timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second - offset,
                                        milliseconds=millis)
    return moment


def from_epoch_millis(millis: int) -> datetime.datetime:
    """`new Date(millis)`."""
    try:
        return _EPOCH + datetime.timedelta(milliseconds=millis)
    except OverflowError:
        return _EPOCH


def java_date_string(moment: datetime.datetime | None) -> str:
    """java.util.Date.toString() in UTC (as FOLIO's containers run): `Mon Jan 01 00:00:00 UTC 2024`."""
    if moment is None:
        return "<null>"
    utc = moment.astimezone(datetime.timezone.utc)
    return utc.strftime("%a %b %d %H:%M:%S UTC ") + str(utc.year)
