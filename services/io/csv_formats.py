"""CSV with Google Contacts' and Outlook's column headers, both directions.

Google: numbered column groups (`E-mail 1 - Label`, `E-mail 1 - Value`, ...); a cell
may hold several values joined by ` ::: `; a label starting with `* ` marks the
primary; `Labels` (older exports: `Group Membership`) lists groups, `* myContacts`
and other `* ` system groups are not groups of ours. Both the current headers
(`First Name`, `Organization Name`, `... - Label`) and the older ones (`Given Name`,
`Organization 1 - Name`, `... - Type`) are read; the current ones are written.

Outlook: fixed columns per kind (`E-mail Address`, `E-mail 2 Address`, `Business
Phone`, `Mobile Phone`, `Home Street`, ...); `Title` is the name prefix; `Categories`
are `;`-separated. A card with more rows than Outlook has columns loses the rest on
export (Outlook's format has nowhere to put them).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO

from peewee import SQL, fn

from models import Contact, ContactAddress, ContactEmail, ContactPhone, ContactUrl

from ..names import join_name_parts
from .canonical import GroupResolver, get_extra, name_card, phone_type, place_type, primary_first, set_extra
from .csv_locales import english_header, english_thunderbird_header
from .kept import OUTLOOK_EVENTS, OUTLOOK_RELATIONS, kept_data
from .report import RecordError

MULTI = " ::: "

# ---------------------------------------------------------------- detection


def flavour(headers: list[str]) -> str:
    """'google', 'outlook' or 'thunderbird' from a header row; RecordError when it is none."""
    names = {h.strip() for h in headers}
    if names & {"Primary Email", "Secondary Email", "Fax Number", "Mobile Number", "Home ZipCode"}:
        return "thunderbird"
    if any(re.match(r"(E-mail|Phone) \d+ - (Value|Label|Type)$", h) for h in names) or \
            names & {"Given Name", "Family Name", "Name Prefix", "Labels", "Group Membership"}:
        return "google"
    if names & {"E-mail Address", "Business Phone", "Mobile Phone", "Home Phone", "Company",
                "Business Street", "Job Title"}:
        return "outlook"
    if names & {"First Name", "Last Name"}:
        return "outlook"
    raise RecordError("CSV header is not Google Contacts', Outlook's or Thunderbird's "
                      "(expected e.g. 'First Name', 'E-mail 1 - Value', 'E-mail Address' or 'Primary Email')")


# A cell that is an e-mail address or a phone number: no export's header has one.
_DATA_CELL = re.compile(r"[^@\s]+@[^@\s]+\.\w+|\+?\d[\d ()./-]{5,}")
_NO_HEADER = ("the CSV has no header row: its first row is data ({cell!r}); add a header row naming the "
              "columns, or name them with `contacts import --columns` or the web UI's Columns field "
              "(e.g. 'Display Name,First Name,Last Name,Primary Email')")


def read_header(header: list[str]) -> tuple[str, list[str]]:
    """(flavour, the header in English names) for a header row in any language an export writes;
    RecordError when no export has it (saying so when the row is data, not a header)."""
    try:
        kind = flavour(header)
    except RecordError:
        localised = english_header(header)  # Outlook in German or French, Thunderbird in any language
        if localised is not None:
            return localised
        data = next((cell for cell in header if _DATA_CELL.fullmatch(cell.strip())), None)
        if data is not None:
            raise RecordError(_NO_HEADER.format(cell=data.strip())) from None
        raise
    return kind, (english_thunderbird_header(header) if kind == "thunderbird" else header)


_OLDER_GOOGLE_COLUMNS = frozenset({"Given Name", "Additional Name", "Family Name", "Name", "File As",
                                   "Group Membership"})
_GOOGLE_NUMBERED = re.compile(r"(E-mail|Phone|Address|Website|IM|Event|Relation|Custom Field|Organization) \d+ - "
                              r"(Label|Type|Value|Formatted|Street|City|PO Box|Region|Postal Code|Country|"
                              r"Extended Address|Service|Name|Title|Department)")
_FLAVOUR_NAMES = {"google": "Google Contacts'", "outlook": "Outlook's", "thunderbird": "Thunderbird's"}


def named_columns(text: str) -> list[str]:
    """The header a CSV without one is read with (`--columns`): comma-separated column names of one
    export (in any language it writes), an empty name for a column left out; RecordError names a
    name no export of that kind has."""
    try:
        [names] = list(csv.reader([text], skipinitialspace=True))
    except (csv.Error, ValueError):
        raise RecordError(f"--columns {text!r} is not one line of comma-separated column names") from None
    names = [name.strip() for name in names]
    if not any(names):
        raise RecordError("--columns names no column")
    try:
        kind, english = read_header(names)
    except RecordError:
        raise RecordError(f"--columns {text!r}: these are not the columns of a Google Contacts, Outlook or "
                          "Thunderbird CSV (expected e.g. 'First Name', 'E-mail 1 - Value', 'E-mail Address' "
                          "or 'Primary Email')") from None
    known = {"thunderbird": THUNDERBIRD_HEADER, "outlook": OUTLOOK_FULL_HEADER,
             "google": google_header({"emails": 1, "phones": 1, "addresses": 0, "urls": 0})}[kind]
    for name, english_name in zip(names, english):
        if english_name and english_name not in known and english_name not in _OLDER_GOOGLE_COLUMNS \
                and not _GOOGLE_NUMBERED.fullmatch(english_name):
            raise RecordError(f"--columns: {name!r} is not a column of {_FLAVOUR_NAMES[kind]} CSV "
                              f"(its columns are e.g. {', '.join(repr(c) for c in known[:5])}, ...)")
    return names


# ---------------------------------------------------------------- shared

class TrackedRow(dict):
    """A row by header that remembers which columns a parser read (the rest is kept in extra)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        return super().__contains__(key)

    def leftovers(self) -> dict[str, str]:
        """Columns with a value that no parser read, by header (kept in the card's extra)."""
        return {k: v for k, v in self.items() if k and k not in self.read and (v or "").strip()}


