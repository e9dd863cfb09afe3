"""Group vCards as CardDAV keeps them: read from a PUT, written back for GET and the reports.

iOS/macOS Contacts write a group as vCard 3.0 with `X-ADDRESSBOOKSERVER-KIND:group` and one
`X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:<member UID>` per member; DAVx5 (its default) the same,
or vCard 4.0's `KIND:group` and `MEMBER`. The group itself is a stored group (its name and
members are the ones every door sees); what else the vCard held (PRODID, REV, X- lines) is
kept, in its order, as the `stored` dict below, so the client gets back what it wrote:

    {"version": "3.0", "name": "Friends", "uid": "<UID as written>",
     "lines": ["PRODID:...", {"map": "N"}, {"map": "FN"}, {"map": "KIND"}, {"map": "MEMBER"}, ...],
     "heads": {"FN": "FN:Friends", "N": "N:Friends;;;;", "UID": "UID:...", "KIND": "..."},
     "members": {"<member card id>": "urn:uuid:<as written>"},
     "pending": ["urn:uuid:<a member not stored (yet)>"]}

The name and members are written from the store (verbatim while unchanged since the PUT),
so a rename or a member added in another door shows, in the version the client asks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.io import vcard_lines as vl
from services.io.group_cards import GROUP_KIND_PROPERTIES, MEMBER_PROPERTIES, group_card
from services.io.vcard import convert_line, escape_text, vcard_text

_MAPPED = {"FN": "FN", "N": "N", "UID": "UID", **{name: "KIND" for name in GROUP_KIND_PROPERTIES},
           **{name: "MEMBER" for name in MEMBER_PROPERTIES}}
_KIND_LINE = {"3.0": "X-ADDRESSBOOKSERVER-KIND:group", "4.0": "KIND:group"}
_MEMBER_PROPERTY = {"3.0": "X-ADDRESSBOOKSERVER-MEMBER", "4.0": "MEMBER"}
_DEFAULT_LINES = [{"map": "FN"}, {"map": "N"}, {"map": "UID"}, {"map": "KIND"}, {"map": "MEMBER"}]


@dataclass
class GroupVCard:
    """A group vCard as read: its name, UID, member values, and everything to write it back."""

    version: str
    name: str
    uid: str
    members: list[str]
    lines: list = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)


def _version_of(props: list[vl.Prop]) -> str:
    version = next((p.value.strip() for p in props if p.name == "VERSION"), "")
    return "4.0" if version == "4.0" else "3.0"


def read(text: str) -> GroupVCard | None:
    """The group vCard a PUT body is, None when it is no group vCard (an individual, an org...)."""
    props = [prop for number, line in vl.logical_lines(vl.physical_text_lines(text), lambda *_: None)
             if (prop := vl.parse_property(line, number)) is not None]
    found = group_card(props, "line 1")
    if found is None:
        return None
    card = GroupVCard(_version_of(props), found.name, found.uid, found.members)
    for prop in props:
        if prop.name in ("BEGIN", "END", "VERSION"):
            continue
        mapped = _MAPPED.get(prop.name)
        if mapped == "KIND" and prop.value.strip().lower() != "group":
            mapped = None
        if mapped is None or (mapped in card.heads and mapped != "MEMBER"):
            card.lines.append(prop.text)  # a second FN, UID or KIND is kept as written
            continue
        if mapped == "MEMBER":
            if "MEMBER" not in card.heads:
                card.heads["MEMBER"] = prop.head()
                card.lines.append({"map": "MEMBER"})
            continue
        card.heads[mapped] = prop.text
        card.lines.append({"map": mapped})
    return card


def stored_form(card: GroupVCard, resolved: dict[str, str], pending: list[str]) -> dict:
    """The dict kept for a group vCard (the module docstring): `resolved` members found, `pending` not."""
    return {"version": card.version, "name": card.name, "uid": card.uid, "lines": card.lines,
            "heads": card.heads, "members": resolved, "pending": pending}


def render(stored: dict, name: str, member_values: list[str], version: str) -> str:
    """The group vCard of `version`: the stored lines, the group's name and members as stored now."""
    source = stored.get("version") or version
    same = source == version
    heads = stored.get("heads") or {}
    lines = list(stored.get("lines") or _DEFAULT_LINES)
    markers = {entry["map"] for entry in lines if isinstance(entry, dict)}
    if "FN" not in markers:
        lines.insert(0, {"map": "FN"})
    if "N" not in markers and version == "3.0":  # 3.0 requires N
        lines.insert(1, {"map": "N"})
    if "MEMBER" not in markers and member_values:
        lines.append({"map": "MEMBER"})
    renamed = name != stored.get("name")
    out: list[str] = []
    for entry in lines:
        if isinstance(entry, str):
            line = convert_line(entry, source, version)
            if line:  # '' for a line the version leaves out (KIND:individual)
                out.append(line)
            continue
        kind = entry.get("map")
        if kind == "FN":
            out.append(heads["FN"] if same and not renamed and "FN" in heads else f"FN:{escape_text(name)}")
        elif kind == "N":
            # The name as family name without the empty components: Apple shows a group's
            # `N:Friends;;;;` as "Friends;;;;" (DAVx5's ContactWriter writes it so for that reason).
            out.append(heads["N"] if same and not renamed and "N" in heads else f"N:{escape_text(name)}")
        elif kind == "UID":
            if "UID" in heads:
                out.append(heads["UID"])
        elif kind == "KIND":
            out.append(heads["KIND"] if same and "KIND" in heads else _KIND_LINE[version])
        elif kind == "MEMBER":
            head = heads["MEMBER"] if same and "MEMBER" in heads else _MEMBER_PROPERTY[version]
            out.extend(f"{head}:{value}" for value in member_values)
    return vcard_text(out, version)
