"""vCard 3.0 <-> 4.0 conversion of what a mapped line says beside its value: ADR's formatted address
(4.0's LABEL parameter, 3.0's LABEL property) and unknown parameters of TEL/EMAIL/ADR/URL.

A table of cards, each read in one version and written in the other, asserted exactly; the same
through CardDAV (a PUT in one version, a GET asking the other, as DAVx5 asks 4.0 of what iOS or
Evolution wrote in 3.0). The expected texts follow ez-vcard (StreamWriter.createLabel,
StreamReader.assignLabels), Evolution (e_vcard_convert_30_40_cb) and sabre/vobject
(VCardConverter::convertParameters30/40).
"""
from __future__ import annotations

import pytest

from services.io.vcard import card_from_vcard, card_to_vcard

BOOK = "/carddav/addressbooks/contacts/"


def _vcard(version: str, *lines: str) -> str:
    """A card of these logical lines (ASCII), folded at 75 octets as the writer folds them."""
    lines = ("BEGIN:VCARD", f"VERSION:{version}", "UID:conv-params", "FN:Jane Doe", "N:Doe;Jane;;;", *lines,
             "END:VCARD")
    return "".join("\r\n ".join([line[:75]] + [line[at:at + 74] for at in range(75, len(line), 74)]) + "\r\n"
                   for line in lines)


def _city(city: str):
    """Another door changes the first address's city."""
    def change(card: dict) -> None:
        card["addresses"][0]["city"] = city
    return change


# (id, version read, lines read, version written, lines written, change made by another door)
CASES = [
    ("adr-label-4-to-3", "4.0",
     ['ADR;TYPE=work;LABEL="1 Main St\\nSpringfield, IL":;;1 Main St;Springfield;IL;;'],
     "3.0",
     ["ADR;TYPE=WORK:;;1 Main St;Springfield;IL;;", "LABEL;TYPE=WORK:1 Main St\\nSpringfield\\, IL"], None),
    ("adr-label-3-to-4", "3.0",
     ["ADR;TYPE=WORK:;;1 Main St;Springfield;IL;;", "LABEL;TYPE=WORK:1 Main St\\nSpringfield\\, IL"],
     "4.0",
     ['ADR;TYPE=work;LABEL="1 Main St\\nSpringfield, IL":;;1 Main St;Springfield;IL;;'], None),
    # Evolution's 4.0 escapes the parameter as a value; RFC 6868's caret form is read too.
    ("adr-label-escapes-4-to-3", "4.0",
     ['ADR;LABEL="Elm St\\, 5^nBoston^\'s":;;Elm St 5;Boston;;;'],
     "3.0",
     ["ADR:;;Elm St 5;Boston;;;", "LABEL:Elm St\\, 5\\nBoston\"s"], None),
    ("adr-label-quote-3-to-4", "3.0",
     ["ADR:;;Elm St 5;Boston;;;", 'LABEL:"Elm" St 5\\nBoston'],
     "4.0",
     ["ADR;LABEL=\"'Elm' St 5\\nBoston\":;;Elm St 5;Boston;;;"], None),
    # Apple's group: the LABEL takes it and sits right after its ADR, before the X-ABLabel.
    ("grouped-adr-4-to-3", "4.0",
     ['item1.ADR;TYPE=home;PREF=1;LABEL="1 Elm St":;;1 Elm St;Boston;;;', "item1.X-ABLabel:Cottage"],
     "3.0",
     ["item1.ADR;TYPE=HOME,PREF:;;1 Elm St;Boston;;;", "item1.LABEL;TYPE=HOME:1 Elm St",
      "item1.X-ABLabel:Cottage"], None),
    # Labels after all the addresses (Outlook puts PREF on both) pair by their TYPE words; one of
    # types no ADR has stays as it was (the guarantee: nothing dropped).
    ("labels-after-the-addresses-3-to-4", "3.0",
     ["ADR;TYPE=WORK,PREF:;;1 Main St;Springfield;;;", "ADR;TYPE=HOME:;;1 Elm St;Boston;;;",
      "LABEL;TYPE=HOME:1 Elm St\\nBoston", "LABEL;TYPE=WORK,PREF:1 Main St\\nSpringfield",
      "LABEL;TYPE=POSTAL:PO Box 7"],
     "4.0",
     ['ADR;TYPE=work;PREF=1;LABEL="1 Main St\\nSpringfield":;;1 Main St;Springfield;;;',
      'ADR;TYPE=home;LABEL="1 Elm St\\nBoston":;;1 Elm St;Boston;;;', "LABEL;TYPE=POSTAL:PO Box 7"], None),
    # An address another door changed is written anew: its label described the old one.
    ("changed-adr-3-to-4", "3.0",
     ["ADR;TYPE=WORK:;;1 Main St;Springfield;;;", "LABEL;TYPE=WORK:1 Main St\\nSpringfield"],
     "4.0",
     ["ADR;TYPE=work:;;1 Main St;Shelbyville;;;"], _city("Shelbyville")),
    ("evolution-slots-3-to-4", "3.0",
     ["TEL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK,VOICE:+1 555 0100",
      "TEL;X-EVOLUTION-UI-SLOT=2;TYPE=CELL:+1 555 0101",
      "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:jane@example.org",
      "URL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:https://example.org"],
     "4.0",
     ["TEL;X-EVOLUTION-UI-SLOT=1;TYPE=work,voice:+1 555 0100",  # no PREF: none was written
      "TEL;X-EVOLUTION-UI-SLOT=2;TYPE=cell:+1 555 0101",  # the words read: no VOICE added
      "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=work:jane@example.org",
      "URL;X-EVOLUTION-UI-SLOT=1;TYPE=work:https://example.org"], None),
    ("evolution-slots-4-to-3", "4.0",
     ["TEL;X-EVOLUTION-UI-SLOT=1;TYPE=work,voice;PREF=1:+1 555 0100",
      "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=work:jane@example.org"],
     "3.0",
     ["TEL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK,VOICE,PREF:+1 555 0100",
      "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:jane@example.org"], None),  # nor INTERNET
    # TYPE words no column holds stay (RFC 2426's postal, msg); PREF moves to the target's form.
    ("type-words-3-to-4", "3.0",
     ["ADR;TYPE=WORK,POSTAL,PREF:;;PO Box 7;Springfield;;;", "TEL;TYPE=MSG,CELL:+1 555 0102"],
     "4.0",
     ["ADR;TYPE=work,postal;PREF=1:;;PO Box 7;Springfield;;;", "TEL;TYPE=msg,cell:+1 555 0102"], None),
    # Every parameter but VALUE (the value is written anew); TYPE/PREF as read, in the target's form.
    ("other-params-4-to-3", "4.0",
     ["TEL;VALUE=uri;PID=1.1;TYPE=cell:tel:+1-555-0101",
      'ADR;GEO="geo:42.1,-71.1";TYPE=home;X-FLOOR=2:;;1 Elm St;Boston;;;'],
     "3.0",
     ["TEL;PID=1.1;TYPE=CELL:+1-555-0101",
      'ADR;GEO="geo:42.1,-71.1";TYPE=HOME;X-FLOOR=2:;;1 Elm St;Boston;;;'], None),
]