def parse_date(text: str, *, month_first: bool = False) -> str | None:
    """An ISO date (or --MM-DD) from the date texts exports write, None when it is not one.

    `1991-01-20`, `19910120`, `--01-20`; `20/01/1991` or `1/20/1991` by which part can be a
    month (`month_first` decides `01/02/1991`: Outlook writes US dates); `20.01.1991`.
    """
    import datetime
    import re

    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?", text)
    if match:
        year, month, day = map(int, match.groups())
    elif re.fullmatch(r"--\d{2}-?\d{2}", text):
        month, day = int(text[2:4]), int(text[-2:])
        try:
            datetime.date(2000, month, day)
        except ValueError:
            return None
        return f"--{month:02d}-{day:02d}"
    else:
        match = re.fullmatch(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})", text)
        if not match:
            return None
        first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
        year = int(year) if len(year) == 4 else (1900 + int(year) if int(year) > 30 else 2000 + int(year))
        if separator == "." or first > 12:
            day, month = first, second
        elif second > 12:
            month, day = first, second
        else:
            month, day = (first, second) if month_first else (second, first)
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def csv_date(text: str) -> str:
    """A stored date as CSV exports write it: `1990-01-02` or, without a year, `--01-02` (a vCard 4.0
    `19900102` or `--0102` in the extended form spreadsheets and Google read); anything else as it is."""
    found = re.fullmatch(r"(\d{4}|-)-?(\d{2})-?(\d{2})", text or "")
    return f"{found.group(1)}-{found.group(2)}-{found.group(3)}" if found else text


def set_birthday(card: dict, text: str, column: str, *, month_first: bool = False) -> None:
    """BDAY from a CSV date: parsed to ISO, else kept as text under extra['csv'] (never a bad BDAY)."""
    text = (text or "").strip()
    if not text or text in ("0/0/00", "1/0/00", "0000-00-00", "0.0.00", "0.0.0000"):  # Outlook's "no date"
        return
    parsed = parse_date(text, month_first=month_first)
    if parsed is not None:
        set_extra(card, "bday", parsed)
    else:
        card.setdefault("extra", {}).setdefault("csv", {})[column] = text
        card.setdefault("_warnings", []).append(f"{column} {text!r} is not a date: kept as text, not as the birthday")


def keep_leftovers(card: dict, row: dict) -> None:
    """Columns no canonical field took, kept as they are in extra['csv'] (export writes them back)."""
    leftovers = row.leftovers() if isinstance(row, TrackedRow) else {}
    if leftovers:
        card.setdefault("extra", {}).setdefault("csv", {}).update(leftovers)


# ---------------------------------------------------------------- Google

_GOOGLE_PHONE_LABELS = {"office": "Work", "mobile": "Mobile", "fax": "Work Fax", "home": "Home",
                        "other": "Other", "local": "Local", "public": "Public"}
_PLACE_LABELS = {"home": "Home", "work": "Work", "other": "Other", "": ""}


def _split_multi(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(":::")]


def _label(cell: str) -> tuple[str, bool]:
    """(label, primary) from a Google label cell ('* Work' is the primary work row)."""
    cell = (cell or "").strip()
    if cell.startswith("*"):
        return cell.lstrip("* ").strip(), True
    return cell, False


def _google_groups(row: dict) -> list[str]:
    cell = row.get("Labels") or row.get("Group Membership") or ""
    return [g for g in _split_multi(cell) if g and not g.startswith("*")]


def _numbered(row: dict, prefix: str) -> Iterator[tuple[int, str]]:
    """Column-group numbers present for a prefix, e.g. 'E-mail' -> 1, 2, ..."""
    number = 1
    while f"{prefix} {number} - Value" in row or f"{prefix} {number} - Street" in row \
            or f"{prefix} {number} - Formatted" in row:
        yield number, f"{prefix} {number} - "
        number += 1


