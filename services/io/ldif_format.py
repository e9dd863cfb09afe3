"""LDIF address books (RFC 2849; Thunderbird's LDIF export) read and written through Thunderbird's own columns.

Thunderbird writes a card's properties under LDAP attribute names (its default attribute map,
`ldap_2.servers.default.attrmap.*` in mailnews.js) and a mailing list as a `groupOfNames`
entry whose `member` values are the DNs of its cards; LDIF is the one Thunderbird export that
keeps the lists. An entry's attributes become the row Thunderbird's CSV export would have
for the card, read by the same parser (csv_formats.card_from_thunderbird), attribute names
matched case-insensitively as Thunderbird's importer matches them. Attributes no column takes
(a second `mail`, `mozillaUseHtmlMail`, anything another directory wrote) are kept under
their own names, as CSV columns no parser reads are; `objectclass` and `modifytimestamp`
describe the entry, not the person, and are not kept. A list becomes a group holding the
cards its members' DNs name (services.io.group_cards, after the file's cards are stored);
its nickname and description (Thunderbird's list NickName and Notes) are the group's shortname
and comment, set on a group created or filled where a stored group has none.

Written, a card is the entry Thunderbird's export writes (its attributes, in its order), and
every group a `groupOfNames` list after the cards (an empty one too, as Thunderbird exports an
empty list), with its shortname and comment as `mozillaNickname` and `description`, naming its
members by the DN the cards were written with (`cn=<display name>,mail=<primary email>`):
Thunderbird imports the lists so.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import datetime
import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import IO

from ldif import LDIFParser, LDIFWriter

from models import Contact, ContactEmail

from ..contacts import chunks, member_autokeys
from .canonical import GroupResolver, get_extra, iter_groups, primary_first
from .csv_formats import THUNDERBIRD_HEADER, TrackedRow, card_from_thunderbird, count
from .group_cards import GroupCard, store_group_cards
from .kept import kept_data
from .report import RecordError
from .vcard import NUL_REFUSED, UID_NAMESPACE

# Thunderbird's default attribute map (`ldap_2.servers.default.attrmap.*` in mailnews.js): each of
# its CSV export's columns with its attributes, the first the one it writes, all of them read;
# in the order its export writes them (AddrBookUtils' exportAttributes).
_ATTRIBUTE_MAP: list[tuple[str, tuple[str, ...]]] = [
    ("First Name", ("givenName",)), ("Last Name", ("sn", "surname")), ("Display Name", ("cn", "commonname")),
    ("Nickname", ("mozillaNickname", "xmozillanickname")), ("Primary Email", ("mail",)),
    ("Secondary Email", ("mozillaSecondEmail", "xmozillasecondemail")),
    ("Screen Name", ("nsAIMid", "nscpaimscreenname")), ("Last Modified", ("modifytimestamp",)),
    ("Work Phone", ("telephoneNumber",)), ("Home Phone", ("homePhone",)),
    ("Fax Number", ("facsimiletelephonenumber", "fax")), ("Pager Number", ("pager", "pagerphone")),
    ("Mobile Number", ("mobile", "cellphone", "carphone")),
    ("Home Address", ("mozillaHomeStreet",)), ("Home Address 2", ("mozillaHomeStreet2",)),
    ("Home City", ("mozillaHomeLocalityName",)), ("Home State", ("mozillaHomeState",)),
    ("Home ZipCode", ("mozillaHomePostalCode",)), ("Home Country", ("mozillaHomeCountryName",)),
    ("Work Address", ("street", "streetaddress", "postOfficeBox")), ("Work Address 2", ("mozillaWorkStreet2",)),
    ("Work City", ("l", "locality")), ("Work State", ("st", "region")), ("Work ZipCode", ("postalCode", "zip")),
    ("Work Country", ("c", "countryname")), ("Job Title", ("title",)),
    ("Department", ("ou", "department", "departmentnumber", "orgunit")), ("Organization", ("o", "company")),
    ("Web Page 1", ("mozillaWorkUrl", "workurl", "labeledURI")), ("Web Page 2", ("mozillaHomeUrl", "homeurl")),
    ("Birth Year", ("birthyear",)), ("Birth Month", ("birthmonth",)), ("Birth Day", ("birthday",)),
    ("Custom 1", ("mozillaCustom1", "custom1")), ("Custom 2", ("mozillaCustom2", "custom2")),
    ("Custom 3", ("mozillaCustom3", "custom3")), ("Custom 4", ("mozillaCustom4", "custom4")),
    ("Notes", ("description", "notes")),
]
# Read: an attribute, lowercased, to its column (the modify time is the entry's, not the person's).
_COLUMNS = {attribute.lower(): column for column, attributes in _ATTRIBUTE_MAP if column != "Last Modified"
            for attribute in attributes}
# Written: each column's first attribute, in Thunderbird's order.
_EXPORT = [(column, attributes[0]) for column, attributes in _ATTRIBUTE_MAP]
_NOT_KEPT = {"objectclass", "modifytimestamp"}  # the entry's kind and its time: not the person's
_PHOTOS = ("jpegphoto",)  # LDAP's `photo` is a G3 fax image: kept as any attribute
_IMAGE_TYPES = ((b"\xff\xd8", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))
_LISTS = {"groupofnames": "member", "groupofuniquenames": "uniquemember"}


class _Parser(LDIFParser):
    """The `ldif` package's parser, one entry at a time, so that one bad entry fails alone."""

    def __init__(self, stream: IO[bytes], fallback: str) -> None:
        # process_url_schemes=(): a `:<` value is never fetched (a file could name any URL or
        # local file). strict: every problem the package finds is its entry's reported error,
        # not a log line. Values stay bytes: _decoded reads them.
        super().__init__(stream, process_url_schemes=(), strict=True, encoding=None)
        self.fallback = fallback  # the file's encoding, for a DN that is not UTF-8

    def _check_dn(self, dn, attr_value) -> None:
        # A DN here only names an entry for its lists' members: Thunderbird writes a name's
        # commas unescaped (`cn=Doe, John,mail=...`), which the package calls invalid.
        if dn is not None:
            self._error("two dn: lines in one entry")

    def _decode_value(self, attr_type, attr_value):
        if attr_type == "dn":  # an old export in the system's code page writes its DNs so too
            try:
                return attr_type, attr_value.decode("utf-8")
            except UnicodeDecodeError:
                return attr_type, attr_value.decode(self.fallback, "contacts-latin1")
        return super()._decode_value(attr_type, attr_value)

    def entries(self) -> Iterator[tuple[tuple[str | None, dict], Exception | None]]:
        for block in self._iter_blocks():
            if all(line.lower().startswith(b"version:") for line in block):
                continue  # the file's `version: 1`, alone before the first entry
            try:
                yield self._parse_entry_record(block), None
            except (ValueError, binascii.Error, UnicodeError) as exc:
                first = block[0].decode("utf-8", "replace")
                yield ((first[3:].strip() if first.lower().startswith("dn:") else None), {}), exc


