"""vCard 2.1/3.0/4.0 in, vCard 3.0/4.0 out, with `vobject` doing the line syntax.

vobject unfolds lines (also vCard 2.1 quoted-printable soft breaks), parses property
parameters (quoted, bare 2.1 types) and folds output lines at 75 octets. Its card
behaviours are vCard 3.0 only (a 4.0 `PHOTO:data:...,` value is cut at the comma),
so property values are decoded here, per RFC 6350/2426: structured values split on
unescaped `;`, lists on unescaped `,`, then backslash escapes removed. Cards are read
one at a time from a stream; a broken card is reported with its number and line and
reading goes on with the next `BEGIN:VCARD`.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import io
import quopri
from collections.abc import Iterable, Iterator
from typing import IO

from vobject.base import ParseError, backslashEscape, foldOneLine, getLogicalLines, parseLine

from .canonical import GroupResolver, get_extra, name_card, phone_type, place_type, public_id, set_extra
from .report import RecordError

# ---------------------------------------------------------------- reading


def read_cards(stream: IO[str]) -> Iterator[tuple[str, list[tuple] | Exception]]:
    """(position, properties) per card of a text stream, or (position, error) for a broken one.

    Properties are (NAME, {PARAM: [values]}, raw value) in file order.
    """
    number = 0
    current: list[tuple] | None = None
    broken: Exception | None = None
    start = 0
    for text, line_no in getLogicalLines(stream, allowQP=True):
        line_no = max(line_no, 1)  # vobject numbers the very first line 0
        try:
            name, params, value, _group = parseLine(text, line_no)
        except ParseError:
            if current is not None and broken is None:
                broken = RecordError(f"line {line_no} is not a vCard property: {text[:60]!r}")
            continue
        name = name.upper()
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if current is not None:  # a BEGIN without END: report the unfinished card
                yield _position(number, start), RecordError("card has no END:VCARD")
            number += 1
            start = line_no
            current, broken = [], None
            continue
        if current is None:
            continue  # text between cards
        if name == "END" and value.strip().upper() == "VCARD":
            yield _position(number, start), (broken or current)
            current, broken = None, None
            continue
        current.append((name, _params(params), value))
    if current is not None:
        yield _position(number, start), RecordError("card has no END:VCARD")


def _position(number: int, line: int) -> str:
    return f"card {number} (line {line})"


def _params(params: list[list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for param in params:
        if len(param) == 1:  # vCard 2.1 bare parameter: TEL;WORK;FAX
            key, values = ("ENCODING", param) if param[0].upper() in ("QUOTED-PRINTABLE", "BASE64", "B") \
                else ("TYPE", param)
        else:
            key, values = param[0].upper(), param[1:]
        split = [v.strip() for value in values for v in value.split(",")]  # TYPE="work,voice"
        out.setdefault(key, []).extend(v for v in split if v)
    return out


def _split(value: str, separator: str) -> list[str]:
    """Split on unescaped separators, then unescape each piece."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(_unescape("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(_unescape("".join(current)))
    return parts


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _decoded(params: dict, value: str) -> str:
    """The value with vCard 2.1 quoted-printable and charsets undone."""
    if any(e.upper() == "QUOTED-PRINTABLE" for e in params.get("ENCODING", [])):
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("latin-1", "replace"))  # "=\n" is a soft break
        try:
            return raw.decode(charset, "replace")
        except LookupError:
            return raw.decode("utf-8", "replace")
    return value