def card_from_google(row: dict, resolver: GroupResolver | None) -> dict:
    """A canonical card from one Google Contacts CSV row."""
    get = lambda *names: next(((row.get(n) or "").strip() for n in names if (row.get(n) or "").strip()), "")
    card: dict = {
        "given_name": get("First Name", "Given Name"),
        "middle_name": get("Middle Name", "Additional Name"),
        "family_name": get("Last Name", "Family Name"),
        "prefix": get("Name Prefix"),
        "suffix": get("Name Suffix"),
        "notes": (row.get("Notes") or "").strip(),
        "job_title": get("Organization Title", "Organization 1 - Title"),
        "department": get("Organization Department", "Organization 1 - Department"),
        "photo": get("Photo"),
        "emails": [], "phones": [], "addresses": [], "urls": [],
    }
    display = get("Name", "File As")
    if display:  # else the name parts alone: services.names joins them into the display name
        card["display_name"] = display
    org = get("Organization Name", "Organization 1 - Name")
    set_extra(card, "org", org)
    set_extra(card, "nickname", get("Nickname"))
    set_birthday(card, get("Birthday"), "Birthday")
    for _, head in _numbered(row, "Custom Field"):
        label, value = (row.get(head + "Label") or "").strip(), (row.get(head + "Value") or "").strip()
        if value:
            card.setdefault("extra", {}).setdefault("csv", {})[label or head.strip(" -")] = value
    for _, head in _numbered(row, "E-mail"):
        label, primary = _label(row.get(head + "Label") or row.get(head + "Type"))
        for value in _split_multi(row.get(head + "Value")):
            if value:
                card["emails"].append({"value": value, "type": place_type([label]),
                                       "label": _custom(label), "is_primary": primary})
    for _, head in _numbered(row, "Phone"):
        label, primary = _label(row.get(head + "Label") or row.get(head + "Type"))
        for value in _split_multi(row.get(head + "Value")):
            if value:
                card["phones"].append({"value": value, "type": phone_type([label]),
                                       "label": _custom(label, phone=True), "is_primary": primary})
    for _, head in _numbered(row, "Address"):
        label, primary = _label(row.get(head + "Label") or row.get(head + "Type"))
        address = {
            "type": place_type([label]), "label": _custom(label), "is_primary": primary,
            "line1": (row.get(head + "Street") or "").strip(),
            "line2": ", ".join(p for p in ((row.get(head + "Extended Address") or "").strip(),
                                           _po_box(row.get(head + "PO Box"))) if p),
            "city": (row.get(head + "City") or "").strip(),
            "region": (row.get(head + "Region") or "").strip(),
            "postal_code": (row.get(head + "Postal Code") or "").strip(),
            "country": (row.get(head + "Country") or "").strip(),
        }
        if not any(address[k] for k in ("line1", "line2", "city", "region", "postal_code", "country")):
            formatted = (row.get(head + "Formatted") or "").strip()
            if not formatted:
                continue
            address["line1"] = formatted.replace("\n", ", ")
        card["addresses"].append(address)
    for _, head in _numbered(row, "Website"):
        label, primary = _label(row.get(head + "Label") or row.get(head + "Type"))
        for value in _split_multi(row.get(head + "Value")):
            if value:
                card["urls"].append({"value": value, "type": place_type([label]),
                                     "label": _custom(label), "is_primary": primary})
    name_card(card, org=org, nickname=get_extra(card, "nickname"))
    for name in ("Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "Labels",
                 "Group Membership"):
        row.get(name)
    keep_leftovers(card, row)
    groups = _google_groups(row)
    if groups and resolver is not None:
        card["groups"] = resolver.keys(groups)
    return card


def _po_box(cell: str | None) -> str:
    cell = (cell or "").strip()
    return f"PO Box {cell}" if cell else ""


# Phone labels the canonical type cannot say (it says "fax" or "other"): kept as the row's label.
PHONE_LABELS_KEPT = {"work fax": "Work Fax", "home fax": "Home Fax", "pager": "Pager", "other fax": "Other Fax"}


def _custom(label: str, phone: bool = False) -> str:
    """A label kept only when it is not one of the standard ones the type already says."""
    if phone and label.strip().lower() in PHONE_LABELS_KEPT:
        return PHONE_LABELS_KEPT[label.strip().lower()]
    standard = {"home", "work", "other", "mobile", "fax", "main", "local", "public", "cell"} if phone \
        else {"home", "work", "other"}
    return "" if label.strip().lower() in standard else label.strip()