def import_entries(stream: IO[bytes], report, writer, resolver: GroupResolver | None = None,
                   encoding: str = "utf-8") -> int:
    """Parse an LDIF byte stream into the bulk writer, then its lists into groups; returns the entries read.

    A value that is not UTF-8 (an older export in the system's code page) is read in `encoding`
    (the detected one, or the user's --encoding). URL values (`attr:< file:///...`) are never fetched.
    """
    if encoding.startswith(("utf-16", "utf-32")):  # the parser reads lines of bytes: give it UTF-8
        stream = codecs.EncodedFile(stream, data_encoding="utf-8", file_encoding=encoding)
    elif stream.peek(3).startswith(codecs.BOM_UTF8):
        stream.read(3)
    lists: list[tuple[str, str, list[str], dict[str, str]]] = []  # (position, name, member DNs, group details)
    # The DNs of the file's cards without an e-mail (few): a list's member is found by its DN's
    # e-mail in the store, as Thunderbird finds it, so no map of every card is held.
    nameless: dict[str, str] = {}
    count = 0
    for (dn, entry), error in _Parser(stream, encoding).entries():
        count += 1
        position = f"entry {count}" + (f" ({_short(dn)})" if dn else "")
        if error is not None:
            report.fail(position, f"malformed LDIF: {error}")
            continue
        attributes = _decoded(entry, encoding)
        if "\x00" in dn or any("\x00" in value for key, (_, values) in attributes.items() if key not in _PHOTOS
                               for value in values):
            report.fail(position, NUL_REFUSED)  # as a vCard's: PostgreSQL cannot store it, no engine does
            continue
        change = _first(attributes, "changetype").lower()
        if change and change != "add":
            report.fail(position, f"an LDIF change record (changetype: {change}), not an address book entry")
            continue
        classes = {value.lower() for value in attributes.get("objectclass", ("", []))[1]}
        member_attribute = next((_LISTS[kind] for kind in classes if kind in _LISTS), None)
        if member_attribute is not None:
            name = _first(attributes, "cn") or _cn_of(dn)
            details = {"shortname": _first(attributes, "mozillanickname") or _first(attributes, "xmozillanickname"),
                       "comment": _first(attributes, "description")}
            lists.append((position, name, attributes.get(member_attribute, ("", []))[1], details))
            continue
        try:
            card = card_from_thunderbird(_row(attributes), resolver)
        except RecordError as exc:
            report.fail(position, str(exc))
            continue
        photo = _photo(attributes)
        if photo:
            card["photo"] = photo
        card["id"] = _content_id(dn, attributes)
        if not card["emails"]:
            nameless[_normalised(dn)] = card["id"]
        writer.add(card, position)
    writer.flush()
    if lists:
        found = _stored_members([dn for _, _, members, _ in lists for dn in members], nameless)
        groups = [GroupCard(position, name, "", [f"urn:uuid:{found[dn]}" if dn in found else dn for dn in members],
                            details) for position, name, members, details in lists]
        report.groups += store_group_cards(groups, report)
    return count


