"""Localised CSV headers (Outlook in German and French, Thunderbird in its 70 languages) in English names.

Outlook writes its CSV header in the language of its interface, and in another order (the
German export sorts the columns after Telex alphabetically), so a German or French export
is read by translating its header, name by name; a name no table knows keeps its own
(it is then kept in the card's extra data, as any column no parser reads).

Sources: the German names are a German Outlook export's header row, as published in a
project's notes (every one of its 92 columns is here), and the names another Outlook version
writes for six of them (`Telefon privat`, `Name Assistent`, `Regierungsnr.`, ...: the German
export header in Open-Xchange's CSV import test for its bug 9367); the French names are the header
Polytechnique.org writes for French Outlook, with the variants Roundcube's French map
reads (`Pays/Région (bureau)` beside `Pays (bureau)`). French Outlook calls both the
courtesy title and the job title `Titre`: the first such column is the title, the second
the job title (their order in every Outlook export).

Thunderbird writes its CSV header from its own translations (`importMsgs.properties`, strings
2100-2136, in the order of `exportAttributes`); `data/thunderbird_csv_headers.json` holds them
for every language Thunderbird ships, copied from thunderbird/thunderbird-l10n (the commit is
in the file). Some languages give two columns one name (French `Ville` is the home and the
work city): the first such column is the first in Thunderbird's order, and so on. Thunderbird's
own importer reads names case-insensitively; so do we.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

OUTLOOK_DE = {
    "Anrede": "Title", "Vorname": "First Name", "Weitere Vornamen": "Middle Name", "Nachname": "Last Name",
    "Suffix": "Suffix", "Firma": "Company", "Abteilung": "Department", "Position": "Job Title",
    "Straße geschäftlich": "Business Street", "Straße geschäftlich 2": "Business Street 2",
    "Straße geschäftlich 3": "Business Street 3", "Ort geschäftlich": "Business City",
    "Region geschäftlich": "Business State", "Postleitzahl geschäftlich": "Business Postal Code",
    "Land/Region geschäftlich": "Business Country/Region",
    "Straße privat": "Home Street", "Straße privat 2": "Home Street 2", "Straße privat 3": "Home Street 3",
    "Ort privat": "Home City", "Bundesland/Kanton privat": "Home State", "Postleitzahl privat": "Home Postal Code",
    "Land/Region privat": "Home Country/Region",
    "Weitere Straße": "Other Street", "Weitere Straße 2": "Other Street 2", "Weitere Straße 3": "Other Street 3",
    "Weiterer Ort": "Other City", "Weiteres/r Bundesland/Kanton": "Other State",
    "Weitere Postleitzahl": "Other Postal Code", "Weiteres/e Land/Region": "Other Country/Region",
    "Telefon Assistent": "Assistant's Phone", "Fax geschäftlich": "Business Fax",
    "Telefon geschäftlich": "Business Phone", "Telefon geschäftlich 2": "Business Phone 2",
    "Rückmeldung": "Callback", "Autotelefon": "Car Phone", "Telefon Firma": "Company Main Phone",
    "Fax privat": "Home Fax", "Telefon (privat)": "Home Phone", "Telefon (privat 2)": "Home Phone 2",
    "Telefon privat": "Home Phone", "Telefon privat 2": "Home Phone 2",
    "ISDN": "ISDN", "Mobiltelefon": "Mobile Phone", "Weiteres Fax": "Other Fax", "Weiteres Telefon": "Other Phone",
    "Pager": "Pager", "Haupttelefon": "Primary Phone", "Mobiltelefon 2": "Radio Phone",
    "Telefon für Hörbehinderte": "TTY/TDD Phone", "Telex": "Telex",
    "Abrechnungsinformation": "Billing Information", "Assistent(in)": "Assistant's Name",
    "Name Assistent": "Assistant's Name", "Name des/der Vorgesetzten": "Manager's Name",
    "Internet-Frei/Gebucht": "Internet Free Busy", "Regierungsnr.": "Government ID Number",
    "Benutzer 1": "User 1", "Benutzer 2": "User 2", "Benutzer 3": "User 3", "Benutzer 4": "User 4",
    "Beruf": "Profession", "Büro": "Office Location",
    "E-Mail-Adresse": "E-mail Address", "E-Mail-Typ": "E-mail Type", "E-Mail: Angezeigter Name": "E-mail Display Name",
    "E-Mail 2: Adresse": "E-mail 2 Address", "E-Mail 2: Typ": "E-mail 2 Type",
    "E-Mail 2: Angezeigter Name": "E-mail 2 Display Name",
    "E-Mail 3: Adresse": "E-mail 3 Address", "E-Mail 3: Typ": "E-mail 3 Type",
    "E-Mail 3: Angezeigter Name": "E-mail 3 Display Name",
    "Empfohlen von": "Referred By", "Geburtstag": "Birthday", "Geschlecht": "Gender", "Hobby": "Hobby",
    "Initialen": "Initials", "Internet Frei/Gebucht": "Internet Free Busy", "Jahrestag": "Anniversary",
    "Kategorien": "Categories", "Kinder": "Children", "Konto": "Account", "Name des/r Vorgesetzten": "Manager's Name",
    "Notizen": "Notes", "Organisationsnr.": "Organizational ID Number", "Ort": "Location", "Partner": "Spouse",
    "Postfach geschäftlich": "Business Address PO Box", "Postfach privat": "Home Address PO Box",
    "Priorität": "Priority", "Privat": "Private", "Reisekilometer": "Mileage",
    "Sozialversicherungsnr.": "Government ID Number", "Sprache": "Language", "Stichwörter": "Keywords",
    "Vertraulichkeit": "Sensitivity", "Verzeichnisserver": "Directory Server", "Webseite": "Web Page",
    "Weiteres Postfach": "Other Address PO Box",
}

OUTLOOK_FR = {
    "Titre": "Title", "Prénom": "First Name", "Deuxième prénom": "Middle Name", "Nom": "Last Name",
    "Suffixe": "Suffix", "Surnom": "Nickname", "Société": "Company", "Service": "Department",
    "Profession": "Profession",
    "Rue (bureau)": "Business Street", "Rue (bureau) 2": "Business Street 2", "Rue (bureau) 3": "Business Street 3",
    "Ville (bureau)": "Business City", "Dép/Région (bureau)": "Business State",
    "Code postal (bureau)": "Business Postal Code", "Pays (bureau)": "Business Country/Region",
    "Pays/Région (bureau)": "Business Country/Region",
    "Rue (domicile)": "Home Street", "Rue (domicile) 2": "Home Street 2", "Rue (domicile) 3": "Home Street 3",
    "Ville (domicile)": "Home City", "Dép/Région (domicile)": "Home State",
    "Code postal (domicile)": "Home Postal Code", "Pays (domicile)": "Home Country/Region",
    "Pays/Région (domicile)": "Home Country/Region",
    "Rue (autre)": "Other Street", "Rue (autre) 2": "Other Street 2", "Rue (autre) 3": "Other Street 3",
    "Ville (autre)": "Other City", "Dép/Région (autre)": "Other State", "Code postal (autre)": "Other Postal Code",
    "Pays (autre)": "Other Country/Region", "Pays/Région (autre)": "Other Country/Region",
    "Téléphone de l'assistant(e)": "Assistant's Phone", "Télécopie (bureau)": "Business Fax",
    "Téléphone (bureau)": "Business Phone", "Téléphone 2 (bureau)": "Business Phone 2", "Rappel": "Callback",
    "Téléphone (voiture)": "Car Phone", "Téléphone société": "Company Main Phone",
    "Télécopie (domicile)": "Home Fax", "Téléphone (domicile)": "Home Phone", "Téléphone 2 (domicile)": "Home Phone 2",
    "RNIS": "ISDN", "Tél. mobile": "Mobile Phone", "Télécopie (autre)": "Other Fax", "Téléphone (autre)": "Other Phone",
    "Récepteur de radiomessagerie": "Pager", "Téléphone principal": "Primary Phone",
    "Radio téléphone": "Radio Phone", "Téléphone TDD/TTY": "TTY/TDD Phone", "Télex": "Telex",
    "Adresse de messagerie": "E-mail Address", "Type de messagerie": "E-mail Type",
    "Nom complet de l'adresse de messagerie": "E-mail Display Name",
    "Adresse de messagerie 2": "E-mail 2 Address", "Type de messagerie 2": "E-mail 2 Type",
    "Nom complet de l'adresse de messagerie 2": "E-mail 2 Display Name",
    "Adresse de messagerie 3": "E-mail 3 Address", "Type de messagerie 3": "E-mail 3 Type",
    "Nom complet de l'adresse de messagerie 3": "E-mail 3 Display Name",
    "Anniversaire": "Birthday", "Anniversaire de mariage ou fête": "Anniversary",
    "Autre boîte postale": "Other Address PO Box", "B.P. professionnelle": "Business Address PO Box",
    "Boîte postale du domicile": "Home Address PO Box", "Bureau": "Office Location", "Catégories": "Categories",
    "Code gouvernement": "Government ID Number", "Compte": "Account", "Conjoint(e)": "Spouse",
    "Critère de diffusion": "Sensitivity", "Disponibilité Internet": "Internet Free Busy", "Emplacement": "Location",
    "Enfants": "Children", "Informations facturation": "Billing Information", "Initiales": "Initials",
    "Kilométrage": "Mileage", "Langue": "Language", "Mots clés": "Keywords",
    "Nom de l'assistant(e)": "Assistant's Name", "Notes": "Notes",
    "Numéro d'identification de l'organisation": "Organizational ID Number", "Page Web": "Web Page",
    "Passe-temps": "Hobby", "Priorité": "Priority", "Privé": "Private", "Recommandé par": "Referred By",
    "Responsable": "Manager's Name", "Serveur d'annuaire": "Directory Server", "Sexe": "Gender",
    "Utilisateur 1": "User 1", "Utilisateur 2": "User 2", "Utilisateur 3": "User 3", "Utilisateur 4": "User 4",
}

# Names every Outlook export in that language has: a header naming none is not that Outlook's.
_OUTLOOK_NAMES = {"de": ("Vorname", "Nachname", "E-Mail-Adresse", "Firma"),
                  "fr": ("Prénom", "Adresse de messagerie", "Société", "Tél. mobile")}
_OUTLOOK = {"de": OUTLOOK_DE, "fr": OUTLOOK_FR}
# French Outlook's second `Titre` is the job title (Outlook: Title ... Job Title).
_OUTLOOK_SECOND = {"Titre": "Job Title"}
# Thunderbird's First Name, Last Name, Display Name and Primary Email: a header naming none is not Thunderbird's.
_THUNDERBIRD_KEYS = ("First Name", "Last Name", "Display Name", "Primary Email")
_THUNDERBIRD_FILE = Path(__file__).with_name("data") / "thunderbird_csv_headers.json"

Table = dict[str, list[str]]  # a localised name, casefolded -> the English names it stands for, in column order


def english_header(header: list[str]) -> tuple[str, list[str]] | None:
    """('outlook' or 'thunderbird', the header in English names) for a localised export's header (or
    Thunderbird's English one in other letter case), else None.

    Every language that could have written the header is scored by how many of its names the
    header has; the best wins (a French Thunderbird header shares `Prénom` and `Société` with
    French Outlook's, and German Thunderbird's `Geburtstag` is a day of the month, not a date).
    A name no table knows keeps its own (it is then kept in the card's extra data).
    """
    names = [name.casefold() for name in header]
    best: tuple[int, str, Table] | None = None
    for kind, table, keys in _candidates():
        score = sum(1 for name in names if name in table)
        enough = score >= 2 or (kind == "outlook" and score) or len(names) == 1
        if enough and any(key in names for key in keys) and (best is None or score > best[0]):
            best = (score, kind, table)
    if best is None:
        return None
    _, kind, table = best
    return kind, _translated(header, table)


def english_thunderbird_header(header: list[str]) -> list[str]:
    """A Thunderbird header already read as Thunderbird's in its US English names: British and
    Canadian Thunderbird write some columns in their own English (`Home Post Code`, `Organisation`)."""
    names = [name.casefold() for name in header]
    tables = [table for kind, table, _ in _candidates() if kind == "thunderbird"]
    best = max(tables, key=lambda table: sum(1 for name in names if name in table))
    return _translated(header, best)


def _translated(header: list[str], table: Table) -> list[str]:
    """The header's names in English; a name's n-th column is the n-th English name it stands for."""
    seen: dict[str, int] = {}
    english = []
    for name in header:
        key = name.casefold()
        choices, index = table.get(key, []), seen.get(key, 0)
        english.append(choices[index] if index < len(choices) else name)
        seen[key] = index + 1
    return english


@functools.cache
def _candidates() -> tuple[tuple[str, Table, tuple[str, ...]], ...]:
    """(kind, table, names one of which the header must have) for every language an export may be in."""
    candidates = []
    for language, outlook in _OUTLOOK.items():
        table: Table = {}
        for name, english in outlook.items():
            table[name.casefold()] = [english] + ([_OUTLOOK_SECOND[name]] if name in _OUTLOOK_SECOND else [])
        keys = tuple(name.casefold() for name in _OUTLOOK_NAMES[language])
        candidates.append(("outlook", table, keys))
    data = json.loads(_THUNDERBIRD_FILE.read_text(encoding="utf-8"))
    # English too: Thunderbird's importer reads `primary email` as `Primary Email`.
    for names in [data["english"], *data["locales"].values()]:
        table = {}
        for name, english in zip(names, data["english"], strict=True):
            table.setdefault(name.casefold(), []).append(english)
        keys = tuple(name.casefold() for name, english in zip(names, data["english"]) if english in _THUNDERBIRD_KEYS)
        candidates.append(("thunderbird", table, keys))
    return tuple(candidates)