def google_header(counts: dict[str, int]) -> list[str]:
    """The header row of a Google Contacts CSV with `counts` column groups per kind."""
    header = ["First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
              "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
              "Organization Name", "Organization Title", "Organization Department", "Birthday",
              "Notes", "Photo", "Labels"]
    for n in range(1, counts["emails"] + 1):
        header += [f"E-mail {n} - Label", f"E-mail {n} - Value"]
    for n in range(1, counts["phones"] + 1):
        header += [f"Phone {n} - Label", f"Phone {n} - Value"]
    for n in range(1, counts["addresses"] + 1):
        header += [f"Address {n} - {part}" for part in ("Label", "Formatted", "Street", "City", "PO Box",
                                                         "Region", "Postal Code", "Country",
                                                         "Extended Address")]
    for n in range(1, counts["urls"] + 1):
        header += [f"Website {n} - Label", f"Website {n} - Value"]
    for n in range(1, counts.get("ims", 0) + 1):
        header += [f"IM {n} - Label", f"IM {n} - Service", f"IM {n} - Value"]
    for n in range(1, counts.get("events", 0) + 1):
        header += [f"Event {n} - Label", f"Event {n} - Value"]
    for n in range(1, counts.get("relations", 0) + 1):
        header += [f"Relation {n} - Label", f"Relation {n} - Value"]
    for n in range(1, counts.get("custom", 0) + 1):
        header += [f"Custom Field {n} - Label", f"Custom Field {n} - Value"]
    return header


# Google's fixed columns (an extra.csv column of the same name fills an empty one).
GOOGLE_COLUMNS = frozenset(google_header({"emails": 0, "phones": 0, "addresses": 0, "urls": 0}))


def google_row(card: dict, lost: dict[str, int] | None = None) -> dict:
    """One card as a Google Contacts CSV row (dict by header); counts what it leaves out in `lost`."""
    row = {
        "First Name": card.get("given_name") or "", "Middle Name": card.get("middle_name") or "",
        "Last Name": card.get("family_name") or "", "Name Prefix": card.get("prefix") or "",
        "Name Suffix": card.get("suffix") or "", "Nickname": get_extra(card, "nickname"),
        "File As": card.get("display_name") or "",
        "Organization Name": get_extra(card, "org"), "Organization Title": card.get("job_title") or "",
        "Organization Department": card.get("department") or "", "Birthday": csv_date(get_extra(card, "bday")),
        "Notes": card.get("notes") or "", "Photo": card.get("photo") or "",
        "Labels": MULTI.join(["* myContacts"] + [g["name"] for g in card.get("groups", [])]),
    }
    for n, email in enumerate(card.get("emails", []), start=1):
        row[f"E-mail {n} - Label"] = _out_label(email.get("label") or _PLACE_LABELS.get(email.get("type"), ""),
                                                email.get("is_primary"))
        row[f"E-mail {n} - Value"] = email["value"]
    for n, phone in enumerate(card.get("phones", []), start=1):
        label = phone.get("label") or _GOOGLE_PHONE_LABELS.get(phone.get("type"), "Other")
        row[f"Phone {n} - Label"] = _out_label(label, phone.get("is_primary"))
        row[f"Phone {n} - Value"] = phone["value"]
    for n, address in enumerate(card.get("addresses", []), start=1):
        head = f"Address {n} - "
        row[head + "Label"] = _out_label(address.get("label") or _PLACE_LABELS.get(address.get("type"), ""),
                                         address.get("is_primary"))
        row[head + "Street"] = address.get("line1") or ""
        row[head + "Extended Address"] = address.get("line2") or ""
        row[head + "City"] = address.get("city") or ""
        row[head + "Region"] = address.get("region") or ""
        row[head + "Postal Code"] = address.get("postal_code") or ""
        row[head + "Country"] = address.get("country") or ""
        row[head + "Formatted"] = "\n".join(p for p in (
            address.get("line1"), address.get("line2"),
            " ".join(p for p in (address.get("city"), address.get("region"), address.get("postal_code")) if p),
            address.get("country")) if p)
    for n, url in enumerate(card.get("urls", []), start=1):
        row[f"Website {n} - Label"] = _out_label(url.get("label") or _PLACE_LABELS.get(url.get("type"), ""),
                                                 url.get("is_primary") and len(card["urls"]) > 1)
        row[f"Website {n} - Value"] = url["value"]
    _google_kept(card, row, lost if lost is not None else {})
    return row


def _google_kept(card: dict, row: dict, lost: dict[str, int]) -> None:
    """What the card keeps beyond the columns: IM, Event, Relation and Custom Field columns."""
    kept = kept_data(card)
    custom = []
    for header, value in kept.columns.items():
        if header in GOOGLE_COLUMNS and not row.get(header):
            row[header] = value  # e.g. a Birthday that was no date, kept as text
        else:
            custom.append({"label": header, "value": value})
    custom += kept.props
    for n, im in enumerate(kept.ims, start=1):
        row.update({f"IM {n} - Label": im["label"], f"IM {n} - Service": im["service"], f"IM {n} - Value": im["value"]})
    for kind, rows in (("Event", kept.events), ("Relation", kept.relations), ("Custom Field", custom)):
        for n, item in enumerate(rows, start=1):
            value = csv_date(item["value"]) if kind == "Event" else item["value"]
            row.update({f"{kind} {n} - Label": item["label"], f"{kind} {n} - Value": value})
    for name in kept.left:
        count(lost, f"vCard {name}")
    for field in ("title", "language"):
        if card.get(field):
            count(lost, field)


def count(lost: dict[str, int], what: str, n: int = 1) -> None:
    """Count one thing an export leaves out (said on stderr at the end)."""
    lost[what] = lost.get(what, 0) + n