_BINARY_KEPT = "base64:"  # how a binary value no column takes is kept (as text, in extra.csv)


def _decoded(entry: dict, encoding: str) -> dict[str, tuple[str, list]]:
    """{attribute, lowercased: (its name as first written, its values)}: text (UTF-8, else the file's
    encoding), but a photo's bytes."""
    out: dict[str, tuple[str, list]] = {}
    for name, values in entry.items():
        key = name.lower()
        kept = out.setdefault(key, (name, []))[1]
        for value in values:
            if key in _PHOTOS:
                kept.append(value)
                continue
            try:
                kept.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                if b"\x00" in value:  # binary (LDAP's `photo`, a certificate): kept as its base64
                    kept.append(_BINARY_KEPT + base64.b64encode(value).decode("ascii"))
                else:
                    kept.append(value.decode(encoding, "contacts-latin1"))
    return out


def _row(attributes: dict[str, tuple[str, list]]) -> TrackedRow:
    """The Thunderbird CSV row of a card entry; values no column takes kept under their attribute's name
    (a second value as `<attribute> 2`, and so on)."""
    row: dict[str, str] = {}
    for key, (name, values) in attributes.items():
        if key in _NOT_KEPT or key in _PHOTOS or key == "changetype":
            continue
        column = _COLUMNS.get(key)
        rest = list(values)
        number = 1
        if column is not None and column not in row and rest:
            value = rest.pop(0)
            if key == "labeleduri":  # RFC 2079: the URI, a space, a label (Thunderbird keeps the URI)
                value, _, label = value.strip().partition(" ")
                if label.strip():
                    row[f"{name} label"] = label.strip()
            row[column] = value
            number = 2
        for value in rest:
            row[name if number == 1 else f"{name} {number}"] = value
            number += 1
    return TrackedRow(row)


def _photo(attributes: dict[str, tuple[str, list]]) -> str:
    """The entry's first photo (`jpegPhoto`; its bytes say JPEG, PNG or GIF) as a data: URI, "" when none."""
    for key in _PHOTOS:
        for value in attributes.get(key, ("", []))[1]:
            if value:
                media = next((media for magic, media in _IMAGE_TYPES if value.startswith(magic)), "image/jpeg")
                return f"data:{media};base64," + base64.b64encode(value).decode("ascii")
    return ""