@pytest.mark.parametrize("read_in, read, written_in, written, change", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_card_written_in_the_other_version_keeps_labels_and_parameters(read_in, read, written_in, written, change):
    card, warnings = card_from_vcard(_vcard(read_in, *read))
    assert warnings == []
    if change:
        change(card)
    assert card_to_vcard(card, written_in) == _vcard(written_in, *written)


def _served(dav, sent: str, asked: str) -> str:
    """PUT `sent`, GET it in vCard `asked`: the body without its REV (the time it was stored)."""
    put = dav("PUT", BOOK + "x.vcf", sent, {"Content-Type": "text/vcard; charset=utf-8"})
    assert put.status_code in (201, 204), put.get_data(as_text=True)
    got = dav("GET", BOOK + "x.vcf", headers={"Accept": f"text/vcard; version={asked}"})
    assert got.status_code == 200
    return "\r\n".join(line for line in got.get_data(as_text=True).split("\r\n") if not line.startswith("REV:"))


# (id, version PUT, lines PUT, version asked, lines served)
HTTP_CASES = [case[:5] for case in CASES if case[0] in (
    "adr-label-4-to-3", "adr-label-3-to-4", "evolution-slots-3-to-4", "evolution-slots-4-to-3")]


@pytest.mark.parametrize("sent_in, sent, asked, served", [case[1:] for case in HTTP_CASES],
                         ids=[case[0] for case in HTTP_CASES])
def test_a_card_put_in_one_version_and_got_in_the_other_keeps_labels_and_parameters(dav, sent_in, sent, asked,
                                                                                    served):
    assert _served(dav, _vcard(sent_in, *sent), asked) == _vcard(asked, *served)


def test_a_label_got_in_3_0_and_put_back_comes_back_in_4_0_as_the_adr_s_parameter(dav):
    """iOS asks 3.0 of what DAVx5 wrote in 4.0 and saves it back; DAVx5 then reads the label it wrote."""
    adr = 'ADR;TYPE=work;LABEL="1 Main St\\nSpringfield, IL":;;1 Main St;Springfield;IL;;'
    as_3_0 = _served(dav, _vcard("4.0", adr), "3.0")
    assert _served(dav, as_3_0, "4.0") == _vcard("4.0", adr)
