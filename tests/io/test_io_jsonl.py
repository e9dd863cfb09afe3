"""The project's JSON Lines format: lossless round trips, the bulk path, bad lines, the registry, seed."""
from __future__ import annotations

import json

import pytest

from services import contacts, groups, search
from services.io import jsonl
from services.io.seed import MPDX_STATUSES

from .io_support import INCOPLAX, all_cards, fresh_database_url, run, summary, use_database


def _store_everything(app) -> None:
    """Cards and groups using every column: extra, lock, status, versions, child rows' columns."""
    with app.app_context():
        friends = groups.create_group({"code": "friends", "name": "Friends", "shortname": "fr", "title": "Pals",
                                       "comment": "close ones", "priority": 5, "extra": {"ext": {"color": "red"}}})
        board = groups.create_group({"code": "board", "name": "Board"})
        from models.mpdx import AccountList

        team = AccountList.create(id="0b9f8c2e-5d1a-4c3b-9e7f-111111111111", name="Team")
        card = contacts.create_card({
            "display_name": "Dr. Juan Q. Xavier de la Vega III", "label": "VIP", "department": "Board",
            "job_title": "Chair", "title": "Mr.", "notes": "line one\nline two", "language": "es",
            "photo": "https://example.org/juan.jpg", "inactive": True, "status": "Partner - Financial",
            "priority": 2, "account_list_id": team.autokey, "extra": {"niagara": {"foo": [1, 2]}, "incoplax": {"roomnum": "12"}},
            "emails": [{"value": "Juan@Example.org", "type": "work", "label": "office", "slot": "email2",
                        "language": "es", "description": "main", "categories": ["a", "b"],
                        "extra": {"folio": {"x": 1}}},
                       {"value": "juan@home.example", "is_primary": True}],
            "phones": [{"value": "+34 600 000 001", "type": "mobile", "slot": "mobile2"},
                       {"value": "+34 910 000 000", "type": "office", "is_primary": True, "slot": "number"}],
            "addresses": [{"type": "work", "line1": "Calle Mayor 1", "line2": "2B", "city": "Madrid",
                           "region": "M", "postal_code": "28013", "country": "ES", "is_primary": True}],
            "urls": [{"value": "https://juan.example", "notes": "blog", "type": "home"}],
            "groups": [board["autokey"], friends["autokey"]],
        }, user="alice")
        contacts.update_card(card["id"], {"notes": "changed"}, user="bob")
        contacts.set_locked(card["id"], True)
        contacts.create_card({"display_name": "Plain Card", "phones": [{"value": "100"}]})


def _export(database_url: str, path) -> list[dict]:
    result = run("export", "--output", str(path), "--database-url", database_url)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_round_trip_keeps_everything(app, database_url, tmp_path):
    _store_everything(app)
    first = _export(database_url, tmp_path / "a.jsonl")
    meta = first[0]
    assert (meta["type"], meta["format"], meta["version"]) == ("meta", "contacts-jsonl", 1)
    assert meta["record_types"] == [rt.name for rt in jsonl.record_types()]
    assert meta["record_types"].index("group") < meta["record_types"].index("contact")
    assert [r["type"] for r in first[1:]] == ["mpdx_account_list", "group", "group", "contact", "contact"]
    juan = first[4]
    assert juan["account_list"] == "0b9f8c2e-5d1a-4c3b-9e7f-111111111111" and "account_list_id" not in juan
    assert (juan["version"], juan["locked"], juan["created_by"], juan["updated_by"], juan["notes"]) == (
        3, True, "alice", "bob", "changed")
    assert juan["groups"] == [first[3]["id"], first[2]["id"]]  # the card's order: board, friends
    assert juan["emails"][0] == {"type": "work", "label": "office", "slot": "email2", "is_primary": False,
                                 "language": "es", "description": "main", "categories": ["a", "b"],
                                 "extra": {"folio": {"x": 1}}, "value": "Juan@Example.org"}
    assert juan["created"].endswith("Z") and juan["created"] != juan["updated"]

    with app.app_context():
        before = all_cards()
    other = fresh_database_url(tmp_path, "other")
    result = run("import", str(tmp_path / "a.jsonl"), "--database-url", other)
    assert result.exit_code == 0
    assert summary(result) == "imported 5, updated 0, skipped 0, failed 0, warnings 0"
    use_database(other)
    assert all_cards() == before  # autokeys, timestamps, versions, children, groups: all the same
    second = _export(other, tmp_path / "b.jsonl")
    assert second[1:] == first[1:]