def _first(attributes: dict[str, tuple[str, list]], key: str) -> str:
    values = attributes.get(key, ("", []))[1] or [""]
    return values[0].strip()


def _normalised(dn: str) -> str:
    """A DN as members name it: Thunderbird writes both the same way, so case and spaces aside."""
    return ",".join(part.strip() for part in dn.lower().split(","))


def _cn_of(dn: str) -> str:
    """The name a DN gives: its `cn=` up to `,mail=` (Thunderbird leaves a name's commas unescaped)."""
    lowered = dn.lower()
    end = lowered.index(",mail=") if ",mail=" in lowered else len(dn)
    name = dn[:end].strip()
    return name[3:].strip() if name.lower().startswith("cn=") else name


def _stored_members(dns: list[str], nameless: dict[str, str]) -> dict[str, str]:
    """{member DN: card id} for the DNs a stored card answers to.

    By the e-mail after the DN's `mail=`, as Thunderbird's importer finds a list's members
    (nsAbLDIFService: CardForEmailAddress, any of a card's addresses, case aside); of several
    cards with it, the one the DN's `cn` names, else the first stored. A DN without an e-mail
    names the file's card written with that DN (`nameless`).
    """
    emails = {dn: _mail_of(dn) for dn in dns}
    cards: dict[str, list[tuple[int, str, str]]] = {}  # e-mail -> (autokey, id, display name)
    for chunk in chunks(sorted({email for email in emails.values() if email})):
        rows = (ContactEmail.select(ContactEmail.value_norm, Contact.autokey, Contact.id, Contact.display_name)
                .join(Contact).where(ContactEmail.value_norm.in_(chunk)).tuples())
        for email, autokey, card_id, name in rows:
            cards.setdefault(email, []).append((autokey, card_id, name))
    found = {}
    for dn, email in emails.items():
        candidates = sorted(cards.get(email, []))
        if candidates:
            name = _cn_of(dn)
            found[dn] = next((card_id for _, card_id, shown in candidates if shown == name), candidates[0][1])
        elif _normalised(dn) in nameless:
            found[dn] = nameless[_normalised(dn)]
    return found


def _mail_of(dn: str) -> str:
    """The e-mail a DN's `mail=` names, lowercased ("" when it names none)."""
    lowered = dn.lower()
    return lowered[lowered.index("mail=") + 5:].split(",", 1)[0].strip() if "mail=" in lowered else ""


def _short(dn: str) -> str:
    return dn if len(dn) <= 60 else dn[:57] + "..."


def _content_id(dn: str, attributes: dict[str, tuple[str, list]]) -> str:
    """A card id from an entry (LDIF has no UID): the same entry imported again is the same card."""
    text = dn + "\x1e" + "\x1e".join(f"{key}\x1f{value!r}" for key in sorted(attributes)
                                      if key != "modifytimestamp" for value in attributes[key][1])
    return str(uuid.uuid5(UID_NAMESPACE, "ldif:" + hashlib.sha1(text.encode()).hexdigest()))


# ---------------------------------------------------------------- export

_PERSON = ["top", "person", "organizationalPerson", "inetOrgPerson", "mozillaAbPersonAlpha"]
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_KEPT_MORE = re.compile(r"([A-Za-z][A-Za-z0-9-]*) [2-9][0-9]*")  # `mail 2`: an attribute's further value


def write_entries(cards: Iterable[dict], out: IO[bytes], lost: dict[str, int] | None = None) -> int:
    """Write cards as Thunderbird's LDIF export writes them, then every group with members as a
    mailing list (`groupOfNames`); returns how many cards. What LDIF has no place for is counted in `lost`."""
    lost = lost if lost is not None else {}
    # Thunderbird's export writes no folded lines; its importer and RFC 2849 read either.
    writer = LDIFWriter(out, cols=1 << 30)
    written = 0
    for card in cards:
        entry = _entry(card, lost)
        writer.unparse(_dn(card.get("display_name") or "", card.get("primary_email") or ""), entry)
        written += 1
    for group, members in _lists():
        entry = {"objectclass": ["top", "groupOfNames"], "cn": [group["name"]]}
        for attribute, column in (("mozillaNickname", "shortname"), ("description", "comment")):
            if group.get(column):
                entry[attribute] = [group[column]]
        writer.unparse(_dn(group["name"], ""), {**entry, "member": [_dn(*member) for member in members]})
    return written


