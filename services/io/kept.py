"""What a card keeps beyond the canonical columns, sorted for the export formats that have room.

A card read from a vCard keeps every property no column holds as its verbatim line
(`extra.vcard.props`); a card read from a CSV keeps every column no field took
(`extra.csv`). `kept_data(card)` sorts both into what CSV formats have columns for:

- `ims`: IMPP, X-AIM, X-JABBER, X-SKYPE, ... and Google's `IM n - Label/Service/Value`
- `events`: ANNIVERSARY (also X-ANNIVERSARY, Evolution's), Apple's X-ABDATE with its label,
  Google's `Event n - ...`, Outlook's `Anniversary`
- `relations`: RELATED, Apple's X-ABRELATEDNAMES, X-SPOUSE/X-MANAGER/X-ASSISTANT (also
  Evolution's), Google's `Relation n - ...`, Outlook's Spouse, Manager's/Assistant's Name, Children
- `columns`: every other CSV column (header -> value), also from `X-CSV;X-COLUMN=...` lines
  (how a vCard export writes CSV columns, see `csv_column_line`)
- `props`: every other vCard property with a text value (GENDER, X-..., a second ORG, ...)
- `left`: vCard properties no CSV column is for (PRODID, X-ABUID, KEY, LOGO, a 2.1 AGENT,
  binary data, ...), by name; the export says on stderr that it leaves them out
- `labels`: Apple's X-ABLabel lines of the card's phones/emails/addresses/urls (those rows'
  `label`, which Google's CSV writes and Outlook's cannot)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vcard_lines as vl

# Instant-messaging properties -> Google's service name.
IM_PROPERTIES = {
    "X-AIM": "AIM", "X-ICQ": "ICQ", "X-JABBER": "Jabber", "X-MSN": "MSN", "X-YAHOO": "Yahoo",
    "X-SKYPE": "Skype", "X-SKYPE-USERNAME": "Skype", "X-QQ": "QQ", "X-GOOGLE-TALK": "Google Talk",
    "X-GTALK": "Google Talk", "X-GADUGADU": "Gadu-Gadu", "X-MS-IMADDRESS": "MSN",
}
# IMPP URI schemes -> service name (an X-SERVICE-TYPE parameter wins).
IM_SCHEMES = {
    "xmpp": "Jabber", "aim": "AIM", "ymsgr": "Yahoo", "skype": "Skype", "msnim": "MSN", "msn": "MSN",
    "icq": "ICQ", "gtalk": "Google Talk", "qq": "QQ", "gadu": "Gadu-Gadu", "sip": "SIP", "irc": "IRC",
}
EVENT_PROPERTIES = {"ANNIVERSARY": "Anniversary", "X-ANNIVERSARY": "Anniversary",
                    "X-EVOLUTION-ANNIVERSARY": "Anniversary", "X-MS-ANNIVERSARY": "Anniversary",
                    "X-ABDATE": "Other"}
RELATION_PROPERTIES = {"X-SPOUSE": "Spouse", "X-EVOLUTION-SPOUSE": "Spouse", "X-MS-SPOUSE": "Spouse",
                       "X-MANAGER": "Manager", "X-EVOLUTION-MANAGER": "Manager", "X-MS-MANAGER": "Manager",
                       "X-ASSISTANT": "Assistant", "X-EVOLUTION-ASSISTANT": "Assistant",
                       "X-MS-ASSISTANT": "Assistant", "X-ABRELATEDNAMES": "Other", "RELATED": "Other"}
# Outlook's own columns for an event or a relation (its CSV has no numbered groups).
OUTLOOK_EVENTS = {"Anniversary": "Anniversary"}
OUTLOOK_RELATIONS = {"Spouse": "Spouse", "Manager's Name": "Manager", "Assistant's Name": "Assistant",
                     "Children": "Child"}
# Properties that are about the file or the software, or binary: no CSV column is for them.
TECHNICAL = {"PRODID", "VERSION", "REV", "UID", "X-ABUID", "X-ABSHOWAS", "CLIENTPIDMAP", "SOURCE", "KIND",
             "NAME", "PROFILE", "MAILER", "SORT-STRING", "PHOTO", "LOGO", "SOUND", "KEY", "AGENT", "MEMBER",
             "X-ADDRESSBOOKSERVER-KIND", "X-ADDRESSBOOKSERVER-MEMBER", "X-ABADR", "X-ABLABEL", "XML"}
CSV_COLUMN_PROPERTY = "X-CSV"
CSV_COLUMN_PARAM = "X-COLUMN"
_GOOGLE_GROUP = re.compile(r"^(IM|Event|Relation) (\d+) - (Label|Type|Service|Value)$")


@dataclass
class Kept:
    """A card's kept data, sorted (see the module docstring)."""

    ims: list[dict] = field(default_factory=list)        # {"label", "service", "value"}
    events: list[dict] = field(default_factory=list)     # {"label", "value"}
    relations: list[dict] = field(default_factory=list)  # {"label", "value"}
    columns: dict[str, str] = field(default_factory=dict)
    props: list[dict] = field(default_factory=list)      # {"label", "value", "name"}
    left: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def kept_data(card: dict) -> Kept:
    """Sort what a card keeps beyond the columns (extra.vcard.props, extra.csv)."""
    kept = Kept()
    extra = card.get("extra") or {}
    vx = extra.get("vcard") or {}
    columns = _from_vcard(vx.get("props") or [], vx.get("version") or "3.0", kept)
    columns.update(extra.get("csv") or {})
    _from_csv(columns, kept)
    kept.ims = _unique(kept.ims, ("service", "value"))
    kept.relations = _unique(kept.relations, ("label", "value"))
    kept.events = _unique(kept.events, ("label", "value"))
    return kept