def _out_label(label: str, primary: bool) -> str:
    return f"* {label}" if primary else label


# ---------------------------------------------------------------- Outlook

OUTLOOK_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Nickname", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home City",
    "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
    "Other City", "Other State", "Other Postal Code", "Other Country/Region", "Business Fax",
    "Business Phone", "Business Phone 2", "Home Fax", "Home Phone", "Home Phone 2", "Mobile Phone",
    "Other Fax", "Other Phone", "Primary Phone", "Birthday", "Categories", "E-mail Address",
    "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Display Name", "E-mail 3 Address",
    "E-mail 3 Display Name", "Notes", "Web Page",
]
# Every column of Outlook's own CSV export, in its order; those beyond OUTLOOK_HEADER are
# written when a card kept a value for them (extra.csv, or an anniversary/spouse of a vCard).
OUTLOOK_FULL_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3",
    "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
    "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
    "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
    "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children",
    "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address",
    "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
    "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location",
    "Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By",
    "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page",
]
_OUTLOOK_RELATION_COLUMNS = {label: column for column, label in OUTLOOK_RELATIONS.items()}
_OUTLOOK_EVENT_COLUMNS = {label: column for column, label in OUTLOOK_EVENTS.items()}


def outlook_header(extra_columns: set[str]) -> list[str]:
    """OUTLOOK_HEADER, then the further Outlook columns some card has a value for (Outlook's order)."""
    return OUTLOOK_HEADER + [c for c in OUTLOOK_FULL_HEADER if c in extra_columns and c not in OUTLOOK_HEADER]


# Outlook phone columns -> canonical type, in the order rows are read back.
_OUTLOOK_PHONES = (
    ("Business Phone", "office"), ("Business Phone 2", "office"), ("Company Main Phone", "office"),
    ("Mobile Phone", "mobile"), ("Car Phone", "mobile"), ("Home Phone", "home"), ("Home Phone 2", "home"),
    ("Business Fax", "fax"), ("Home Fax", "fax"), ("Other Fax", "fax"), ("Other Phone", "other"),
    ("Pager", "other"), ("Callback", "other"), ("Radio Phone", "other"), ("Assistant's Phone", "other"),
    ("ISDN", "other"), ("Telex", "other"), ("TTY/TDD Phone", "other"),
)
_OUTLOOK_PLACES = (("Business", "work"), ("Home", "home"), ("Other", "other"))


def card_from_outlook(row: dict, resolver: GroupResolver | None) -> dict:
    """A canonical card from one Outlook CSV row."""
    get = lambda name: (row.get(name) or "").strip()
    card: dict = {
        "prefix": get("Title"), "given_name": get("First Name"), "middle_name": get("Middle Name"),
        "family_name": get("Last Name"), "suffix": get("Suffix"), "department": get("Department"),
        "job_title": get("Job Title"), "notes": (row.get("Notes") or "").strip(),
        "emails": [], "phones": [], "addresses": [], "urls": [],
    }
    org = get("Company")
    if get("Display Name"):
        card["display_name"] = get("Display Name")
    set_extra(card, "org", org)
    set_extra(card, "nickname", get("Nickname"))
    set_birthday(card, get("Birthday"), "Birthday", month_first=True)
    for column in ("E-mail", "E-mail 2", "E-mail 3"):
        address = get(f"{column} Address")
        get(f"{column} Display Name")  # Outlook's "Name (address)": derived, not kept
        if address and get(f"{column} Type").upper() not in ("", "SMTP"):
            card.setdefault("extra", {}).setdefault("csv", {})[f"{column} Type"] = get(f"{column} Type")
        if address:
            card["emails"].append({"value": address, "type": ""})
    primary = get("Primary Phone")
    for column, kind in _OUTLOOK_PHONES:
        if get(column):
            card["phones"].append({"value": get(column), "type": kind, "is_primary": get(column) == primary})
    if primary and not any(p["value"] == primary for p in card["phones"]):
        card["phones"].insert(0, {"value": primary, "type": "office", "is_primary": True})
    for prefix, kind in _OUTLOOK_PLACES:
        street = get(f"{prefix} Street")
        address = {"type": kind, "line1": street,
                   "line2": ", ".join(p for p in (get(f"{prefix} Street 2"), get(f"{prefix} Street 3")) if p),
                   "city": get(f"{prefix} City"), "region": get(f"{prefix} State"),
                   "postal_code": get(f"{prefix} Postal Code"), "country": get(f"{prefix} Country/Region")}
        if any(address[k] for k in ("line1", "line2", "city", "region", "postal_code", "country")):
            card["addresses"].append(address)
    for column, kind in (("Web Page", "work"), ("Business Web Page", "work"), ("Personal Web Page", "home"),
                         ("Home Web Page", "home"), ("Web Page 2", "other")):
        for value in re.split(r"\s*;\s*", get(column)) if get(column) else ():
            if value:
                card["urls"].append({"value": value, "type": kind})
    name_card(card, org=org, nickname=get_extra(card, "nickname"))
    categories = [c.strip() for c in get("Categories").split(";") if c.strip()]
    keep_leftovers(card, row)
    if categories and resolver is not None:
        card["groups"] = resolver.keys(categories)
    return card