def _dn(name: str, email: str) -> str:
    """A card's DN as Thunderbird writes it (`cn=<display name>,mail=<primary email>`); lists name members so."""
    parts = ([f"cn={name}"] if name else []) + ([f"mail={email}"] if email else [])
    return ",".join(parts)


def _lists() -> Iterator[tuple[dict, list[tuple[str, str]]]]:
    """(group, its members' (display name, primary email)) of every group."""
    groups = list(iter_groups())
    members = member_autokeys([group["autokey"] for group in groups])
    for group in groups:
        keys = members.get(group["autokey"], [])
        found: dict[int, tuple[str, str]] = {}
        for chunk in chunks(keys):
            found.update((autokey, (name, email)) for autokey, name, email in Contact.select(
                Contact.autokey, Contact.display_name, Contact.primary_email).where(Contact.autokey.in_(chunk)).tuples())
        yield group, [found[key] for key in keys if key in found]


def _entry(card: dict, lost: dict[str, int]) -> dict[str, list[str | bytes]]:
    """One card as Thunderbird's LDIF entry (objectclass, then its attributes in Thunderbird's order)."""
    row = _columns(card, lost)
    entry: dict[str, list[str | bytes]] = {"objectclass": list(_PERSON)}
    for column, attribute in _EXPORT:
        if row.get(column):
            entry[attribute] = [row.pop(column)]
    for name, value in row.items():  # attributes the card was imported with (`mozillaUseHtmlMail`, `mail 2`)
        more = _KEPT_MORE.fullmatch(name)
        attribute = more.group(1) if more else name
        entry.setdefault(_canonical_attribute(attribute, entry), []).append(_binary_again(value))
    return entry


def _binary_again(value: str | bytes) -> str | bytes:
    """A binary value an import kept as `base64:<its base64>` (it held a NUL: `_decoded`) as its bytes
    again (written `attribute:: <base64>`); any other value as it is."""
    if isinstance(value, str) and value.startswith(_BINARY_KEPT):
        try:
            raw = base64.b64decode(value[len(_BINARY_KEPT):], validate=True)
        except binascii.Error:
            return value
        if b"\x00" in raw:
            return raw
    return value


def _canonical_attribute(name: str, entry: dict) -> str:
    """An attribute name as the entry has it already (`mail` for a kept `mail 2`), else as kept."""
    return next((key for key in entry if key.lower() == name.lower()), name)


def _columns(card: dict, lost: dict[str, int]) -> dict[str, str | bytes]:
    """The Thunderbird columns (and kept attribute-like names, and a JPEG photo) of a card; the rest
    counted in `lost`."""
    row: dict[str, str | bytes] = {
        "First Name": card.get("given_name") or "", "Last Name": card.get("family_name") or "",
        "Display Name": card.get("display_name") or "", "Nickname": get_extra(card, "nickname"),
        "Job Title": card.get("job_title") or "", "Department": card.get("department") or "",
        "Organization": get_extra(card, "org"), "Notes": card.get("notes") or "",
    }
    updated = card.get("updated")
    if isinstance(updated, datetime.datetime):
        row["Last Modified"] = str(int(updated.replace(tzinfo=updated.tzinfo or datetime.UTC).timestamp()))
    # The primary e-mail first, wherever it is among the rows: Thunderbird's PrimaryEmail is the most
    # preferred (VCardUtils._parse), and the DN names it.
    for column, email in zip(("Primary Email", "Secondary Email"), primary_first(card.get("emails") or [])):
        row[column] = email["value"]
    _phones(card, row, lost)
    _addresses(card, row, lost)
    _urls(card, row, lost)
    _birthday(card, row, lost)
    for part in ("prefix", "middle_name", "suffix"):
        if card.get(part):
            count(lost, f"name part {part}")
    for field in ("title", "language"):
        if card.get(field):
            count(lost, field)
    photo = re.fullmatch(r"data:image/jpeg;base64,(.+)", card.get("photo") or "", re.DOTALL)
    if photo:
        row["jpegPhoto"] = base64.b64decode(photo.group(1))  # bytes: written as base64
    elif card.get("photo"):
        count(lost, "photo that is no JPEG")
    if len(card.get("emails") or []) > 2:
        count(lost, "emails beyond Thunderbird's two", len(card["emails"]) - 2)
    _kept(card, row, lost)
    return {column: value for column, value in row.items() if value}


