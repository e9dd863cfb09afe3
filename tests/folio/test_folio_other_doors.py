"""Cards written through every other door are valid FOLIO records: GET, PUT back unchanged -> 204.

The rules come from the schemas RMB validates a PUT against (raml-util `metadata.schema`: user
ids; acq-models `url.json`: the URL pattern; acq-models `uuid.json`: ids). A card another door
wrote may hold what those refuse (the CLI seed's user `seed`, a vCard's `URL:www.example.com`, a
UUIDv7 UID); FOLIO's view must still be a record FOLIO accepts back, and the PUT of that view
must leave every other door's data exactly as it was.
"""
from __future__ import annotations

import json
import re

import pytest

from services import contacts as cards
from tests.io.io_support import run

PREFIX = "/organizations-storage/contacts"
INCOPLAX = "/rest/v1/addressbook"
USER_ID = re.compile(r"[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}")
URL_RULE = re.compile(r"(?:[Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])[Ss]?://[^\n\r\u0085\u2028\u2029]+")
FOLIO_USER = "28d0fb04-d137-11e8-a8d5-f2801f1b9fd1"

VCARDS = """BEGIN:VCARD
VERSION:3.0
UID:01890a5d-ac96-774b-bcce-b302099a8057
N:Lovelace;Ada;;;
FN:Ada Lovelace
TEL;TYPE=WORK,VOICE,PREF:+44 20 7946 0100
EMAIL;TYPE=INTERNET,HOME:ada@home.example
ADR;TYPE=HOME:;;Ockham Park;Ockham;Surrey;GU23 6NL;United Kingdom
URL;TYPE=WORK:www.example.com
URL:mailto:ada@engines.example
CATEGORIES:Friends,Scientists
END:VCARD
BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:0c6f3e0a-8d47-4f0e-b1f2-5a9d3c7e2b44
FN:Grace Hopper
N:Hopper;Grace;;;
URL:HTTPS://Navy.example/grace
URL:ftp://files.example
END:VCARD
"""
CSV = ("Name,Given Name,Family Name,Website 1 - Type,Website 1 - Value,Phone 1 - Type,Phone 1 - Value\n"
       "Alan Turing,Alan,Turing,Work,bletchley.example/alan,Mobile,+44 161 496 0000\n")


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


JSONL = _jsonl([
    {"type": "meta", "format": "contacts-jsonl", "version": 1},
    {"type": "contact", "id": "5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10", "display_name": "Imported Person",
     "given_name": "Imported", "family_name": "Person", "created_by": "alice", "updated_by": "import job 7",
     "urls": [{"value": "example.org/about", "type": "work", "label": "About"}, {"value": ""},
              {"value": "http://line\nbreak.example"}, {"value": " https://padded.example "},
              {"value": "ftp://a\u2028b\u0085c\rd"}, {"value": "\t\n"}]},
])


@pytest.fixture
def h(auth, quiet_access_log):
    return {**auth, "X-Okapi-Tenant": "diku", "X-Okapi-User-Id": FOLIO_USER}