def outlook_row(card: dict, lost: dict[str, int] | None = None) -> dict:
    """One card as an Outlook CSV row; what Outlook has no column for is counted in `lost`."""
    lost = lost if lost is not None else {}
    row = {
        "Title": card.get("prefix") or "", "First Name": card.get("given_name") or "",
        "Middle Name": card.get("middle_name") or "", "Last Name": card.get("family_name") or "",
        "Suffix": card.get("suffix") or "", "Nickname": get_extra(card, "nickname"),
        "Company": get_extra(card, "org"), "Department": card.get("department") or "",
        "Job Title": card.get("job_title") or "", "Birthday": csv_date(get_extra(card, "bday")),
        "Notes": card.get("notes") or "", "Categories": ";".join(g["name"] for g in card.get("groups", [])),
    }
    if not (row["First Name"] or row["Last Name"]) and card.get("display_name") and not row["Company"]:
        row["First Name"] = card["display_name"]  # Outlook has no display-name column
    # The primary e-mail is Outlook's `E-mail Address`, wherever it is among the rows.
    for column, email in zip(("E-mail", "E-mail 2", "E-mail 3"), primary_first(card.get("emails") or [])):
        row[f"{column} Address"] = email["value"]
        row[f"{column} Display Name"] = f"{card.get('display_name') or ''} ({email['value']})".strip()
    free = {kind: [c for c, k in _OUTLOOK_PHONES if k == kind and c in OUTLOOK_HEADER]
            for kind in ("office", "mobile", "home", "fax", "other")}
    for phone in card.get("phones", []):
        kind = phone.get("type") if phone.get("type") in free else "other"
        slots = free[kind] or free["other"]
        if slots:
            row[slots.pop(0)] = phone["value"]
        if phone.get("is_primary"):
            row["Primary Phone"] = phone["value"]
    used: set[str] = set()
    for address in card.get("addresses", []):
        prefix = {"work": "Business", "home": "Home"}.get(address.get("type"), "Other")
        if prefix in used:
            prefix = next((p for p, _ in _OUTLOOK_PLACES if p not in used), None)
            if prefix is None:
                continue
        used.add(prefix)
        row.update({f"{prefix} Street": address.get("line1") or "", f"{prefix} Street 2": address.get("line2") or "",
                    f"{prefix} City": address.get("city") or "", f"{prefix} State": address.get("region") or "",
                    f"{prefix} Postal Code": address.get("postal_code") or "",
                    f"{prefix} Country/Region": address.get("country") or ""})
    if card.get("urls"):
        row["Web Page"] = card["urls"][0]["value"]
    if (card.get("display_name") or "") != _outlook_name(row):
        count(lost, "display name")  # Outlook's CSV has no column for it: "Doe, John" comes back "John Doe"
    _outlook_lost_rows(card, row, lost)
    _outlook_kept(card, row, lost)
    return row


def _outlook_name(row: dict) -> str:
    """The display name an Outlook row reads back as (named as card_from_outlook names a card)."""
    card = {key: row[column] for key, column in (("prefix", "Title"), ("given_name", "First Name"),
                                                  ("middle_name", "Middle Name"), ("family_name", "Last Name"),
                                                  ("suffix", "Suffix"))}
    card["emails"] = [{"value": row.get("E-mail Address") or ""}]
    card["phones"] = [{"value": row[column]} for column, _ in _OUTLOOK_PHONES if row.get(column)]
    try:
        name_card(card, org=row["Company"], nickname=row["Nickname"])
    except RecordError:
        return ""
    return card.get("display_name") or join_name_parts(card)


def _outlook_lost_rows(card: dict, row: dict, lost: dict[str, int]) -> None:
    for kind, room in (("emails", 3), ("urls", 1), ("addresses", 3)):
        over = len(card.get(kind) or []) - room
        if over > 0:
            count(lost, f"{kind} beyond Outlook's columns", over)
    phones_written = sum(1 for c, _ in _OUTLOOK_PHONES if c in OUTLOOK_HEADER and row.get(c))
    if len(card.get("phones") or []) > phones_written:
        count(lost, "phones beyond Outlook's columns", len(card["phones"]) - phones_written)
    for field in ("photo", "title", "language"):
        if card.get(field):
            count(lost, field)


def outlook_columns(card: dict) -> set[str]:
    """The Outlook columns beyond OUTLOOK_HEADER a card has a value for (the header's width)."""
    kept = kept_data(card)
    columns = {c for c in kept.columns if c in OUTLOOK_FULL_HEADER}
    columns |= {_OUTLOOK_EVENT_COLUMNS[e["label"]] for e in kept.events if e["label"] in _OUTLOOK_EVENT_COLUMNS}
    columns |= {_OUTLOOK_RELATION_COLUMNS[r["label"]] for r in kept.relations
                if r["label"] in _OUTLOOK_RELATION_COLUMNS}
    return columns - set(OUTLOOK_HEADER)