def _phones(card: dict, row: dict, lost: dict[str, int]) -> None:
    """Thunderbird's one work, home, mobile, fax and pager number; a phone of another type is a work
    phone, as Thunderbird reads a TEL of no type it knows (VCardUtils._parse: `tel.work`)."""
    for phone in card.get("phones") or []:
        label = (phone.get("label") or "").lower()
        column = "Pager Number" if label == "pager" else "Fax Number" if label in ("home fax", "work fax") else {
            "home": "Home Phone", "mobile": "Mobile Number", "fax": "Fax Number",
        }.get(phone.get("type") or "", "Work Phone")
        if column and not row.get(column):
            row[column] = phone["value"]
        else:
            count(lost, "phones beyond Thunderbird's columns")


def _addresses(card: dict, row: dict, lost: dict[str, int]) -> None:
    for address in card.get("addresses") or []:
        order = ("Home", "Work") if address.get("type") == "home" else ("Work", "Home")
        prefix = next((p for p in order if not row.get(f"{p} Address") and not row.get(f"{p} City")), None)
        if prefix is None:
            count(lost, "addresses beyond Thunderbird's home and work")
            continue
        row.update({f"{prefix} Address": address.get("line1") or "", f"{prefix} Address 2": address.get("line2") or "",
                    f"{prefix} City": address.get("city") or "", f"{prefix} State": address.get("region") or "",
                    f"{prefix} ZipCode": address.get("postal_code") or "",
                    f"{prefix} Country": address.get("country") or ""})


def _urls(card: dict, row: dict, lost: dict[str, int]) -> None:
    for url in card.get("urls") or []:
        order = ("Web Page 2", "Web Page 1") if url.get("type") == "home" else ("Web Page 1", "Web Page 2")
        column = next((c for c in order if not row.get(c)), None)
        if column is None:
            count(lost, "urls beyond Thunderbird's two")
        else:
            row[column] = url["value"]


def _birthday(card: dict, row: dict, lost: dict[str, int]) -> None:
    bday = get_extra(card, "bday")
    found = re.fullmatch(r"(\d{4}|-)-?(\d{2})-?(\d{2})", bday or "")
    if found:
        year, month, day = found.groups()
        row.update({"Birth Year": "" if year == "-" else year, "Birth Month": str(int(month)),
                    "Birth Day": str(int(day))})
    elif bday:
        count(lost, "birthday that is no date")


def _kept(card: dict, row: dict, lost: dict[str, int]) -> None:
    """Kept columns: Thunderbird's own (Custom 1, Screen Name) and attribute names go out; the rest is counted."""
    kept = kept_data(card)
    for header, value in kept.columns.items():
        if header in THUNDERBIRD_HEADER and not row.get(header) or _ATTRIBUTE_NAME.fullmatch(header) or _KEPT_MORE.fullmatch(header):
            row[header] = value
        else:
            count(lost, f"CSV column {header!r}")
    aim = next((im["value"] for im in kept.ims if (im.get("service") or "").lower() == "aim"), "")
    if aim and not row.get("Screen Name"):
        row["Screen Name"] = aim
        count(lost, "instant messaging", len(kept.ims) - 1)
    elif kept.ims:
        count(lost, "instant messaging", len(kept.ims))
    for kind, items in (("event", kept.events), ("relation", kept.relations)):
        for item in items:
            count(lost, f"{kind} {item['label']!r}")
    for item in kept.props:
        count(lost, f"vCard {item['name']}")
    for name in kept.left + kept.labels:
        count(lost, f"vCard {name}")