def _unique(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Apple writes an account twice (IMPP and X-JABBER): keep the first of equal rows."""
    seen, out = set(), []
    for row in rows:
        key = tuple((row.get(k) or "").strip().lower() for k in keys)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _from_vcard(entries: list, version: str, kept: Kept) -> dict[str, str]:
    """Sort a vCard's kept lines into `kept`; returns the CSV columns of its X-CSV lines."""
    columns: dict[str, str] = {}
    props = [p for p in (vl.parse_property(e, 0) if isinstance(e, str) else None for e in entries)]
    mapped_groups = {_group(e.get("head", "")) for e in entries if isinstance(e, dict)} - {""}
    labels = {p.group: _label_text(p, version) for p in props if p is not None and p.name == "X-ABLABEL"
              and p.group}
    for entry, prop in zip(entries, props):
        if not isinstance(entry, str):
            continue
        if prop is None:
            kept.left.append("(unreadable line)")
            continue
        name = prop.name
        if prop.group in mapped_groups:
            # Part of a mapped row (Apple's itemN.X-ABLabel / X-ABADR of a TEL, ADR, ...).
            (kept.labels if name == "X-ABLABEL" else kept.left).append(name)
            continue
        if name == "X-ABLABEL":
            continue  # the label of a kept property, written with it
        label = labels.get(prop.group, "")
        if name in TECHNICAL or prop.encoding() == "B" or prop.nested:
            kept.left.append(name)
            continue
        value = _text(prop, version)
        if name == CSV_COLUMN_PROPERTY and prop.param(CSV_COLUMN_PARAM):
            columns.setdefault(prop.param(CSV_COLUMN_PARAM)[0], value)
        elif name == "IMPP" or name in IM_PROPERTIES:
            kept.ims.append(_im(prop, value, label))
        elif name in EVENT_PROPERTIES:
            kept.events.append({"label": label or EVENT_PROPERTIES[name],
                                "value": vl.without_omitted_year(value, prop)})
        elif name in RELATION_PROPERTIES:
            words = [t for t in prop.types() if t not in ("pref",)]
            kind = label or (words[0].capitalize() if words else RELATION_PROPERTIES[name])
            kept.relations.append({"label": kind, "value": value})
        elif value.strip():
            kept.props.append({"label": label or name, "value": value, "name": name})
    return columns


def _group(head: str) -> str:
    match = re.match(r"^([A-Za-z0-9_-]+)\.", head)
    return match.group(1) if match else ""


def _label_text(prop: vl.Prop, version: str) -> str:
    text = _text(prop, version).strip()
    match = re.fullmatch(r"_\$!<(.*)>!\$_", text)
    return match.group(1) if match else text


def _text(prop: vl.Prop, version: str) -> str:
    """A property's value as text (quoted-printable decoded, escapes undone)."""
    value = vl.value_text(prop)
    if version == "2.1":
        return value.replace("\\;", ";").replace("\\,", ",")
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append("\n" if value[i + 1] in "nN" else value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _im(prop: vl.Prop, value: str, label: str) -> dict:
    service = (prop.param("X-SERVICE-TYPE") or [""])[0]
    handle = value.strip()
    if prop.name == "IMPP":
        scheme, colon, rest = handle.partition(":")
        if colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            service = service or IM_SCHEMES.get(scheme.lower(), scheme)
            handle = rest
    else:
        service = service or IM_PROPERTIES[prop.name]
    words = [t.capitalize() for t in prop.types() if t not in ("pref", "internet")]
    return {"label": label or (words[0] if words else ""), "service": service, "value": handle}


def _from_csv(columns: dict, kept: Kept) -> None:
    groups: dict[tuple[str, int], dict[str, str]] = {}
    for header, value in columns.items():
        if isinstance(value, list):
            value = " ::: ".join(str(v) for v in value)  # cells beyond the header, in one cell
        match = _GOOGLE_GROUP.match(header)
        if match:
            part = "Label" if match.group(3) == "Type" else match.group(3)
            groups.setdefault((match.group(1), int(match.group(2))), {})[part] = value
        elif header in OUTLOOK_EVENTS:
            kept.events.append({"label": OUTLOOK_EVENTS[header], "value": value})
        elif header in OUTLOOK_RELATIONS:
            kept.relations.append({"label": OUTLOOK_RELATIONS[header], "value": value})
        else:
            kept.columns[header] = value
    for (kind, _number), parts in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1])):
        if not parts.get("Value"):
            continue
        row = {"label": parts.get("Label", ""), "value": parts["Value"]}
        if kind == "IM":
            kept.ims.append({**row, "service": parts.get("Service", "")})
        else:
            (kept.events if kind == "Event" else kept.relations).append(row)


def csv_columns(card: dict) -> dict[str, str]:
    """extra.csv as column -> text (cells beyond the header joined by ` ::: `)."""
    out = {}
    for header, value in ((card.get("extra") or {}).get("csv") or {}).items():
        out[header] = " ::: ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return out