def _outlook_kept(card: dict, row: dict, lost: dict[str, int]) -> None:
    """Kept columns Outlook has (Spouse, Anniversary, Gender, User 1, ...); the rest is counted as lost."""
    kept = kept_data(card)
    for header, value in kept.columns.items():
        if header in OUTLOOK_FULL_HEADER and not row.get(header):
            row[header] = value
        else:
            count(lost, f"CSV column {header!r}")
    for kind, rows, columns in (("event", kept.events, _OUTLOOK_EVENT_COLUMNS),
                                ("relation", kept.relations, _OUTLOOK_RELATION_COLUMNS)):
        for item in rows:
            column = columns.get(item["label"])
            if column and not row.get(column):
                row[column] = csv_date(item["value"]) if kind == "event" else item["value"]
            else:
                count(lost, f"{kind} {item['label']!r}")
    if kept.ims:
        count(lost, "instant messaging", len(kept.ims))
    for item in kept.props:
        count(lost, f"vCard {item['name']}")
    for name in kept.left + kept.labels:
        count(lost, f"vCard {name}")


# ---------------------------------------------------------------- Thunderbird

THUNDERBIRD_HEADER = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email", "Screen Name",
    "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number", "Home Address", "Home Address 2",
    "Home City", "Home State", "Home ZipCode", "Home Country", "Work Address", "Work Address 2", "Work City",
    "Work State", "Work ZipCode", "Work Country", "Job Title", "Department", "Organization", "Web Page 1",
    "Web Page 2", "Birth Year", "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes",
]


def card_from_thunderbird(row: dict, resolver: GroupResolver | None) -> dict:
    """A canonical card from one Thunderbird address book CSV row."""
    get = lambda name: (row.get(name) or "").strip()
    card: dict = {"given_name": get("First Name"), "family_name": get("Last Name"),
                  "job_title": get("Job Title"), "department": get("Department"),
                  "notes": (row.get("Notes") or "").strip(), "emails": [], "phones": [], "addresses": [], "urls": []}
    if get("Display Name"):
        card["display_name"] = get("Display Name")
    org = get("Organization")
    set_extra(card, "org", org)
    set_extra(card, "nickname", get("Nickname"))
    for column in ("Primary Email", "Secondary Email"):
        if get(column):
            card["emails"].append({"value": get(column), "type": ""})
    for column, kind, label in (("Work Phone", "office", ""), ("Home Phone", "home", ""), ("Mobile Number", "mobile", ""),
                                ("Fax Number", "fax", ""), ("Pager Number", "other", "Pager")):
        if get(column):
            card["phones"].append({"value": get(column), "type": kind, "label": label})
    for prefix, kind in (("Home", "home"), ("Work", "work")):
        address = {"type": kind, "line1": get(f"{prefix} Address"), "line2": get(f"{prefix} Address 2"),
                   "city": get(f"{prefix} City"), "region": get(f"{prefix} State"),
                   "postal_code": get(f"{prefix} ZipCode"), "country": get(f"{prefix} Country")}
        if any(address[k] for k in ("line1", "line2", "city", "region", "postal_code", "country")):
            card["addresses"].append(address)
    for column, kind in (("Web Page 1", "work"), ("Web Page 2", "home")):
        if get(column):
            card["urls"].append({"value": get(column), "type": kind})
    year, month, day = get("Birth Year"), get("Birth Month"), get("Birth Day")
    if month and day:
        text = f"{year}-{int(month):02d}-{int(day):02d}" if year.isdigit() and month.isdigit() and day.isdigit() \
            else f"{year}/{month}/{day}"
        set_birthday(card, text if year else f"--{int(month):02d}-{int(day):02d}" if month.isdigit()
                     and day.isdigit() else text, "Birth Year/Month/Day")
    elif year:
        card.setdefault("extra", {}).setdefault("csv", {})["Birth Year"] = year
    name_card(card, org=org, nickname=get_extra(card, "nickname"))
    keep_leftovers(card, row)
    return card


# ---------------------------------------------------------------- streams

