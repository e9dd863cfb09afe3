"""vCard 2.1/3.0/4.0 <-> canonical cards, keeping every property a card had.

API (also used by the CardDAV door):

- `card_from_vcard(text, resolver=None) -> (card, warnings)`: one vCard (any version) to
  the dict `services.contacts.create_card` takes: scalar fields, `emails`/`phones`/
  `addresses`/`urls` lists, `extra`, `id` when the card has a UID (the UID itself when it
  is a UUID, else `id_for_uid(uid)`, a UUIDv5 of it: every door needs UUID ids), and
  `groups` (autokeys) when a `GroupResolver` is given, else `group_names` (CATEGORIES).
  A property that cannot be read is kept verbatim, unmapped, with a warning (`line N: PROP:
  reason; kept as written, not read`); the card survives. RecordError only when there is no
  card at all (no name of any kind, no BEGIN:VCARD), it is a group card (GroupCardRefused;
  a whole-file import turns group cards into groups: `import_cards`,
  services.io.group_cards) or it holds a NUL character.
- `card_to_vcard(card, version="4.0") -> str` (also "3.0" and "2.1"): CRLF lines folded
  at 75 octets.

The guarantee: a vCard read by `card_from_vcard`, stored, and written by `card_to_vcard`
in its own version has every property it had: the mapped ones with their (normalised)
values, every other one (IMPP, X-*, GEO, a second ORG, ...) verbatim with its group and
parameters, in the original order. It works through `extra["vcard"]`:

    {"version": "3.0",                     # the version the card was read in
     "uid": "<the UID as written>",        # when the card had one
     "org": "...", "nickname": "...", "bday": "...",   # mapped values without a column
     "props": [                            # the card's properties in order
        "X-ABUID:5AD3...",                 # not mapped: the logical line verbatim
        {"map": "TEL", "i": 0,             # mapped: the i-th canonical phone
         "fp": "3f2a...",                  # fingerprint of the canonical value read
         "head": "item1.TEL;type=CELL",    # the line before its value
         "value": "+1 555 0100"},          # its value as written (left out for PHOTO)
     ]}

On writing, a mapped property whose canonical value still has the fingerprint is written
as it was read; one another door changed is written anew in the same place (with its
group, so Apple's `itemN.X-ABLabel` stays attached); rows added since go after the last
property of their kind; removed ones disappear. Lines of another version than the one
written are converted (2.1 quoted-printable and bare parameters, 4.0 data: URIs); between 3.0
and 4.0 an unchanged mapped row keeps its other parameters and an ADR its formatted address
(4.0's LABEL parameter, 3.0's LABEL line: `_converted`).
"""
from __future__ import annotations

import base64
import codecs
import binascii
import datetime
import hashlib
import io
import quopri
import re
import uuid
from collections.abc import Iterable
from typing import IO

import orjson

from . import encodings
from . import vcard_lines as vl
from .canonical import GroupResolver, name_card, phone_type, place_type, public_id
from .group_cards import GroupCard, group_card, store_group_cards
from .kept import CSV_COLUMN_PARAM, CSV_COLUMN_PROPERTY, csv_columns
from ..names import NAME_PARTS, split_display_name
from .report import RecordError

# Namespace of card ids made from UIDs that are not UUIDs (and from cards without a UID).
UID_NAMESPACE = uuid.UUID("6b1f8f6e-3c1e-5d7a-9a57-0c2f3e8d4b21")
VERSIONS = ("2.1", "3.0", "4.0")
# Mapped properties written without their value in extra (the value is the canonical column).
_VALUE_NOT_KEPT = {"PHOTO"}
# RFC 6350 allows no control character but HTAB in a value, PostgreSQL cannot store NUL in
# text (nor jsonb a \u0000), and the JSON doors refuse it (blueprints/http.py): a card with
# one, written or decoded (quoted-printable =00), is refused on every database.
NUL_REFUSED = "NUL characters (U+0000) are not allowed in a contact"
# Mapped kinds that several properties make together (all placeholders share one fingerprint).
_JOINED = {"NOTE", "CATEGORIES"}
# Kinds a fresh line of which goes to the top when the original card had none.
_TOP = ("UID", "FN", "N")


def id_for_uid(uid: str) -> str:
    """The card id for a vCard UID: the UUID itself (also `urn:uuid:`), else a UUIDv5 of the UID."""
    return public_id(uid) or str(uuid.uuid5(UID_NAMESPACE, uid.strip()))


# ---------------------------------------------------------------- reading

def card_from_vcard(text: str, resolver: GroupResolver | None = None) -> tuple[dict, list[str]]:
    """One vCard as text to (canonical card, warnings); RecordError when it is no usable card."""
    warnings: list[str] = []

    def warn(number: int, message: str) -> None:
        warnings.append(f"line {number}: {message}" if not message.startswith("line ") else message)

    cards = list(_cards(_props(vl.logical_lines(vl.physical_text_lines(text), warn), warn), warn))
    if not cards:
        raise RecordError("no BEGIN:VCARD ... END:VCARD in the text")
    # The first to begin: a card nested in it ends (and is yielded) before it does.
    first = min(cards, key=lambda found: found[0])
    if len(cards) > 1:
        warn(min(start for start, _, _ in cards if start != first[0]), "more than one vCard: only the first is read")
    start, props, complete = first
    if not complete:
        warn(start, "the card has no END:VCARD")
    card = card_from_props(props, warn, resolver)
    return card, warnings


def _props(lines: Iterable[tuple[int, str]], warn) -> Iterable[vl.Prop]:
    for number, text in lines:
        prop = vl.parse_property(text, number)
        if prop is None:
            warn(number, f"not a vCard property, dropped: {text[:60]!r}")
            continue
        yield prop


def _cards(props: Iterable[vl.Prop], warn, *, headless: bool = False) -> Iterable[tuple[int, list[vl.Prop], bool]]:
    """(start line, properties, ended by END) per card, each yielded at its END.

    A 2.1 AGENT's nested vCard stays in the AGENT. Any other BEGIN:VCARD inside a card opens
    a card of its own, and the outer card goes on after the inner one's END, as Android's
    parser reads it (its v21_nest.vcf): the inner cards come first, the outer one at its END.
    A card never ended (a cut-off file, a writer that forgot END) is yielded as incomplete
    at the end of the file, or when a card would open at `_MAX_OPEN_CARDS` depth.
    With `headless` (a file, not one PUT vCard), properties outside any card that an END:VCARD
    closes are a card whose BEGIN was left out (Evolution's parser reads them so: its
    tests/libebook/vcard/7.vcf). Other properties outside a card are ignored, with a warning.
    """
    open_cards: list[tuple[int, list[vl.Prop]]] = []  # (start line, properties), outermost first
    orphans: list[vl.Prop] = []  # properties outside any card, since the last card
    nested: list[str] | None = None
    depth = 0

    def ignore_orphans() -> None:
        for orphan in orphans:
            warn(orphan.line, f"{orphan.name} outside BEGIN:VCARD ... END:VCARD, ignored")
        orphans.clear()

    for prop in props:
        is_begin = prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD"
        is_end = prop.name == "END" and prop.value.strip().upper() == "VCARD"
        if nested is not None:
            nested.append(prop.text)
            depth += is_begin - is_end
            if depth == 0:
                open_cards[-1][1][-1].nested = nested
                nested = None
            continue
        current = open_cards[-1][1] if open_cards else None
        if is_begin:
            if current and current[-1].name == "AGENT" and not current[-1].value.strip():
                nested, depth = [prop.text], 1
                continue
            if len(open_cards) == _MAX_OPEN_CARDS:
                yield *open_cards.pop(), False
            ignore_orphans()
            open_cards.append((prop.line, []))
            continue
        if current is None:
            if is_end and orphans and headless:
                warn(orphans[0].line, "the card has no BEGIN:VCARD: read from here to its END:VCARD")
                yield orphans[0].line, orphans[:], True
                orphans.clear()
            elif not is_end:
                orphans.append(prop)
            continue
        if is_end:
            yield *open_cards.pop(), True
            continue
        current.append(prop)
    ignore_orphans()
    while open_cards:
        yield *open_cards.pop(), False


# Cards open at once: a card and one nested in it (Android nests one level). A deeper BEGIN
# ends the inner card, so a file whose cards all lack END holds two cards, not all of them.
_MAX_OPEN_CARDS = 2