def _ids_from_other_doors(client, auth, database_url, tmp_path) -> list[str]:
    """Cards written by Incoplax, Niagara, the CLI seed, vCard/CSV/JSONL import and MPDX's import."""
    ids = []
    group = client.post(f"{INCOPLAX}/contactgroups", headers=auth, json={"name": "Team", "code": "team"})
    assert group.status_code == 200, group.data
    r = client.post(f"{INCOPLAX}/contacts", headers=auth, json={
        "displayname": "Dr. Jane Quincy Public Jr.", "number": "5551234", "mobile": "5559999",
        "email": "jane@example.org", "opts": {"groups": ["team"]}})
    assert r.status_code == 200, r.data
    ids.append(r.json["id"])
    r = client.post("/contacts", headers=auth, json={"label": "Major", "name": "Major Samantha Carter",
                                                     "email": "s.carter@sg1.com", "phone": "518-867-5309"})
    assert r.status_code == 200, r.data
    ids.append(r.json["contact_id"])
    before = {card["id"] for card in _all_cards()}
    assert _cli("seed", "--count", "3", "--seed", "19", database_url=database_url).exit_code == 0
    for name, text in (("cards.vcf", VCARDS), ("cards.csv", CSV), ("cards.jsonl", JSONL)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = _cli("import", str(path), database_url=database_url)
        assert result.exit_code == 0, (result.stdout, result.stderr)
    ids += sorted({card["id"] for card in _all_cards()} - before)
    # MPDX's import: a status and an account list on the Incoplax card
    document = {"organizations": [{"id": "6f1e1c8e-6c0a-4b8c-9f83-2f0e9f1c1a01", "name": "Cru"}],
                "account_lists": [{"id": "1b7a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Smith family",
                                   "organizations": ["6f1e1c8e-6c0a-4b8c-9f83-2f0e9f1c1a01"]}],
                "contacts": [{"id": ids[0], "account_list": "1b7a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                              "status": "Call for Appointment"}]}
    path = tmp_path / "mpdx.json"
    path.write_text(json.dumps(document))
    assert _cli("mpdx", "import", str(path), database_url=database_url).exit_code == 0
    assert len(ids) == 2 + 3 + 2 + 1 + 1  # Incoplax, Niagara, seed, vCard, CSV, JSONL
    return ids


def _cli(*args: str, database_url: str):
    """`contacts ARGS` in-process; then the app's store gets FOLIO's SQL functions back (the
    CLI reopens the store without them: it serves no FOLIO search)."""
    from models.connect import database
    from schemas.folio import array_text
    from services.setup import install

    result = run(*args, "--database-url", database_url)
    install(database.obj, folio_array_text=array_text)
    return result


def _all_cards() -> list[dict]:
    from services.io.canonical import iter_cards

    return list(iter_cards())


def _without_folio(card: dict) -> dict:
    """A card as the other doors see it: FOLIO's own notes and the update stamp left out."""
    out = {key: value for key, value in card.items() if key not in ("version", "updated", "updated_by")}
    out["extra"] = {key: value for key, value in (card.get("extra") or {}).items() if key != "folio"} or None
    for kind in ("emails", "phones", "addresses", "urls"):
        rows = []
        for row in card[kind]:
            row = dict(row)
            extra = {key: value for key, value in (row.get("extra") or {}).items() if key != "folio"}
            row["extra"] = extra or None
            rows.append(row)
        out[kind] = rows
    return out


def _assert_valid_folio_record(record: dict) -> None:
    for key in ("createdByUserId", "updatedByUserId"):
        assert key not in record["metadata"] or USER_ID.fullmatch(record["metadata"][key]), record["metadata"]
    for url in record["urls"]:
        assert url["value"] == "" or URL_RULE.fullmatch(url["value"]), url


def test_every_other_door_round_trips_through_a_folio_put(client, auth, h, database_url, tmp_path):
    ids = _ids_from_other_doors(client, auth, database_url, tmp_path)
    incoplax_before = client.get(f"{INCOPLAX}/contacts/{ids[0]}", headers=auth).json
    niagara_before = client.get(f"/contacts/{ids[1]}", headers=auth).json
    vcard_before = _export_vcards(database_url, tmp_path / "before.vcf")
    for contact_id in ids:
        before = _without_folio(cards.get_card(contact_id))
        got = client.get(f"{PREFIX}/{contact_id}", headers=h)
        assert got.status_code == 200, (contact_id, got.data)
        record = got.json
        _assert_valid_folio_record(record)
        put = client.put(f"{PREFIX}/{contact_id}", json=record, headers=h)
        assert (put.status_code, put.data) == (204, b""), (contact_id, record, put.data)
        assert _without_folio(cards.get_card(contact_id)) == before, contact_id
        again = client.get(f"{PREFIX}/{contact_id}", headers=h).json
        assert {k: v for k, v in again.items() if k != "metadata"} == {
            k: v for k, v in record.items() if k != "metadata"}, contact_id
        # the PUT itself was made by a UUID-shaped user
        assert again["metadata"]["updatedByUserId"] == FOLIO_USER
    incoplax_after = client.get(f"{INCOPLAX}/contacts/{ids[0]}", headers=auth).json
    assert {k: v for k, v in incoplax_after.items() if k not in ("ext",)} == {
        k: v for k, v in incoplax_before.items() if k not in ("ext",)}
    niagara_after = client.get(f"/contacts/{ids[1]}", headers=auth).json
    assert {k: v for k, v in niagara_after.items() if k != "updated"} == {
        k: v for k, v in niagara_before.items() if k != "updated"}
    vcard_after = _export_vcards(database_url, tmp_path / "after.vcf")
    assert _without_revisions(vcard_after) == _without_revisions(vcard_before)
    assert "URL;TYPE=WORK:www.example.com" in vcard_after


def _export_vcards(database_url: str, path) -> str:
    result = _cli("export", "--format", "vcard3", "--output", str(path), database_url=database_url)
    assert result.exit_code == 0, result.stderr
    return path.read_text(encoding="utf-8")


def _without_revisions(vcards: str) -> str:
    return re.sub(r"\r?\nREV:[^\r\n]*", "", vcards)


def test_the_folio_view_of_foreign_values(client, auth, h, database_url, tmp_path):
    """What FOLIO shows for values its schemas refuse, and what the other doors keep."""
    for name, text in (("cards.vcf", VCARDS), ("cards.jsonl", JSONL)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert _cli("import", str(path), database_url=database_url).exit_code == 0
    assert _cli("seed", "--count", "1", "--seed", "3", database_url=database_url).exit_code == 0
    ada = client.get(f"{PREFIX}/01890a5d-ac96-774b-bcce-b302099a8057", headers=h)
    assert ada.status_code == 200, ada.data
    assert [url["value"] for url in ada.json["urls"]] == [
        "http://www.example.com", "http://mailto:ada@engines.example"]
    grace = client.get(f"{PREFIX}/0c6f3e0a-8d47-4f0e-b1f2-5a9d3c7e2b44", headers=h).json
    assert [url["value"] for url in grace["urls"]] == ["HTTPS://Navy.example/grace", "ftp://files.example"]
    imported = client.get(f"{PREFIX}/5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10", headers=h).json
    assert [url["value"] for url in imported["urls"]] == ["http://example.org/about", "",
                                                          "http://line%0Abreak.example", "https://padded.example",
                                                          "ftp://a%E2%80%A8b%C2%85c%0Dd", ""]
    assert set(imported["metadata"]) == {"createdDate", "updatedDate"}
    seeded = client.get(PREFIX, query_string={"query": "lastName=* not id==5d0b7a52*"}, headers=h).json
    assert seeded["totalRecords"] >= 1
    for record in seeded["contacts"]:
        assert set(record["metadata"]) == {"createdDate", "updatedDate"}, record["metadata"]
    # other doors keep the originals
    stored = cards.get_card("01890a5d-ac96-774b-bcce-b302099a8057")
    assert [row["value"] for row in stored["urls"]] == ["www.example.com", "mailto:ada@engines.example"]
    stored = cards.get_card("5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10")
    assert [row["value"] for row in stored["urls"]][2:4] == ["http://line\nbreak.example", " https://padded.example "]
    assert (cards.get_card("5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10")["created_by"]) == "alice"
    # CQL sees FOLIO's view
    hits = client.get(PREFIX, query_string={"query": 'urls="http://www.example.com"'}, headers=h).json
    assert [r["id"] for r in hits["contacts"]] == ["01890a5d-ac96-774b-bcce-b302099a8057"]
    hits = client.get(PREFIX, query_string={"query": "metadata.createdByUserId==alice"}, headers=h).json
    assert hits["totalRecords"] == 0


def test_a_folio_change_of_a_normalised_url_replaces_the_original(client, auth, h, database_url, tmp_path):
    path = tmp_path / "cards.vcf"
    path.write_text(VCARDS, encoding="utf-8")
    assert _cli("import", str(path), database_url=database_url).exit_code == 0
    contact_id = "01890a5d-ac96-774b-bcce-b302099a8057"
    record = client.get(f"{PREFIX}/{contact_id}", headers=h).json
    record["urls"][0]["value"] = "https://www.example.com/new"
    assert client.put(f"{PREFIX}/{contact_id}", json=record, headers=h).status_code == 204
    assert [row["value"] for row in cards.get_card(contact_id)["urls"]] == [
        "https://www.example.com/new", "mailto:ada@engines.example"]


def test_a_non_uuid_okapi_user_is_not_recorded(client, h):
    """RMB stores any X-Okapi-User-Id and then refuses its own record on PUT (metadata.schema's
    pattern): we record only UUID-shaped users, so the GET-PUT round trip succeeds."""
    r = client.post(PREFIX, json={"firstName": "a", "lastName": "b"}, headers={**h, "X-Okapi-User-Id": "not-a-uuid"})
    assert r.status_code == 201
    assert set(r.json["metadata"]) == {"createdDate", "updatedDate"}
    record = client.get(f"{PREFIX}/{r.json['id']}", headers=h).json
    assert client.put(f"{PREFIX}/{record['id']}", json=record, headers=h).status_code == 204


def test_cql_matches_the_folio_view_of_foreign_values(client, auth, h, database_url, tmp_path):
    """`field==<jsonb text of the served record>` finds the record on both engines (SQLite builds
    the text in Python, PostgreSQL in SQL: services.folio.view keeps the two rules together)."""
    from schemas.folio import pg_jsonb_text
    from tests.folio.test_cql_folio import _cql_literal

    path = tmp_path / "cards.jsonl"
    path.write_text(JSONL, encoding="utf-8")
    assert _cli("import", str(path), database_url=database_url).exit_code == 0
    group = client.post(f"{INCOPLAX}/contactgroups", headers=auth, json={"name": "Team", "code": "team"}).json
    r = client.post(PREFIX, headers=h, json={
        "firstName": "Verbatim", "lastName": "Categories",
        "categories": ["ABC", "abc", None, "x" * 65, "", "ABC", "Zoë"],
        "urls": [{"value": "https://x.example", "categories": ["Q", "q", None]}]})
    assert r.status_code == 201, r.data
    verbatim = r.json
    # another door adds the card to a group: FOLIO shows it after the categories sent
    changed = client.patch(f"{INCOPLAX}/contactgroups/{group['id']}", headers=auth,
                         json={"opts": {"abonents": [client.get(f"{INCOPLAX}/contacts/{verbatim['id']}",
                                                                headers=auth).json["autokey"]]}})
    assert changed.status_code == 200, changed.data
    records = client.get(PREFIX, query_string={"limit": 100}, headers=h).json["contacts"]
    shown = {record["id"]: record for record in records}
    assert shown[verbatim["id"]]["categories"] == ["ABC", "abc", None, "x" * 65, "", "ABC", "Zoë", group["id"]]
    for record in records:
        for field in ("categories", "urls"):
            query = f"{field}=={_cql_literal(pg_jsonb_text(record[field]))}"
            hits = client.get(PREFIX, query_string={"query": query}, headers=h).json
            assert record["id"] in [hit["id"] for hit in hits["contacts"]], (query, hits)
    hits = client.get(PREFIX, query_string={"query": 'categories="abc"'}, headers=h).json
    assert [hit["id"] for hit in hits["contacts"]] == [verbatim["id"]]