def import_rows(stream: IO[str], report, writer, resolver: GroupResolver | None = None,
                columns: list[str] | None = None) -> None:
    """Parse a CSV stream (Google, Outlook or Thunderbird headers) into the bulk writer, row by row.

    Rows are read as spreadsheet programs read them: a row with fewer cells than the header
    has empty cells at its end, empty cells beyond the header (a trailing comma) are nothing;
    cells with a value beyond the header are kept (extra['csv']) with a warning. A header
    that is no known export's is an error (RecordError) before anything is stored. `columns`
    (from `named_columns`) is the header of a file without one: its first row is data.
    """
    sample = stream.read(65536)
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_Prefixed(sample, stream), delimiter=delimiter)
    if columns is None:
        try:
            first = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            raise RecordError("the file is empty (a CSV needs a header row)") from None
        except csv.Error as exc:
            raise RecordError(f"line 1: malformed CSV header: {exc}") from None
        while first and not first[-1]:
            first.pop()  # a trailing comma on the header line
        kind, header = read_header(first)
    else:
        kind, header = read_header(columns)
        _refuse_a_header_row(sample, delimiter)
    parse = {"google": card_from_google, "outlook": card_from_outlook, "thunderbird": card_from_thunderbird}[kind]
    number, line = 0, reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            report.fail(f"row {number} (line {start})", f"malformed CSV: {exc}")
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # an empty line between rows
        number += 1
        position = f"row {number} (line {start})"
        extra_cells = [c for c in cells[len(header):] if c.strip()]
        cells = cells[:len(header)] + [""] * (len(header) - len(cells))
        row = TrackedRow(zip(header, cells))
        try:
            card = parse(row, resolver)
        except RecordError as exc:
            report.fail(position, str(exc))
            continue
        for message in card.pop("_warnings", []):
            report.warn(position, message)
        if extra_cells:
            card.setdefault("extra", {}).setdefault("csv", {})["(cells beyond the header)"] = extra_cells
            report.warn(position, f"{len(extra_cells)} cell(s) beyond the header's {len(header)} columns: "
                                  "kept in the card's extra data")
        if not card.get("id"):
            card["id"] = content_id(cells)
        writer.add(card, position)
    writer.flush()


def _refuse_a_header_row(sample: str, delimiter: str) -> None:
    """RecordError when a file read with --columns starts with a header row of its own (it would be a card)."""
    try:
        first = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return
    first = [cell.strip().lstrip("\ufeff") for cell in first]
    try:
        read_header(first)
    except RecordError:
        return
    raise RecordError("--columns is for a CSV without a header row, and this file's first row is a header "
                      f"({', '.join(repr(cell) for cell in first if cell)}): leave out --columns")


def content_id(cells: list[str]) -> str:
    """A card id from a row's cells: the same row imported again is the same card."""
    import hashlib
    import uuid

    from .vcard import UID_NAMESPACE

    digest = hashlib.sha1("\x1f".join(c.strip() for c in cells).encode()).hexdigest()
    return str(uuid.uuid5(UID_NAMESPACE, "csv:" + digest))


class _Prefixed:
    """Lines of a text already read, then of the rest of the stream (csv.reader reads lines)."""

    def __init__(self, head: str, rest: IO[str]) -> None:
        self.head, self.rest = head, rest

    def __iter__(self):
        pending = ""
        for line in io.StringIO(self.head, newline=""):
            pending = line
            if line.endswith(("\n", "\r")):
                yield line
                pending = ""
        for line in self.rest:
            if pending:
                line, pending = pending + line, ""
            yield line
        if pending:
            yield pending


def child_counts() -> dict[str, int]:
    """The most rows of each kind any card has (Google's header has that many column groups)."""
    counts = {}
    for kind, model in (("emails", ContactEmail), ("phones", ContactPhone), ("addresses", ContactAddress),
                        ("urls", ContactUrl)):
        per_card = (model.select(fn.COUNT(SQL("*")).alias("n")).group_by(model.contact))
        most = model.select(fn.MAX(SQL("n"))).from_(per_card.alias("c")).scalar()
        counts[kind] = max(most or 0, 1)
    return counts


def kept_layout() -> dict:
    """What the kept data of all cards needs in a CSV header, read from the `extra` column only.

    {"ims": n, "events": n, "relations": n, "custom": n} (the most any card has: Google's
    numbered column groups) and "outlook": the Outlook columns beyond OUTLOOK_HEADER in use.
    """
    layout: dict = {"ims": 0, "events": 0, "relations": 0, "custom": 0, "outlook": set()}
    last = 0
    while True:
        rows = list(Contact.select(Contact.autokey, Contact.extra).where(Contact.autokey > last)
                    .order_by(Contact.autokey).limit(1000).tuples())
        if not rows:
            return layout
        for _, extra in rows:
            if not extra:
                continue
            card = {"extra": extra}
            kept = kept_data(card)
            for kind in ("ims", "events", "relations"):
                layout[kind] = max(layout[kind], len(getattr(kept, kind)))
            layout["custom"] = max(layout["custom"], len(kept.columns) + len(kept.props))
            layout["outlook"] |= outlook_columns(card)
        last = rows[-1][0]


def write_google(cards: Iterable[dict], out: IO[str], counts: dict, lost: dict[str, int] | None = None) -> int:
    """Write cards as a Google Contacts CSV; returns how many were written."""
    writer = csv.DictWriter(out, fieldnames=google_header(counts), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    written = 0
    for card in cards:
        writer.writerow(google_row(card, lost))
        written += 1
    return written


def write_outlook(cards: Iterable[dict], out: IO[str], columns: set[str] = frozenset(),
                  lost: dict[str, int] | None = None) -> int:
    """Write cards as an Outlook CSV (OUTLOOK_HEADER plus `columns` of Outlook's); returns how many."""
    writer = csv.DictWriter(out, fieldnames=outlook_header(set(columns)), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    written = 0
    for card in cards:
        writer.writerow(outlook_row(card, lost))
        written += 1
    return written