def card_from_properties(properties: list[tuple], resolver: GroupResolver | None) -> dict:
    """A canonical card from one vCard's properties; RecordError names what is wrong."""
    card: dict = {"emails": [], "phones": [], "addresses": [], "urls": []}
    org, nickname, notes, categories = "", "", [], []
    kind = "individual"
    for name, params, raw in properties:
        value = _decoded(params, raw)
        types = params.get("TYPE", [])
        pref = _is_pref(params)
        if name == "FN":
            card["display_name"] = _unescape(value).strip()
        elif name == "N":
            parts = [" ".join(p.strip() for p in piece.split(",") if p.strip())
                     for piece in _split(value, ";")] + [""] * 5
            card.update(family_name=parts[0], given_name=parts[1], middle_name=parts[2],
                        prefix=parts[3], suffix=parts[4])
        elif name == "ORG":
            pieces = _split(value, ";")
            org = pieces[0].strip()
            set_extra(card, "org", org)
            if len(pieces) > 1 and pieces[1].strip():
                card["department"] = pieces[1].strip()
        elif name == "TITLE":
            card["job_title"] = _unescape(value).strip()
        elif name == "ROLE":
            card["title"] = _unescape(value).strip()
        elif name == "NICKNAME":
            nickname = ", ".join(p.strip() for p in _split(value, ",") if p.strip())
            set_extra(card, "nickname", nickname)
        elif name == "BDAY":
            set_extra(card, "bday", _unescape(value).strip())
        elif name == "TEL":
            number = _unescape(value).strip()
            if number.lower().startswith("tel:"):
                number = number[4:]
            if number:
                card["phones"].append({"value": number, "type": phone_type(types), "is_primary": pref})
        elif name == "EMAIL":
            address = _unescape(value).strip()
            if address.lower().startswith("mailto:"):
                address = address[7:]
            if address:
                card["emails"].append({"value": address, "type": place_type(types), "is_primary": pref})
        elif name == "ADR":
            card["addresses"].append(_address(value, types, pref))
        elif name == "URL":
            url = _unescape(value).strip()
            if url:
                card["urls"].append({"value": url, "type": place_type(types), "is_primary": pref})
        elif name == "NOTE":
            notes.append(_unescape(value))
        elif name == "PHOTO":
            card["photo"] = _photo(params, raw)
        elif name == "CATEGORIES":
            categories.extend(p.strip() for p in _split(value, ",") if p.strip())
        elif name == "UID":
            uid = _unescape(value).strip()
            card_id = public_id(uid)
            if card_id:
                card["id"] = card_id
            else:
                set_extra(card, "uid", uid)
        elif name in ("LANG", "X-LANGUAGE"):
            card["language"] = _unescape(value).strip()
        elif name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            kind = _unescape(value).strip().lower()
    if kind == "group":
        raise RecordError("a KIND:group card is a group, not a contact")
    if notes:
        card["notes"] = "\n".join(notes)
    first_email = card["emails"][0]["value"] if card["emails"] else ""
    name_card(card, org=org, nickname=nickname, email=first_email)
    if categories and resolver is not None:
        card["groups"] = resolver.keys(categories)
    return card


def _is_pref(params: dict) -> bool:
    if "PREF" in params:  # vCard 4.0 PREF=1 (any value counts) or 2.1 bare PREF
        return True
    return any(t.lower() == "pref" for t in params.get("TYPE", []))


def _address(value: str, types: list[str], pref: bool) -> dict:
    parts = [p.replace("\n", ", ").strip() for p in _split(value, ";")] + [""] * 7
    box, extended, street, city, region, code, country = parts[:7]
    line2 = ", ".join(p for p in (extended, f"PO Box {box}" if box else "") if p)
    return {"type": place_type(types), "is_primary": pref, "line1": street, "line2": line2,
            "city": city, "region": region, "postal_code": code, "country": country}


def _photo(params: dict, raw: str) -> str:
    encoding = {e.upper() for e in params.get("ENCODING", [])}
    if encoding & {"B", "BASE64"}:
        data = "".join(raw.split())
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise RecordError("PHOTO is not valid base64") from None
        media = next((t.lower() for t in params.get("TYPE", []) if t), "jpeg")
        media = media if "/" in media else f"image/{media}"
        return f"data:{media};base64,{data}"
    return _unescape(raw).strip() if not raw.startswith("data:") else raw.strip()


def import_cards(stream: IO[str], report, writer, resolver: GroupResolver | None = None) -> None:
    """Parse a vCard stream into the bulk writer; bad cards go to the report with their position."""
    for position, parsed in read_cards(stream):
        if isinstance(parsed, Exception):
            report.fail(position, str(parsed))
            continue
        try:
            card = card_from_properties(parsed, resolver)
        except RecordError as exc:
            report.fail(position, str(exc))
            continue
        writer.add(card, position)
    writer.flush()


# ---------------------------------------------------------------- writing

_PHONE_TYPES_OUT = {
    "office": ["work", "voice"], "mobile": ["cell", "voice"], "fax": ["fax"], "home": ["home", "voice"],
    "other": ["voice"], "local": ["x-local"], "public": ["x-public"],
}