def _fingerprint(value) -> str:
    return hashlib.sha1(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def card_from_props(props: list[vl.Prop], warn, resolver: GroupResolver | None = None,
                    decoder: vl.Decoder | None = None) -> dict:
    """A canonical card from one vCard's properties (see the module docstring)."""
    version = next((p.value.strip() for p in props if p.name == "VERSION"), "3.0")
    if version not in VERSIONS:
        warn(props[0].line if props else 0, f"VERSION:{version} is not 2.1, 3.0 or 4.0: read as 3.0")
        version = "3.0"
    v21 = version == "2.1"
    card: dict = {"emails": [], "phones": [], "addresses": [], "urls": []}
    vcard_extra: dict = {"version": version}
    entries: list = []
    seen: set[str] = set()
    notes: list[str] = []
    categories: list[str] = []
    labels = _ab_labels(props, decoder, v21)
    kind = "individual"

    def text_of(prop: vl.Prop) -> str:
        return vl.value_text(prop, decoder)

    def mapped(prop: vl.Prop, kind_name: str, index: int = 0) -> dict:
        entry = {"map": kind_name, "i": index, "head": prop.head()}
        if kind_name not in _VALUE_NOT_KEPT:
            entry["value"] = prop.value
        entries.append(entry)
        return entry

    for prop in props:
        name = prop.name
        if name == "VERSION":
            continue
        try:
            entry = _map_property(prop, name, card, vcard_extra, seen, notes, categories, labels,
                                  text_of, v21, mapped)
        except RecordError as exc:
            # Kept as the file has it (written back, as any unmapped line is), not read into the
            # card: a broken photo reaches no other door, and no byte of the file is lost.
            warn(prop.line, f"{name}: {exc}; kept as written, not read")
            entries.append(_verbatim(prop))
            continue
        if entry is None:
            entries.append(_verbatim(prop))
        elif name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            kind = entry
    if kind == "group":
        raise GroupCardRefused("a KIND:group card is a group, not a contact")
    # Checked before a category becomes a group: nothing is written for a refused card. The
    # lines as read (kept verbatim in `entries`), then what decoding made of them (=00).
    if _lines_hold_nul(props) or _holds_nul((card, vcard_extra, notes, categories)):
        raise RecordError(NUL_REFUSED)
    if notes:
        card["notes"] = "\n".join(notes)
    for kind_name in ("emails", "phones", "urls", "addresses"):
        _normalise_primary(card[kind_name], kind_name != "addresses")
    name_card(card, org=vcard_extra.get("org", ""),
              nickname=vcard_extra.get("nickname", "") or _android_nickname(props, text_of))
    if "N" not in seen and card.get("display_name") and _names_an_organisation(props, text_of):
        # Its FN is a company's name, not a person's to split (an empty N says as much: Apple's).
        card.update(prefix="", given_name="", middle_name="", family_name="", suffix="")
    if "N" not in seen:  # the display name read, to tell whether a door named the card since
        vcard_extra["no_n"] = card.get("display_name", "")
    if categories:
        if resolver is not None:
            card["groups"] = resolver.keys(categories)
        else:
            card["group_names"] = categories
    vcard_extra["props"] = entries
    for entry in entries:
        if isinstance(entry, dict):
            entry["fp"] = _fingerprint(_canonical_value(card, vcard_extra, entry["map"], entry["i"],
                                                        categories))
    card["extra"] = {"vcard": vcard_extra}
    return card


class GroupCardRefused(RecordError):
    """The vCard is a group card (KIND:group, X-ADDRESSBOOKSERVER-KIND:group), not a contact."""


# (property, value) pairs that say a card is an organisation's: 4.0's KIND (RFC 6350 6.1.4), Apple's X-ABShowAs.
_ORGANISATION = {("KIND", "org"), ("KIND", "organization"), ("X-ABSHOWAS", "company")}


def _names_an_organisation(props: list[vl.Prop], text_of) -> bool:
    """The card is an organisation's: 4.0 `KIND:org` (RFC 6350 6.1.4) or Apple's `X-ABShowAs:COMPANY`."""
    return any((prop.name, text_of(prop).strip().lower()) in _ORGANISATION for prop in props)


def _android_nickname(props: list[vl.Prop], text_of) -> str:
    """The nickname of Android's 2.1 `X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;Nick;...`.

    Android writes a nickname so in vCard 2.1 (which has no NICKNAME); it only names a card
    that has no other name: the line itself is kept verbatim, as every X- property is.
    """
    for prop in props:
        if prop.name == "X-ANDROID-CUSTOM":
            fields = _split(text_of(prop), ";", _unescape21)
            if len(fields) > 1 and fields[0].strip() == "vnd.android.cursor.item/nickname":
                return fields[1].strip()
    return ""


def _lines_hold_nul(props: list[vl.Prop]) -> bool:
    return any("\x00" in prop.text for prop in props) or any(
        "\x00" in line for prop in props for line in prop.nested)


def _holds_nul(value) -> bool:
    """Whether a NUL character is in any string of `value` (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(item) for item in value)
    return False


def _verbatim(prop: vl.Prop) -> str:
    if prop.nested:
        return "\r\n".join([prop.text, *prop.nested])
    return prop.text


def _map_property(prop, name, card, vx, seen, notes, categories, labels, text_of, v21, mapped):
    """Map one property onto the card; returns None when it is kept verbatim (not mapped)."""
    value = text_of(prop)
    unescape = _unescape21 if v21 else _unescape
    first = name not in seen
    if name == "FN" and first:
        display = unescape(value).strip()
        if not display:
            return None
        seen.add(name)
        card["display_name"] = display
        return mapped(prop, "FN")
    if name == "N" and first:
        parts = [" ".join(p.strip() for p in _split(piece, ",", unescape) if p.strip())
                 for piece in _split_raw(value, ";")] + [""] * 5
        seen.add(name)
        card.update(family_name=parts[0], given_name=parts[1], middle_name=parts[2], prefix=parts[3],
                    suffix=parts[4])
        return mapped(prop, "N")
    if name == "ORG" and first:
        pieces = [unescape(p).strip() for p in _split_raw(value, ";")]
        if not any(pieces):
            return None
        seen.add(name)
        if pieces[0]:
            vx["org"] = pieces[0]
        units = [piece for piece in pieces[1:] if piece]
        if units:  # every unit below the organisation, joined as Android's importer joins them
            card["department"] = " ".join(units)
        return mapped(prop, "ORG")
    if name in ("TITLE", "ROLE") and first:
        text = unescape(value).strip()
        if not text:
            return None
        seen.add(name)
        card["job_title" if name == "TITLE" else "title"] = text
        return mapped(prop, name)
    if name == "NICKNAME" and first:
        text = ", ".join(p.strip() for p in _split(value, ",", unescape) if p.strip())
        if not text:
            return None
        seen.add(name)
        vx["nickname"] = text
        return mapped(prop, name)
    if name == "BDAY" and first:
        text = unescape(value).strip()
        if not text:
            return None
        seen.add(name)
        vx["bday"] = vl.without_omitted_year(text, prop)
        return mapped(prop, name)
    if name == "TEL":
        number = unescape(value).strip()
        if number.lower().startswith("tel:"):
            number = number[4:]
        if not number:
            return None
        types = prop.types()
        phone = {"value": number, "type": phone_type(types), "is_primary": _pref_rank(prop),
                 "label": labels.get(prop.group) or _phone_label(types)}
        card["phones"].append(phone)
        return mapped(prop, "TEL", len(card["phones"]) - 1)
    if name == "EMAIL":
        address = unescape(value).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        if not address:
            return None
        card["emails"].append({"value": address, "type": place_type(prop.types()), "is_primary": _pref_rank(prop),
                               "label": labels.get(prop.group, "")})
        return mapped(prop, "EMAIL", len(card["emails"]) - 1)
    if name == "ADR":
        address = _address(value, prop.types(), _pref_rank(prop), unescape)
        if not any(address[k] for k in ("line1", "line2", "city", "region", "postal_code", "country")):
            return None
        address["label"] = labels.get(prop.group, "")
        card["addresses"].append(address)
        return mapped(prop, "ADR", len(card["addresses"]) - 1)
    if name == "URL":
        url = unescape(value).strip()
        if not url:
            return None
        card["urls"].append({"value": url, "type": place_type(prop.types()), "is_primary": _pref_rank(prop),
                             "label": labels.get(prop.group, "")})
        return mapped(prop, "URL", len(card["urls"]) - 1)
    if name == "NOTE":
        if not value.strip():
            return None
        notes.append(unescape(value).replace("\r\n", "\n").replace("\r", "\n"))
        return mapped(prop, "NOTE", len(notes) - 1)
    if name == "PHOTO" and first:
        photo = _photo(prop, value)
        if not photo:
            return None
        seen.add(name)
        card["photo"] = photo
        return mapped(prop, "PHOTO")
    if name == "CATEGORIES":
        names = [p.strip() for p in _split(value, ",", unescape) if p.strip()]
        if not names:
            return None
        categories.extend(n for n in names if n not in categories)
        return mapped(prop, "CATEGORIES")  # several CATEGORIES lines share one value (joined)
    if name == "UID" and first:
        uid = unescape(value).strip()
        if not uid:
            return None
        seen.add(name)
        vx["uid"] = uid
        card["id"] = id_for_uid(uid)
        return mapped(prop, "UID")
    if name in ("LANG", "X-LANGUAGE") and "LANG" not in seen:
        language = unescape(value).strip()
        if not language:
            return None
        seen.add("LANG")
        card["language"] = language
        return mapped(prop, "LANG")
    if name == "REV" and first:
        seen.add(name)
        return mapped(prop, "REV")
    if name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
        kind = unescape(value).strip().lower()
        if kind == "group":
            return "group"
        return None
    return None


def _canonical_value(card: dict, vx: dict, kind: str, index: int, categories: list[str] | None = None):
    """What a mapped property stands for in a card, compared by fingerprint on writing."""
    if kind == "FN":
        return card.get("display_name") or ""
    if kind == "N":
        return [card.get(k) or "" for k in ("family_name", "given_name", "middle_name", "prefix", "suffix")]
    if kind == "ORG":
        return [vx.get("org", ""), card.get("department") or ""]
    if kind == "TITLE":
        return card.get("job_title") or ""
    if kind == "ROLE":
        return card.get("title") or ""
    if kind in ("NICKNAME", "BDAY"):
        return vx.get(kind.lower(), "")
    if kind in ("TEL", "EMAIL", "ADR", "URL"):
        rows = card.get(_ROWS[kind]) or []
        if index >= len(rows):
            return None
        return {k: rows[index].get(k) or ("" if k != "is_primary" else False) for k in _ROW_KEYS[kind]}
    if kind == "NOTE":
        return card.get("notes") or ""
    if kind == "PHOTO":
        return card.get("photo") or ""
    if kind == "CATEGORIES":
        if categories is not None:
            return categories
        return [g["name"] for g in card.get("groups") or []]
    if kind == "UID":
        return card.get("id") or ""
    if kind == "LANG":
        return card.get("language") or ""
    return None  # REV: always written anew


_ROWS = {"TEL": "phones", "EMAIL": "emails", "ADR": "addresses", "URL": "urls"}
_ROW_KEYS = {
    "TEL": ("value", "type", "label", "is_primary"),
    "EMAIL": ("value", "type", "label", "is_primary"),
    "URL": ("value", "type", "label", "is_primary"),
    "ADR": ("line1", "line2", "city", "region", "postal_code", "country", "type", "label", "is_primary"),
}


def _normalise_primary(rows: list[dict], first_by_default: bool) -> None:
    """One primary per kind, as the store keeps it (the most preferred flagged, the first of equals, else the
    first row): `is_primary` as read is a PREF rank (`_pref_rank`)."""
    ranked = [(row["is_primary"], i) for i, row in enumerate(rows) if row.get("is_primary")]
    flagged = min(ranked)[1] if ranked else None
    if flagged is None and first_by_default and rows:
        flagged = 0
    for i, row in enumerate(rows):
        row["is_primary"] = i == flagged


def _ab_labels(props: list[vl.Prop], decoder, v21: bool) -> dict[str, str]:
    """Apple's custom labels: group -> text of `itemN.X-ABLabel` (`_$!<Mobile>!$_` -> Mobile)."""
    labels = {}
    for prop in props:
        if prop.name == "X-ABLABEL" and prop.group:
            text = (_unescape21 if v21 else _unescape)(vl.value_text(prop, decoder)).strip()
            match = re.fullmatch(r"_\$!<(.*)>!\$_", text)
            labels[prop.group] = match.group(1) if match else text
    return labels


def _phone_label(types: list[str]) -> str:
    """A label for what the canonical phone type cannot say (pager, home/work fax)."""
    words = set(types)
    if "pager" in words:
        return "Pager"
    if "fax" in words:
        if "home" in words:
            return "Home Fax"
        if "work" in words:
            return "Work Fax"
    return ""


def _pref_rank(prop: vl.Prop) -> int | None:
    """How preferred a row is, 1 the most (RFC 6350 5.3's PREF; 3.0's TYPE=pref is 1); None: not said.
    `_normalise_primary` makes the most preferred row the primary one."""
    said = prop.param("PREF")
    if said:
        return int(said[0]) if said[0].isdigit() and 1 <= int(said[0]) <= 100 else 1
    return 1 if "pref" in prop.types() else None


def _split_raw(value: str, separator: str) -> list[str]:
    """Split on unescaped separators, keeping escapes (for a second split)."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _split(value: str, separator: str, unescape) -> list[str]:
    return [unescape(p) for p in _split_raw(value, separator)]


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


def _unescape21(text: str) -> str:
    """vCard 2.1 escapes only `;` (and writers add `\\,`); other backslashes are text."""
    return text.replace("\\;", ";").replace("\\,", ",")


def _address(value: str, types: list[str], pref: int | None, unescape) -> dict:
    parts = [unescape(p).replace("\r\n", "\n").replace("\n", ", ").strip() for p in _split_raw(value, ";")]
    parts += [""] * 7
    box, extended, street, city, region, code, country = parts[:7]
    line2 = ", ".join(p for p in (extended, f"PO Box {box}" if box else "") if p)
    return {"type": place_type(types), "is_primary": pref, "line1": street, "line2": line2,
            "city": city, "region": region, "postal_code": code, "country": country}


def _photo(prop: vl.Prop, value: str) -> str:
    """A photo as a data: URI (inline) or the URI; RecordError when inline data is broken."""
    if prop.encoding() == "B":
        data = "".join(value.split())
        media = next((t for t in prop.types() if t and t != "pref"), "") or "jpeg"
        header, comma, payload = data.partition(",")
        if comma and header.lower().startswith("data:") and header.lower().endswith(";base64"):
            # InfCloud writes `PHOTO;ENCODING=b;TYPE=png:data:image/png;base64,...` (Radicale
            # strips the prefix for it): the data is the URI's, its media type too when given.
            data, media = payload, header[5:-7] or media
        _check_base64(data)
        media = media if "/" in media else f"image/{media}"
        return f"data:{media};base64,{data}"
    text = value.strip()
    if text.lower().startswith("data:"):
        # Evolution escapes `;` and `,` in every value it writes (`data:image/jpeg\;base64\,...`);
        # a data: URI has no backslash of its own.
        text = _unescape(text) if "\\" in text else text
        header, _, data = text.partition(",")
        if ";base64" in header.lower():
            _check_base64("".join(data.split()))
        return text
    return _unescape(text)


def _check_base64(data: str) -> None:
    if not data:
        raise RecordError("no image data")
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", data):
        raise RecordError("the image data is not valid base64")
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(f"the base64 image data is cut off ({len(data)} characters)") from None


# ---------------------------------------------------------------- a whole file

def read_vcards(stream: IO[bytes], warn_at, encoding: str | None = None
                ) -> Iterable[tuple[str, list[vl.Prop] | Exception, vl.Decoder, int]]:
    """(position, properties, decoder, start line) per card of a binary stream.

    `warn_at(position, message)` receives repairs made outside a card's own properties.
    UTF-16/32 files (BOM or NUL pattern) are read as such; otherwise each line is UTF-8 when
    it is, else its CHARSET, else `encoding` (the user's --encoding) or the detected one.
    """
    stream, found, _ = encodings.sniffed(stream, encoding)
    if found == "utf-8-sig" and stream.peek(3).startswith(codecs.BOM_UTF8):
        stream.read(3)
    sample = stream.peek(65536)[:65536]
    if found.startswith(("utf-16", "utf-32")):
        lines = (line.encode("utf-8") for line in io.TextIOWrapper(stream, encoding=found, newline=""))
        cr_only = False
    else:
        lines = iter(stream)
        cr_only = b"\r" in sample and b"\n" not in sample
    decoder = vl.Decoder(sample, encoding if encoding and encodings.known_charset(encoding) != "utf-8" else None)
    number_of_card = [0]
    pending: list[tuple[int, str]] = []

    def warn(number: int, message: str) -> None:
        pending.append((number, message))

    def decoded_lines():
        physical = ((n, raw.decode("latin-1")) for n, raw in vl.physical_byte_lines(lines, cr_only))
        for number, text in vl.logical_lines(physical, warn):
            yield number, decoder.line(text.encode("latin-1"), number, warn)

    for start, props, complete in _cards(_props(decoded_lines(), warn), warn, headless=True):
        number_of_card[0] += 1
        position = f"card {number_of_card[0]} (line {start})"
        for number, message in pending:
            if number >= start:
                warn_at(position, _line_message(number, message))
            else:
                warn_at(*_outside_card(number, message))
        pending.clear()
        if not complete:
            warn_at(position, "the card has no END:VCARD (the file is cut off or the next card begins)")
        yield position, props, decoder, start
    for number, message in pending:
        warn_at(*_outside_card(number, message))


def _line_message(number: int, message: str) -> str:
    return message if message.startswith("line ") else f"line {number}: {message}"


def _outside_card(number: int, message: str) -> tuple[str, str]:
    """(position, message) of a repair outside any card: the line is the position, said once."""
    line, _, rest = _line_message(number, message).partition(": ")
    return line, rest


def import_cards(stream: IO[bytes], report, writer, resolver: GroupResolver | None = None,
                 encoding: str | None = None) -> int:
    """Parse a vCard byte stream into the bulk writer; returns the number of cards found.

    A card without a UID gets an id made from its content, so importing a file again
    finds the same cards. Group cards (KIND:group) become groups with their members
    (services.io.group_cards), after the file's contacts are stored.
    """
    count = 0
    group_cards: list[GroupCard] = []
    for position, props, decoder, _start in read_vcards(stream, report.warn, encoding):
        count += 1
        group = group_card(props, position, decoder)
        if group is not None:
            group_cards.append(group)  # stored once the file's contacts (its members) are
            continue
        warnings: list[tuple[int, str]] = []
        try:
            card = card_from_props(props, lambda n, m: warnings.append((n, m)), resolver, decoder)
        except RecordError as exc:
            for number, message in warnings:
                report.warn(position, _line_message(number, message))
            report.fail(position, str(exc))
            continue
        for number, message in warnings:
            report.warn(position, _line_message(number, message))
        if not card.get("id"):
            card["id"] = content_id(props)
        writer.add(card, position)
    writer.flush()
    if group_cards:
        report.groups += store_group_cards(group_cards, report)
    return count


def content_id(props: list[vl.Prop]) -> str:
    """A card id from a card's lines (for cards without a UID): the same card, the same id."""
    digest = hashlib.sha1("\n".join(p.text for p in props if p.name not in ("REV",)).encode()).hexdigest()
    return str(uuid.uuid5(UID_NAMESPACE, "content:" + digest))


# ---------------------------------------------------------------- writing

_PHONE_TYPES_OUT = {
    "office": ["work", "voice"], "mobile": ["cell", "voice"], "fax": ["fax"], "home": ["home", "voice"],
    "other": ["voice"], "local": ["x-local"], "public": ["x-public"],
}
_PHONE_LABEL_TYPES = {"pager": ["pager"], "home fax": ["home", "fax"], "work fax": ["work", "fax"]}


def card_to_vcard(card: dict, version: str = "4.0") -> str:
    """One card as vCard text (CRLF lines folded at 75 octets), properties read from a vCard kept."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(VERSIONS)}")
    fresh = _fresh_lines(card, version)
    vx = ((card.get("extra") or {}).get("vcard") or {})
    stored = vx.get("props")
    if isinstance(stored, list):
        lines = _merged(card, vx, stored, fresh, version)
    else:
        lines = _merged(card, vx, [], fresh, version)
    return vcard_text(lines, version)


def vcard_text(lines: list[str], version: str) -> str:
    """A vCard of `version` from its logical lines (BEGIN, VERSION and END added, lines folded)."""
    out = io.StringIO()
    out.write("BEGIN:VCARD\r\n")
    _write_line(out, f"VERSION:{version}", version)
    for line in lines:
        for physical in line.split("\r\n"):  # a 2.1 AGENT keeps its nested card's lines
            _write_line(out, physical, version)
    out.write("END:VCARD\r\n")
    return out.getvalue()


def escape_text(text: str) -> str:
    """A text value escaped for vCard 3.0/4.0 (backslash, `;`, `,` and newlines)."""
    return _esc(text)


def _merged(card: dict, vx: dict, stored: list, fresh: list[tuple], version: str) -> list[str]:
    """The stored property sequence with mapped properties filled from the card (see the docstring)."""
    source = vx.get("version") or "3.0"
    by_key = {key: (line, label) for key, line, label in fresh}
    relabel, dropped, unlabelled = _row_groups(card, vx, stored, by_key)
    labels = _adr_labels(stored) if (source, version) == ("3.0", "4.0") else {}
    folded = set(labels.values())
    anniversaries = _apple_anniversary_groups(stored) if source != "4.0" else set()
    used: set[tuple] = set()
    out: list[str] = []
    end_of_kind: dict[str, int] = {}  # index after the last line of a kind in `out`
    for at, entry in enumerate(stored):
        if isinstance(entry, str):
            if at in folded:
                # 4.0 has no LABEL property: its text goes into its ADR's LABEL parameter; an ADR
                # changed or removed since takes it along (it described the old address).
                continue
            group = _group_of(entry)
            if group in dropped and vl.property_name(entry) in _ROW_COMPANIONS:
                continue  # the label (or Apple's country code) of a row removed since
            if group in relabel and vl.property_name(entry) == "X-ABLABEL":
                if relabel[group] is not None:
                    out.append(f"{group}.{relabel[group]}")  # the row's label changed elsewhere
                continue
            if group in anniversaries and version == "4.0":
                if vl.property_name(entry) == "X-ABLABEL":
                    continue  # said by the ANNIVERSARY its X-ABDATE becomes
                if vl.property_name(entry) == "X-ABDATE":
                    entry = "X-ANNIVERSARY" + entry[len(group) + 1 + len("X-ABDATE"):]
            line = convert_line(entry, source, version)
            if line and not (source != version and _said_already(line, out)):
                out.append(line)
                if source == "4.0" and version != "4.0" and vl.property_name(entry) == "ANNIVERSARY":
                    out += _apple_anniversary(line)
            continue
        if not isinstance(entry, dict):
            continue
        kind, index = entry.get("map"), int(entry.get("i") or 0)
        key = (kind, 0 if kind in _JOINED else index)
        if key not in by_key:
            continue  # removed since (a phone deleted, the notes emptied)
        current = _canonical_value(card, vx, kind, index)
        unchanged = current is not None and entry.get("fp") == _fingerprint(current)
        if key in used and not unchanged:
            continue  # a joined value changed: written once, at the first of its old places
        used.add(key)
        if unchanged and source == version:
            value = entry.get("value")
            if value is None:
                value = _value_of(by_key[key][0])
            out.append(convert_line(f"{entry.get('head', kind)}:{value}", source, version))
        elif unchanged and (kind in _ROWS or (kind in _COMPONENTS and entry.get("value") is not None)) and \
                {source, version} <= {"3.0", "4.0"}:
            label = _label_text(stored[labels[at]]) if at in labels else None
            out.extend(_converted(entry, by_key[key][0], version, label))
        else:
            group = _group_of(entry.get("head", ""))
            out.append((f"{group}." if group else "") + by_key[key][0])
            if key in unlabelled:  # a label given elsewhere to a row that had none
                out.append(unlabelled[key])
        end_of_kind[kind] = len(out)
    top: list[str] = []
    taken = {g for line in out for g in [_group_of(line)] if g}
    next_item = 1
    for at, line in enumerate(out):
        if line.startswith(_UNGROUPED_PAIR):  # Apple's anniversary pair made from a 4.0 ANNIVERSARY: a free itemN
            line = line[len(_UNGROUPED_PAIR):]
            if vl.property_name(line) == "X-ABDATE":
                while f"item{next_item}" in taken:
                    next_item += 1
                taken.add(f"item{next_item}")
            out[at] = f"item{next_item}.{line}"
    for key, label_line in unlabelled.items():
        if label_line.startswith("?."):  # an ungrouped row: it gets a free itemN group
            while f"item{next_item}" in taken:
                next_item += 1
            taken.add(f"item{next_item}")
            at = out.index(label_line)
            out[at - 1] = f"item{next_item}.{out[at - 1]}"
            out[at] = f"item{next_item}.{label_line[2:]}"
    for key, line, label in fresh:
        if key in used:
            continue
        if label:  # a custom label, Apple-style: itemN.TEL + itemN.X-ABLabel, N not taken yet
            while f"item{next_item}" in taken:
                next_item += 1
            group = f"item{next_item}"
            taken.add(group)
            line = f"{group}.{line}\r\n{group}.{label}"
        kind = key[0]
        if kind in end_of_kind:
            at = end_of_kind[kind]
            group = _group_of(out[at - 1]) if at else ""
            while group and at < len(out) and _group_of(out[at]) == group:
                at += 1  # keep Apple's itemN.TEL + itemN.X-ABLabel together
            out.insert(at, line)
            for other, end in end_of_kind.items():
                if end >= at:
                    end_of_kind[other] = end + 1
        elif kind in _TOP:
            top.append(line)
        else:
            out.append(line)
    return top + out


# Structured properties whose components no column holds one by one.
_COMPONENTS = {"N", "ORG", "ADR"}

# Parameters of a row's line that its line in the other version says in its own form (TYPE,
# PREF, bare type words) or that no longer hold: VALUE (the value is written anew, `tel:` gone),
# ENCODING and CHARSET (none in 4.0: sabre/vobject's VCardConverter::convertParameters40).
_REWRITTEN_PARAMS = {"", "TYPE", "PREF", "VALUE", "ENCODING", "CHARSET"}


def _converted(entry: dict, fresh_line: str, version: str, label: str | None) -> list[str]:
    """An unchanged mapped property read in 3.0 or 4.0 in the other one: its line(s) in `version`.

    The target's own head, the value as read for N, ORG and ADR: a fresh one has only the
    components a column holds (ORG's units as one department, ADR's PO box in line 2), and 3.0
    and 4.0 escape a value alike. A TEL/EMAIL/ADR/URL keeps every other parameter it had
    (Evolution's X-EVOLUTION-UI-SLOT, 4.0's PID or GEO), as sabre/vobject's VCardConverter
    does. An ADR's formatted address (`label`, from the 3.0 LABEL that followed it) becomes 4.0's
    LABEL parameter, and 4.0's LABEL parameter a 3.0 LABEL line right after the ADR.
    """
    kind, group = entry["map"], _group_of(entry.get("head", ""))
    value = entry["value"] if kind in _COMPONENTS and entry.get("value") is not None else _value_of(fresh_line)
    head = fresh_line[:vl._value_colon(fresh_line)]
    read = vl.parse_property(f"{entry.get('head', kind)}:", 0)
    written = vl.parse_property(fresh_line, 0)
    extra: list[str] = []
    if kind in _ROWS and read is not None and written is not None:
        params = _kept_params(read.params, _target_types(read, written.params, version))
        if kind == "ADR" and version == "3.0":
            text = ",".join(v for k, values in params if k == "LABEL" for v in values)
            params = [(k, values) for k, values in params if k != "LABEL"]
            extra = [_label_line(_label_param_text(text), written)] if text else []
        head = written.name + _params_text(params)
        if kind == "ADR" and version == "4.0" and label:
            head += f';LABEL="{_label_param(label)}"'
    prefix = f"{group}." if group else ""
    return [f"{prefix}{head}:{value}"] + [prefix + line for line in extra]


def _says_pref(prop: vl.Prop) -> bool:
    """Whether a line says PREF: 4.0's parameter, 3.0's TYPE word or 2.1's bare word."""
    return any(key == "PREF" for key, _ in prop.params) or "pref" in prop.types()


def _target_types(read: vl.Prop, fresh: list[tuple[str, list[str]]], version: str
                  ) -> list[tuple[str, list[str]]]:
    """The TYPE words and PREF of an unchanged row's line as read, in `version`'s form.

    Unchanged means the row's type and primary flag too, so the words read still say them; the
    fresh line's would add words the writer never wrote (VOICE on a CELL, 3.0's INTERNET on an
    EMAIL, PREF on the row the store calls primary by default: Evolution's cards came back from
    a 3.0 client with `PREF=1`) and drop others (`postal`, `msg`). The fresh line's other
    parameters (a VALUE its value needs) stay.
    """
    out = [(key, values) for key, values in fresh if key not in ("", "TYPE", "PREF")]
    words = [word for word in read.types() if word != "pref"]
    if version == "3.0":  # 3.0's PREF says "the most preferred": a 4.0 PREF=2 is left out (as sabre/vobject does)
        words = [word.upper() for word in words] + (["PREF"] if _pref_rank(read) == 1 else [])
        if words:
            out.append(("TYPE", words))
    else:
        if words:
            out.append(("TYPE", words))
        if _says_pref(read):
            out.append(("PREF", ["1"]))
    return out


def _label_line(text: str, adr: vl.Prop) -> str:
    """3.0's LABEL for an address's text, with the TYPE words of its ADR line (pref aside), as
    ez-vcard's StreamWriter.createLabel and Evolution's e_vcard_convert_30_40_cb make it."""
    types = [t for key, values in adr.params if key == "TYPE" for t in values if t.upper() != "PREF"]
    return _render("LABEL", [("TYPE", ",".join(types))] if types else [], _esc(text), "3.0")


def _kept_params(read: list[tuple[str, list[str]]], typed: list[tuple[str, list[str]]]
                 ) -> list[tuple[str, list[str]]]:
    """The parameters as read, with `typed` (`_target_types`) where the first TYPE/PREF stood."""
    kept: list[tuple[str, list[str]]] = []
    placed = False
    for key, values in read:
        if key not in _REWRITTEN_PARAMS:
            kept.append((key, values))
        elif key in ("", "TYPE", "PREF") and not placed:
            kept.extend(typed)
            placed = True
    return kept if placed else kept + typed


def _adr_labels(stored: list) -> dict[int, int]:
    """Where each 3.0 LABEL line (RFC 2426 3.2.2) of `stored` goes: ADR position -> LABEL position.

    A LABEL is an ADR's formatted address: it belongs to the first ADR before it with its group
    and its TYPE words (pref aside, a property of the address) that has no LABEL parameter and
    no LABEL yet, the pairing of ez-vcard's StreamReader.assignLabels (equal TYPE sets).
    """
    free: list[tuple[int, tuple]] = []  # (position, (group, types)) of ADRs without a label
    pairs: dict[int, int] = {}
    for at, entry in enumerate(stored):
        if isinstance(entry, dict) and entry.get("map") == "ADR":
            prop = vl.parse_property(f"{entry.get('head', 'ADR')}:", 0)
            if prop is not None and not any(key == "LABEL" for key, _ in prop.params):
                free.append((at, _label_key(prop)))
        elif isinstance(entry, str) and vl.property_name(entry) == "LABEL":
            prop = vl.parse_property(entry, 0)
            match = next((adr for adr in free if prop is not None and adr[1] == _label_key(prop)), None)
            if match is not None:
                free.remove(match)
                pairs[match[0]] = at
    return pairs


def _label_key(prop: vl.Prop) -> tuple[str, frozenset[str]]:
    return prop.group.lower(), frozenset(prop.types()) - {"pref"}


def _label_text(line: str) -> str:
    """The text of a 3.0 LABEL line (its escapes undone)."""
    prop = vl.parse_property(line, 0)
    return _unescape(vl.value_text(prop)).replace("\r\n", "\n") if prop is not None else ""


def _label_param(text: str) -> str:
    r"""Text as 4.0's LABEL parameter, to be quoted: newlines as `\n` (RFC 6350 6.3.1's example,
    ez-vcard's VCardWriter.handleLabelParameter); a double quote cannot be written: '."""
    return re.sub(r"\r\n|\r|\n", r"\\n", text.replace('"', "'"))


# In 4.0's LABEL parameter: `\n` (RFC 6350 6.3.1), RFC 6868's carets, and the `\,` `\;` `\\`
# Evolution writes (it escapes a parameter as a value: its test-vcard.c test_convert_quirks_adr).
_LABEL_PARAM_ESCAPES = {"\\n": "\n", "\\N": "\n", "\\,": ",", "\\;": ";", "\\\\": "\\",
                        "^n": "\n", "^'": '"', "^^": "^"}


def _label_param_text(raw: str) -> str:
    """The text of 4.0's LABEL parameter, its escapes undone."""
    return re.sub(r"\\[nN,;\\]|\^[n'^]", lambda m: _LABEL_PARAM_ESCAPES[m.group(0)], raw)


# Apple's companions of a row's property in its itemN group: its label, an address's country code.
_ROW_COMPANIONS = {"X-ABLABEL", "X-ABADR"}


def _row_groups(card: dict, vx: dict, stored: list, by_key: dict):
    """How the rows' Apple groups change: (relabel, dropped, unlabelled).

    relabel: group -> its new `X-ABLabel` line (None: no label now) for a row whose label
    changed since it was read; dropped: groups of rows removed since; unlabelled: (kind, i)
    -> the label line to add after a rewritten row that had no label line (`?.` marks a
    row without a group: `_merged` gives it one).
    """
    labels_read = {}
    for entry in stored:
        if isinstance(entry, str) and vl.property_name(entry) == "X-ABLABEL" and _group_of(entry):
            prop = vl.parse_property(entry, 0)
            if prop is not None:
                text = _unescape(prop.value).strip()
                match = re.fullmatch(r"_\$!<(.*)>!\$_", text)
                labels_read[_group_of(entry)] = match.group(1) if match else text
    relabel: dict[str, str | None] = {}
    dropped: set[str] = set()
    unlabelled: dict[tuple, str] = {}
    for entry in stored:
        if not isinstance(entry, dict) or entry.get("map") not in _ROWS:
            continue
        kind, index = entry["map"], int(entry.get("i") or 0)
        group = _group_of(entry.get("head", ""))
        if (kind, index) not in by_key:
            if group:
                dropped.add(group)
            continue
        rows = card.get(_ROWS[kind]) or []
        label = ((rows[index].get("label") if index < len(rows) else "") or "").strip()
        label_line = by_key[(kind, index)][1]
        if group in labels_read:
            if labels_read[group] != label:
                relabel[group] = label_line or None
        elif label_line and entry.get("fp") != _fingerprint(_canonical_value(card, vx, kind, index)):
            unlabelled[(kind, index)] = f"{group}.{label_line}" if group else f"?.{label_line}"
    return relabel, dropped, unlabelled


def _group_of(line: str) -> str:
    match = re.match(r"^([A-Za-z0-9_-]+)\.", line)
    return match.group(1) if match else ""


def _value_of(line: str) -> str:
    at = vl._value_colon(line)
    return line[at + 1:] if at >= 0 else ""


def _fresh_lines(card: dict, version: str) -> list[tuple[tuple, str, str]]:
    """Every mapped property of a card written anew: ((kind, index), line, custom-label line or '')."""
    v4, v21 = version == "4.0", version == "2.1"
    vx = ((card.get("extra") or {}).get("vcard") or {})
    lines: list[tuple[tuple, str, str]] = []

    def add(key: tuple, name: str, params: list[tuple[str, str]], value: str, *, label: str = "") -> None:
        label_line = _render("X-ABLabel", [], _esc(label, v21), version) if label and not v21 else ""
        lines.append((key, _render(name, params, value, version), label_line))

    uid = vx.get("uid")
    if uid and card.get("id") and id_for_uid(uid) == card["id"]:
        add(("UID", 0), "UID", [], _esc(uid, v21))
    elif card.get("id"):
        add(("UID", 0), "UID", [], f"urn:uuid:{card['id']}" if v4 else card["id"])
    display = card.get("display_name") or card.get("primary_email") or ""
    add(("FN", 0), "FN", [], _esc(display, v21))
    if not (v4 and _n_never_written(card, vx)):
        add(("N", 0), "N", [], ";".join(_esc(card.get(k) or "", v21) for k in
                                        ("family_name", "given_name", "middle_name", "prefix", "suffix")))
    if vx.get("nickname"):
        add(("NICKNAME", 0), "NICKNAME", [], ",".join(_esc(p.strip(), v21) for p in vx["nickname"].split(",")))
    if vx.get("bday"):
        params, value = _date_in(vx["bday"], version)
        add(("BDAY", 0), "BDAY", params, _esc(value, v21))
    org, department = vx.get("org", ""), card.get("department") or ""
    if org or department:
        add(("ORG", 0), "ORG", [], ";".join(_esc(p, v21) for p in ((org, department) if department else (org,))))
    if card.get("job_title"):
        add(("TITLE", 0), "TITLE", [], _esc(card["job_title"], v21))
    if card.get("title"):
        add(("ROLE", 0), "ROLE", [], _esc(card["title"], v21))
    for i, phone in enumerate(card.get("phones") or []):
        label = (phone.get("label") or "").strip()
        words = _PHONE_LABEL_TYPES.get(label.lower()) or _PHONE_TYPES_OUT.get(phone.get("type"), ["voice"])
        custom = "" if label.lower() in _PHONE_LABEL_TYPES else label
        add(("TEL", i), "TEL", _type_params(words, phone.get("is_primary"), version), _esc(phone["value"], v21),
            label=custom)
    for i, email in enumerate(card.get("emails") or []):
        words = ([] if v4 else ["internet"]) + ([email["type"]] if email.get("type") else [])
        add(("EMAIL", i), "EMAIL", _type_params(words, email.get("is_primary"), version),
            _esc(email["value"], v21), label=(email.get("label") or "").strip())
    for i, address in enumerate(card.get("addresses") or []):
        words = [address["type"]] if address.get("type") else []
        value = ";".join(_esc(address.get(k) or "", v21) for k in
                         ("", "line2", "line1", "city", "region", "postal_code", "country"))
        add(("ADR", i), "ADR", _type_params(words, address.get("is_primary"), version), value)
    for i, url in enumerate(card.get("urls") or []):
        words = [url["type"]] if url.get("type") else []
        add(("URL", i), "URL", _type_params(words, False, version), url["value"])
    if card.get("notes"):
        add(("NOTE", 0), "NOTE", [], _esc(card["notes"], v21))
    if card.get("photo"):
        name, params, value = _photo_property(card["photo"], version)
        add(("PHOTO", 0), name, params, value)
    groups = [g["name"] for g in card.get("groups") or [] if g.get("name")]
    if groups:
        add(("CATEGORIES", 0), "CATEGORIES", [], ",".join(_esc(g, v21) for g in groups))
    if card.get("language"):
        add(("LANG", 0), "LANG" if v4 else "X-LANGUAGE", [], _esc(card["language"], v21))
    # CSV columns no field took (extra.csv): `X-CSV;X-COLUMN=<header>:<value>`, unless the card
    # keeps that line already (it was read from a vCard this export wrote).
    present = _csv_columns_kept(vx)
    for i, (header, value) in enumerate(csv_columns(card).items()):
        if header not in present:
            add((CSV_COLUMN_PROPERTY, i), CSV_COLUMN_PROPERTY, [(CSV_COLUMN_PARAM, _param_value(header))],
                _esc(value, v21))
    updated = card.get("updated")
    if isinstance(updated, datetime.datetime):
        add(("REV", 0), "REV", [], updated.strftime("%Y%m%dT%H%M%SZ"))
    return lines


# Kept properties whose value is a date (vCard 4.0's DATE-AND-OR-TIME ones, Apple's X-ABDATE).
_DATES = {"ANNIVERSARY", "DEATHDATE", "X-ANNIVERSARY", "X-ABDATE"}
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")


def _date_in(date: str, version: str) -> tuple[list[tuple[str, str]], str]:
    """(parameters, value) of a date (BDAY, ANNIVERSARY, ...) in `version`: a date without a year is `--MMDD` in 4.0 (RFC 6350
    4.3.1) and Apple's `1604-MM-DD` with X-APPLE-OMIT-YEAR before it (3.0 and 2.1 dates have a year)."""
    found = _NO_YEAR.fullmatch(date)
    if not found:
        return [], date
    month, day = found.groups()
    if version == "4.0":
        return [], f"--{month}{day}"
    return [("X-APPLE-OMIT-YEAR", vl.APPLE_NO_YEAR)], f"{vl.APPLE_NO_YEAR}-{month}-{day}"


def _n_never_written(card: dict, vx: dict) -> bool:
    """Whether the card was read from a vCard without N and no door has named it since (its
    display name is the one read, its name parts the ones derived from it): vCard 4.0
    needs no N, and a client that sent none (Thunderbird, for a company or an address) must not
    get back parts it never wrote ("Support, ACME")."""
    display = card.get("display_name") or ""
    if "no_n" not in vx or vx["no_n"] != display:
        return False
    # Parts all empty (an organisation's card) are written, as `N:;;;;`: without it a reader
    # derives parts from FN; not when the card's own KIND:org (kept, written back) says so.
    parts = {key: card.get(key) or "" for key in NAME_PARTS}
    if not any(parts.values()):
        kept = [vl.parse_property(entry, 0) for entry in vx.get("props") or [] if isinstance(entry, str)]
        return _names_an_organisation([prop for prop in kept if prop is not None], vl.value_text)
    return parts == split_display_name(display)


def _csv_columns_kept(vx: dict) -> set[str]:
    """Columns of the X-CSV lines a card read from a vCard keeps verbatim."""
    columns = set()
    for entry in vx.get("props") or []:
        if isinstance(entry, str) and entry.upper().startswith(CSV_COLUMN_PROPERTY + ";"):
            prop = vl.parse_property(entry, 0)
            if prop is not None and prop.name == CSV_COLUMN_PROPERTY:
                columns.update(prop.param(CSV_COLUMN_PARAM)[:1])
    return columns


def _param_value(text: str) -> str:
    """A parameter value: quoted when it holds , ; or : (a double quote cannot be written: ')."""
    text = text.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{text}"' if any(c in text for c in ",;:") else text


def _render(name: str, params: list[tuple[str, str]], value: str, version: str) -> str:
    head = name
    if version == "2.1" and _needs_qp(value):
        params = params + [("CHARSET", "UTF-8"), ("ENCODING", "QUOTED-PRINTABLE")]
        value = _qp(value)
    for key, val in params:
        head += f";{val}" if key == "" else f";{key}={val}"
    return f"{head}:{value}"


def _needs_qp(value: str) -> bool:
    return any(ord(c) > 126 or c in "\r\n" for c in value)


def _qp(value: str) -> str:
    return quopri.encodestring(value.replace("\n", "\r\n").encode("utf-8"), quotetabs=False) \
        .decode("ascii").replace("=\n", "").replace("\n", "=0D=0A").replace("\r", "")


def _esc(text: str, v21: bool = False) -> str:
    text = text or ""
    if v21:
        return text.replace(";", "\\;")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _type_params(words: list[str], primary: bool, version: str) -> list[tuple[str, str]]:
    words = [w for w in words if w]
    params = []
    if version == "4.0":
        if words:
            params.append(("TYPE", ",".join(w.lower() for w in words)))
        if primary:
            params.append(("PREF", "1"))
    elif version == "3.0":
        words = [w.upper() for w in words] + (["PREF"] if primary else [])
        if words:
            params.append(("TYPE", ",".join(words)))
    else:
        params.extend(("", w.upper()) for w in words + (["pref"] if primary else []))
    return params


def _photo_property(photo: str, version: str) -> tuple[str, list, str]:
    if version == "4.0" or not photo.startswith("data:"):
        return "PHOTO", [("VALUE", "uri")] if version == "3.0" else ([("VALUE", "URL")] if version == "2.1" else []), \
            photo
    header, _, data = photo.partition(",")
    media = header[5:].split(";")[0]
    subtype = media.split("/")[-1].upper() if media else "JPEG"
    if version == "2.1":
        return "PHOTO", [("ENCODING", "BASE64"), ("TYPE", subtype)], data
    return "PHOTO", [("ENCODING", "b"), ("TYPE", subtype)], data


# ---------------------------------------------------------------- lines of another version

def convert_line(text: str, source: str, target: str) -> str:
    """A verbatim line read in vCard `source` made fit for `target` (unchanged when equal)."""
    if source == target or "\r\n" in text:
        return text
    prop = vl.parse_property(text, 0)
    if prop is None:
        return text
    kind = _organisation_line(prop, target)
    if kind is not None:
        return kind
    value = prop.value
    params = list(prop.params)
    encoding = prop.encoding()
    if source == "2.1":
        if encoding == "QUOTED-PRINTABLE":
            decoded = vl.value_text(prop)
            value = decoded.replace("\r\n", "\n").replace("\\", "\\\\").replace("\n", "\\n")
            if prop.name not in ("N", "ADR", "ORG"):
                value = value.replace(",", "\\,")
        params = [(k, v) for k, v in params if k not in ("CHARSET",)
                  and not (k in ("ENCODING", "") and v and v[0].upper() in ("QUOTED-PRINTABLE", "8BIT", "7BIT"))]
        params = [("TYPE", v) if k == "" and v and v[0].upper() not in ("BASE64", "B") else
                  (("ENCODING", ["b"]) if k == "" or (k == "ENCODING" and v and v[0].upper() == "BASE64") else (k, v))
                  for k, v in params]
        value = "".join(value.split()) if encoding == "B" else value
    if target == "4.0" and encoding == "B":
        media = next((t for t in prop.types() if t != "pref"), "octet-stream")
        top = {"PHOTO": "image", "LOGO": "image", "SOUND": "audio"}.get(prop.name, "application")
        key_media = {kind.lower(): media for media, kind in _KEY_TYPES.items()} if prop.name == "KEY" else {}
        media = media if "/" in media else key_media.get(media.lower()) or f"{top}/{media.lower()}"
        params = [(k, v) for k, v in params if k not in ("ENCODING", "TYPE")]
        value = f"data:{media};base64,{''.join(value.split())}"
    params = _pref_in(params, source, target)
    if target == "4.0" and prop.param("X-APPLE-OMIT-YEAR"):  # a date Apple wrote without its year
        params = [(k, v) for k, v in params if k != "X-APPLE-OMIT-YEAR"]
        value = _date_in(vl.without_omitted_year(value, prop), target)[1]
    elif source == "4.0" and prop.name in _DATES and _NO_YEAR.fullmatch(value.strip()):
        extra, value = _date_in(value.strip(), target)
        params += [(k, [v]) for k, v in extra]
    if target == "3.0" and source == "4.0" and prop.name == "TZ" and not any(k == "VALUE" for k, _ in params) \
            and not re.fullmatch(r"[+-]\d{2}:?\d{2}", value.strip()):
        params.append(("VALUE", ["text"]))  # 3.0's TZ is a UTC offset unless said otherwise (RFC 2426)
    if source == "4.0" and target != "4.0" and prop.name in _MEDIA_PROPERTIES:
        params, value = _media_before_4(params, value, target)
    if target == "2.1":
        params = [(k, v) for k, v in params if k != "VALUE" or v[:1] != ["uri"]]
        binary = [(k, v) for k, v in params if k == "ENCODING" and v[:1] and v[0].upper() == "B"]
        params = [("ENCODING", ["BASE64"]) if (k, v) in binary else (k, v) for k, v in params]  # 2.1's name for b
        decoded = _unescape(value) if prop.name not in ("N", "ADR", "ORG") else value
        if not binary and _needs_qp(decoded):
            # Said once: a 3.0 line may have its own CHARSET (DAVx5 writes one), which 3.0 ignores.
            params = [(k, v) for k, v in params if k not in ("CHARSET", "ENCODING")]
            params += [("CHARSET", ["UTF-8"]), ("ENCODING", ["QUOTED-PRINTABLE"])]
            value = _qp(decoded)
    name = prop.head().split(";")[0].split(".")[-1]
    if prop.name in _RENAMED_BEFORE_4 and target != "4.0":
        name = _RENAMED_BEFORE_4[prop.name]
    elif prop.name in _RENAMED_IN_4 and target == "4.0":
        name = _RENAMED_IN_4[prop.name]
    head = (f"{prop.group}." if prop.group else "") + name
    return f"{head}{_params_text(params)}:{value}"


def _organisation_line(prop: vl.Prop, target: str) -> str | None:
    """What says "an organisation's card" in `target`, for a line that says it (or that the card is a
    person's) in another version; None for any other line. As sabre/vobject's VCardConverter: 4.0's
    `KIND:org` is Apple's `X-ABShowAs:COMPANY` before 4.0 and back; `KIND:individual`, the
    default, is left out ('')."""
    said = (prop.name, vl.value_text(prop).strip().lower())
    in_4 = prop.name == "KIND"  # KIND is 4.0's; X-ABShowAs is how 3.0 and 2.1 say it
    if said in _ORGANISATION and in_4 != (target == "4.0"):
        return "KIND:org" if target == "4.0" else "X-ABShowAs:COMPANY"
    return "" if said == ("KIND", "individual") and target != "4.0" else None


def _pref_in(params: list[tuple[str, list[str]]], source: str, target: str) -> list[tuple[str, list[str]]]:
    """A kept line's preference in `target`'s form, as sabre/vobject's VCardConverter converts it: 4.0's
    PREF=1 is TYPE=PREF before 4.0 (other PREF values are left out: 3.0 has no ranks) and 3.0's
    TYPE=PREF is PREF=1 in 4.0."""
    if (source == "4.0") == (target == "4.0"):
        return params
    out: list[tuple[str, list[str]]] = []
    preferred = False
    for key, values in params:
        if target == "4.0" and key in ("TYPE", ""):
            kept = [v for v in values if v.lower() != "pref"]
            preferred = preferred or len(kept) < len(values)
            if kept:
                out.append((key, kept))
        elif target != "4.0" and key == "PREF":
            preferred = preferred or values[:1] == ["1"]
        else:
            out.append((key, values))
    if preferred:
        out.append(("PREF", ["1"]) if target == "4.0" else (("", ["PREF"]) if target == "2.1" else ("TYPE", ["PREF"])))
    return out


# Properties vCard 4.0 added, named as 3.0 writers name them (sabre/vobject's VCardConverter: Microsoft's
# X-ANNIVERSARY), and back.
_RENAMED_BEFORE_4 = {"ANNIVERSARY": "X-ANNIVERSARY"}
_RENAMED_IN_4 = {"X-ANNIVERSARY": "ANNIVERSARY"}


_APPLE_ANNIVERSARY_LABEL = "_$!<Anniversary>!$_"
_UNGROUPED_PAIR = "?pair."  # marks the lines of a pair made here until `_merged` gives them a free itemN


def _apple_anniversary_groups(stored: list) -> set[str]:
    """Groups of Apple's anniversary pairs (`itemN.X-ABDATE` + `itemN.X-ABLabel:_$!<Anniversary>!$_`)."""
    labelled = {_group_of(entry) for entry in stored if isinstance(entry, str) and _group_of(entry)
                and vl.property_name(entry) == "X-ABLABEL" and _value_of(entry).strip() == _APPLE_ANNIVERSARY_LABEL}
    return {group for group in labelled if any(isinstance(entry, str) and _group_of(entry) == group
                                               and vl.property_name(entry) == "X-ABDATE" for entry in stored)}


def _apple_anniversary(line: str) -> list[str]:
    """Apple's pair for a 3.0 X-ANNIVERSARY line made from 4.0's ANNIVERSARY, as sabre/vobject's
    VCardConverter adds it (Apple's Contacts reads anniversaries only so); grouped later."""
    head, _, value = line.partition(":")
    params = head.split(";", 1)[1] if ";" in head else ""
    return [f"{_UNGROUPED_PAIR}X-ABDATE{';' + params if params else ''}:{value}",
            f"{_UNGROUPED_PAIR}X-ABLabel:{_APPLE_ANNIVERSARY_LABEL}"]


def _said_already(line: str, out: list[str]) -> bool:
    """A line converted from another version says what a line written before it says: a card with both
    KIND:org and X-ABShowAs:COMPANY, or ANNIVERSARY and X-ANNIVERSARY (or Apple's anniversary) of one
    date, says it once (sabre/vobject compares the value only, too)."""
    if _says_organisation(line):
        return any(_says_organisation(said) for said in out)
    name = vl.property_name(line)
    return name in _RENAMED_NAMES and any(vl.property_name(said) == name and _value_of(said) == _value_of(line)
                                          for said in out)


_RENAMED_NAMES = set(_RENAMED_BEFORE_4.values()) | set(_RENAMED_IN_4.values())


def _says_organisation(line: str) -> bool:
    """The line is `KIND:org` or Apple's `X-ABShowAs:COMPANY` (any letter case, any group)."""
    return (vl.property_name(line), _value_of(line).strip().lower()) in _ORGANISATION


# Properties whose value is binary by default before 4.0 (RFC 2426) and a URI in 4.0.
_MEDIA_PROPERTIES = {"PHOTO", "LOGO", "SOUND", "KEY"}
_KEY_TYPES = {"application/pgp": "PGP", "application/pgp-keys": "PGP", "application/x-x509-ca-cert": "X509",
              "application/pkix-cert": "X509"}  # the last of a type is what it becomes in 4.0


def _media_before_4(params: list[tuple[str, list[str]]], value: str, target: str
                    ) -> tuple[list[tuple[str, list[str]]], str]:
    """A kept 4.0 PHOTO, LOGO, SOUND or KEY in 3.0 or 2.1, as sabre/vobject's VCardConverter writes it:
    a base64 `data:` URI as inline binary (`ENCODING=b;TYPE=PNG`), any other URI with `VALUE=uri`
    (before 4.0 the value is binary unless said otherwise)."""
    header, comma, data = value.partition(",")
    if value.startswith("data:") and comma and header.lower().endswith(";base64"):
        media = header[5:].split(";")[0].lower()
        kept = [(k, v) for k, v in params if k not in ("VALUE", "MEDIATYPE")]
        kind = _KEY_TYPES.get(media) or media.split("/")[-1].upper()
        return kept + [("ENCODING", ["b" if target == "3.0" else "BASE64"])] + ([("TYPE", [kind])] if kind else []), \
            data
    if any(k == "VALUE" for k, _ in params):
        return params, value
    return params + [("VALUE", ["uri" if target == "3.0" else "URL"])], value


def _params_text(params: list[tuple[str, list[str]]]) -> str:
    """Parameters as written after a property's name: `;KEY=v1,v2`, a bare word as itself."""
    text = ""
    for key, values in params:
        joined = ",".join(_quote(v) for v in values)
        text += f";{joined}" if key == "" else f";{key}={joined}"
    return text


def _quote(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ",;:") else value


# ---------------------------------------------------------------- folding

def _write_line(out: IO[str], line: str, version: str) -> None:
    """Fold at 75 octets without splitting a UTF-8 character (2.1 quoted-printable: soft breaks)."""
    if len(line) <= 75 and line.isascii():  # most lines: no folding, no encoding needed
        out.write(line + "\r\n")
        return
    data = line.encode("utf-8")
    if len(data) <= 75:
        out.write(line + "\r\n")
        return
    if version == "2.1" and "QUOTED-PRINTABLE" in line[:max(vl._value_colon(line), 0)].upper():
        _write_qp_line(out, line)
        return
    chunks, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    chunks.append("".join(current))
    out.write("\r\n ".join(chunks) + "\r\n")


def _write_qp_line(out: IO[str], line: str) -> None:
    """A 2.1 quoted-printable line with soft breaks (`=` at a line's end) in its value only: a break
    among the parameters would be read as a line of its own."""
    colon = vl._value_colon(line) + 1
    pieces, current = [], line[:colon]
    i = colon
    while i < len(line):
        token = line[i:i + 3] if line[i] == "=" else line[i]
        if len(current) + len(token) > 74:
            pieces.append(current + "=")
            current = ""
        current += token
        i += len(token)
    pieces.append(current)
    out.write("\r\n".join(pieces) + "\r\n")


def write_cards(cards: Iterable[dict], out: IO[str], version: str = "4.0") -> int:
    """Write cards as vCards to a text stream; returns how many were written."""
    count = 0
    for card in cards:
        out.write(card_to_vcard(card, version))
        count += 1
    return count