def test_bulk_import_stores_cards_exactly_as_the_service_does(app, database_url, tmp_path):
    with app.app_context():
        group = groups.create_group({"code": "g", "name": "G"})
    data = {
        "display_name": "Dr. Juan Q. Xavier de la Vega III",
        "emails": [{"value": "A@X.org"}, {"value": "b@x.org", "is_primary": True}],
        "phones": [{"value": "555 1", "type": "mobile"}, {"value": "555 2", "is_primary": True}],
        "addresses": [{"city": "Lima"}], "urls": [{"value": "https://x.org"}, {"value": "https://y.org"}],
    }
    with app.app_context():
        by_service = contacts.create_card({**data, "groups": [group["autokey"]]})
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"type": "contact", "id": "5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10", **data,
                                "groups": [group["id"]]}) + "\n", encoding="utf-8")
    assert summary(run("import", str(path), "--database-url", database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    by_bulk = contacts.get_card("5d0b7a52-51c4-4d6e-9b8c-3f1f0a2e6d10")
    skip = {"id", "autokey", "created", "updated"}
    assert {k: v for k, v in by_bulk.items() if k not in skip} == {k: v for k, v in by_service.items() if k not in skip}
    assert (by_bulk["given_name"], by_bulk["family_name"], by_bulk["suffix"]) == ("Juan", "de la Vega", "III")
    assert by_bulk["version"] == 1
    assert search.match_autokeys(search.Term("vega")) == [by_service["autokey"], by_bulk["autokey"]]


def test_bad_lines_are_reported_and_the_rest_imported(app, database_url, tmp_path):
    good = {"type": "contact", "id": "11111111-1111-4111-8111-111111111111", "display_name": "Good One"}
    lines = [
        json.dumps({"type": "meta", "format": "contacts-jsonl", "version": 1}),
        "{not json",
        "[1, 2]",
        json.dumps({"type": "spaceship", "id": "x"}),
        json.dumps({**good, "nickname": "x"}),
        json.dumps({**good, "version": "3"}),
        json.dumps({"type": "contact", "display_name": "No Id"}),
        json.dumps({**good, "groups": ["no-such-group"]}),
        json.dumps({**good, "emails": [{"type": "work"}]}),
        "",
        json.dumps(good),
        json.dumps({**good, "display_name": "Same Id Again"}),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert result.exit_code == 1
    assert summary(result) == "imported 1, updated 0, skipped 1, failed 8, warnings 0"
    problems = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert problems[0].startswith("line 2: not valid JSON: ")
    assert problems[1:] == [
        "line 3: a line must be a JSON object",
        f"line 4: unknown record type 'spaceship' (known: {', '.join(sorted(rt.name for rt in jsonl.record_types()))})",
        "line 5: unknown field nickname",
        "line 6: version must be an integer",
        "line 7: id is required",
        "line 8: unknown group id(s): no-such-group",
        "line 9: emails[0].value is required",
        "line 12: skipped: a contact with id 11111111-1111-4111-8111-111111111111 already exists",
    ]
    assert [c["display_name"] for c in all_cards()] == ["Good One"]


def test_reimport_skips_what_is_stored(app, database_url, tmp_path):
    _store_everything(app)
    _export(database_url, tmp_path / "a.jsonl")
    result = run("import", str(tmp_path / "a.jsonl"), "--database-url", database_url)
    assert result.exit_code == 0
    assert summary(result) == "imported 0, updated 0, skipped 5, failed 0, warnings 0"  # an account list, 2 groups, 2 cards


def test_batches_and_keyset_export(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr("services.io.canonical.EXPORT_BATCH", 2)  # several keyset pages for 5 cards
    path = tmp_path / "five.jsonl"
    path.write_text("".join(json.dumps({"type": "contact", "id": f"00000000-0000-4000-8000-00000000000{i}",
                                        "display_name": f"Person {i}", "phones": [{"value": f"10{i}"}]}) + "\n"
                            for i in range(5)), encoding="utf-8")
    result = run("import", str(path), "--batch-size", "2", "--database-url", database_url)
    assert summary(result) == "imported 5, updated 0, skipped 0, failed 0, warnings 0"
    records = _export(database_url, tmp_path / "out.jsonl")
    assert [r["display_name"] for r in records[1:]] == [f"Person {i}" for i in range(5)]
    assert [r["autokey"] for r in records[1:]] == [1, 2, 3, 4, 5]


def test_imported_autokeys_are_kept_when_free(app, client, auth, database_url, tmp_path):
    path = tmp_path / "keys.jsonl"
    path.write_text(json.dumps({"type": "contact", "id": "22222222-2222-4222-8222-222222222222", "autokey": 40,
                                "display_name": "Forty", "phones": [{"value": "4040"}]}) + "\n", encoding="utf-8")
    run("import", str(path), "--database-url", database_url)
    r = client.get(f"{INCOPLAX}/22222222-2222-4222-8222-222222222222", headers=auth)
    assert (r.status_code, r.json["autokey"], r.json["number"]) == (200, 40, "4040")
    # The server's next card comes after the imported key.
    r = client.post(INCOPLAX, json={"displayname": "Next", "number": "41"}, headers=auth)
    assert r.json["autokey"] == 41


class _NoteImporter:
    stored: list = []

    def __init__(self, context):
        self.context = context

    def add(self, record, position):
        self.stored.append((position, record))
        self.context.report.imported += 1

    def flush(self):
        pass


@pytest.fixture
def note_type():
    """A record type plugged in through the registry, as other tables will be."""
    _NoteImporter.stored = []
    record_type = jsonl.register(jsonl.RecordType(
        "note", 50, lambda: iter([{"id": "n1", "text": "hello"}]), _NoteImporter))
    yield record_type
    jsonl._REGISTRY.pop("note")


def test_registered_record_types_are_exported_and_imported(app, database_url, tmp_path, note_type):
    records = _export(database_url, tmp_path / "notes.jsonl")
    assert records[0]["record_types"][-1] == "note" and "contact" in records[0]["record_types"]
    assert records[1:] == [{"type": "note", "id": "n1", "text": "hello"}]
    result = run("import", str(tmp_path / "notes.jsonl"), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert _NoteImporter.stored == [("line 2", {"id": "n1", "text": "hello"})]


def test_seed_makes_realistic_cards(app, client, auth, database_url):
    result = run("seed", "--count", "30", "--seed", "7", "--database-url", database_url)
    assert result.exit_code == 0
    assert summary(result) == "imported 30, updated 0, skipped 0, failed 0, warnings 0"
    cards = all_cards()
    assert len(cards) == 30
    assert all(c["emails"] and c["phones"] and c["addresses"] for c in cards)
    assert all(c["status"] in MPDX_STATUSES for c in cards)
    assert all(c["display_name"] and c["given_name"] and c["family_name"] for c in cards)
    assert all(c["primary_phone"] == next(p["value"] for p in c["phones"] if p["is_primary"]) for c in cards)
    assert {g["name"] for c in cards for g in c["groups"]} <= {
        "Friends", "Family", "Colleagues", "Donors", "Prayer partners", "Board", "Volunteers", "VIP"}
    assert any(c["groups"] for c in cards)
    r = client.get(INCOPLAX, headers=auth)
    assert len(r.json) == 30
    # The same seed gives the same cards.
    again = run("seed", "--count", "30", "--seed", "7", "--database-url", database_url)
    assert summary(again) == "imported 0, updated 0, skipped 30, failed 0, warnings 0"


def test_an_export_joins_the_groups_of_the_same_code_already_stored(app, database_url, tmp_path):
    with app.app_context():
        friends = groups.create_group({"code": "friends", "name": "Friends here"})
    lines = [{"type": "group", "id": "from-elsewhere", "code": "friends", "name": "Friends there"}]
    lines += [{"type": "contact", "id": f"friend-{n}", "display_name": f"Friend {n}", "groups": ["from-elsewhere"]}
              for n in range(3)]
    path = tmp_path / "other-store.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert result.exit_code == 0, result.stderr
    assert summary(result) == "imported 3, updated 0, skipped 1, failed 0, warnings 0"
    assert "a group with code 'friends' already exists; its cards join it" in result.stderr
    with app.app_context():
        assert len(groups.get_group(friends["id"])["members"]) == 3
        assert [g["code"] for g in groups_of_all()] == ["friends"]


def groups_of_all() -> list[dict]:
    from models import ContactGroup

    return list(ContactGroup.select().dicts())


def test_a_nul_in_a_cards_json_is_kept_on_sqlite_refused_on_postgresql_and_folio_still_answers(
        app, database_url, tmp_path):
    from app import create_app
    from config import Config
    from models.connect import is_sqlite

    lines = [
        {"type": "meta", "format": "contacts-jsonl", "version": 1},
        {"type": "contact", "id": "21111111-1111-4111-8111-111111111111", "display_name": "Nul In Extra",
         "extra": {"vcard": {"version": "3.0", "props": ["X-FOO:a\u0000b"]}}},
        # a backslash, then "u0000": no NUL, stored on every database
        {"type": "contact", "id": "21111111-1111-4111-8111-111111111112", "display_name": "Backslash U",
         "extra": {"niagara": {"note": "a\\u0000b"}}},
    ]
    path = tmp_path / "nul.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    cards = {c["display_name"]: c for c in all_cards()}
    if is_sqlite():  # SQLite stores a NUL in any text, and its JSON functions read the escape
        assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
        assert cards["Nul In Extra"]["extra"] == {"vcard": {"version": "3.0", "props": ["X-FOO:a\x00b"]}}
    else:  # PostgreSQL's jsonb refuses it: one such card would fail FOLIO's queries for every card
        assert summary(result) == "imported 1, updated 0, skipped 0, failed 1, warnings 0"
        assert f"{path}: line 2: PostgreSQL JSON cannot contain NUL (\\u0000) characters" in result.stderr
        assert "Nul In Extra" not in cards
    assert cards["Backslash U"]["extra"] == {"niagara": {"note": "a\\u0000b"}}
    served = create_app(Config(database_url=database_url, auth=False)).test_client()  # as `contacts serve` would
    r = served.get("/organizations-storage/contacts?query=categories%3Dx", headers={"X-Okapi-Tenant": "diku"})
    assert (r.status_code, r.json["totalRecords"]) == (200, 0)