def card_to_vcard(card: dict, version: str = "4.0") -> str:
    """One card as vCard text (CRLF lines folded at 75 octets)."""
    v4 = version == "4.0"
    lines: list[tuple[str, list[tuple[str, str]], str]] = [("VERSION", [], version)]
    lines.append(("UID", [], f"urn:uuid:{card['id']}" if v4 else card["id"]))
    display = card.get("display_name") or card.get("primary_email") or ""
    lines.append(("FN", [], _esc(display)))
    lines.append(("N", [], ";".join(_esc(card.get(k) or "") for k in
                                    ("family_name", "given_name", "middle_name", "prefix", "suffix"))))
    for key, prop in (("nickname", "NICKNAME"), ("bday", "BDAY")):
        if get_extra(card, key):
            lines.append((prop, [], _esc(get_extra(card, key)) if key == "bday" else
                          ",".join(_esc(p.strip()) for p in get_extra(card, key).split(","))))
    org, department = get_extra(card, "org"), card.get("department") or ""
    if org or department:
        lines.append(("ORG", [], ";".join(_esc(p) for p in ((org, department) if department else (org,)))))
    if card.get("job_title"):
        lines.append(("TITLE", [], _esc(card["job_title"])))
    if card.get("title"):
        lines.append(("ROLE", [], _esc(card["title"])))
    for phone in card.get("phones", []):
        lines.append(("TEL", _type_params(_PHONE_TYPES_OUT.get(phone.get("type"), ["voice"]),
                                          phone.get("is_primary"), v4), _esc(phone["value"])))
    for email in card.get("emails", []):
        words = ([] if v4 else ["internet"]) + ([email["type"]] if email.get("type") else [])
        lines.append(("EMAIL", _type_params(words, email.get("is_primary"), v4), _esc(email["value"])))
    for address in card.get("addresses", []):
        words = [address["type"]] if address.get("type") else []
        value = ";".join(_esc(address.get(k) or "") for k in
                         ("", "line2", "line1", "city", "region", "postal_code", "country"))
        lines.append(("ADR", _type_params(words, address.get("is_primary"), v4), value))
    for url in card.get("urls", []):
        words = [url["type"]] if url.get("type") else []
        lines.append(("URL", _type_params(words, False, v4), url["value"]))
    if card.get("notes"):
        lines.append(("NOTE", [], _esc(card["notes"])))
    if card.get("photo"):
        lines.append(_photo_line(card["photo"], v4))
    if card.get("groups"):
        lines.append(("CATEGORIES", [], ",".join(_esc(g["name"]) for g in card["groups"])))
    if card.get("language"):
        lines.append(("LANG" if v4 else "X-LANGUAGE", [], _esc(card["language"])))
    updated = card.get("updated")
    if isinstance(updated, datetime.datetime):
        lines.append(("REV", [], updated.strftime("%Y%m%dT%H%M%SZ")))
    out = io.StringIO()  # foldOneLine writes str to a text buffer (its bytes path is py2-era)
    foldOneLine(out, "BEGIN:VCARD")
    for name, params, value in lines:
        head = name + "".join(f";{key}={val}" for key, val in params)
        foldOneLine(out, f"{head}:{value}")
    foldOneLine(out, "END:VCARD")
    return out.getvalue()


def _esc(text: str) -> str:
    return backslashEscape(text or "")


def _type_params(words: list[str], primary: bool, v4: bool) -> list[tuple[str, str]]:
    words = [w for w in words if w]
    params = []
    if v4:
        if words:
            params.append(("TYPE", ",".join(w.lower() for w in words)))
        if primary:
            params.append(("PREF", "1"))
    else:
        words = [w.upper() for w in words] + (["PREF"] if primary else [])
        if words:
            params.append(("TYPE", ",".join(words)))
    return params


def _photo_line(photo: str, v4: bool) -> tuple[str, list, str]:
    if v4 or not photo.startswith("data:"):
        return ("PHOTO", [] if v4 else [("VALUE", "uri")], photo)
    header, _, data = photo.partition(",")
    media = header[5:].split(";")[0]
    subtype = media.split("/")[-1].upper() if media else "JPEG"
    return ("PHOTO", [("ENCODING", "b"), ("TYPE", subtype)], data)


def write_cards(cards: Iterable[dict], out: IO[str], version: str = "4.0") -> int:
    """Write cards as vCards to a text stream; returns how many were written."""
    count = 0
    for card in cards:
        out.write(card_to_vcard(card, version))
        count += 1
    return count
