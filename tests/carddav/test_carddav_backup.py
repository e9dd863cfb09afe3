"""A JSON Lines backup keeps CardDAV's resource names: a restored store answers the phone at the same hrefs."""
from __future__ import annotations

import json

from tests.dav_client import basic
from tests.carddav.test_carddav_groups import APPLE_GROUP, GROUP_UID, VCARD, person
from tests.carddav.test_carddav_protocol import BOOK
from tests.io.io_support import fresh_database_url, run, summary, use_database

ADA = "0d8f1a2e-5b7c-4d3e-9f10-2a3b4c5d6e01"
ALAN = "0d8f1a2e-5b7c-4d3e-9f10-2a3b4c5d6e02"


def _export(database_url: str, path) -> list[dict]:
    result = run("export", "--output", str(path), "--database-url", database_url)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_restore_keeps_the_names_phones_chose_and_the_group_resources(dav, client, make_token, database_url,
                                                                        tmp_path):
    assert dav("PUT", BOOK + "Ada Lovelace.vcf", person(ADA, "Ada Lovelace"), VCARD).status_code == 201
    assert dav("PUT", f"{BOOK}{ALAN}.vcf", person(ALAN, "Alan Turing"), VCARD).status_code == 201
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    before = {name: dav("GET", BOOK + name).get_data(as_text=True) for name in ("Ada Lovelace.vcf", "friends.vcf")}
    records = _export(database_url, tmp_path / "backup.jsonl")
    assert [r for r in records if r["type"].startswith("carddav_")] == [
        {"type": "carddav_name", "name": "Ada Lovelace.vcf", "contact": ADA},
        {"type": "carddav_group", "name": "friends.vcf", "group": GROUP_UID,
         "vcard": records[-1]["vcard"]},
    ]
    assert records[-1]["vcard"]["members"] == {ADA: f"urn:uuid:{ADA}", ALAN: f"urn:uuid:{ALAN}"}

    other = fresh_database_url(tmp_path, "restored")
    result = run("import", str(tmp_path / "backup.jsonl"), "--database-url", other)
    assert result.exit_code == 0, result.stderr
    assert summary(result) == "imported 5, updated 0, skipped 0, failed 0, warnings 0"
    use_database(other)
    restored = basic(make_token())  # tokens are not in a backup
    for name, text in before.items():
        got = client.get(BOOK + name, headers=restored)
        assert got.status_code == 200, name
        assert got.get_data(as_text=True) == text
    # Imported again: every name is in use, skipped and named.
    again = run("import", str(tmp_path / "backup.jsonl"), "--database-url", other)
    assert "the CardDAV name 'friends.vcf', or a name for its card or group, is already stored" in again.stderr


def test_a_name_for_a_card_or_group_not_stored_fails_its_line(database_url, tmp_path):
    lines = [{"type": "carddav_name", "name": "x.vcf", "contact": "no-such-card"},
             {"type": "carddav_group", "name": "g.vcf", "group": "no-such-group", "vcard": None},
             {"type": "carddav_name", "name": "", "contact": "c"},
             {"type": "carddav_group", "name": "g.vcf", "group": "g", "vcard": [], "extra": 1}]
    path = tmp_path / "names.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert result.exit_code == 1
    assert summary(result) == "imported 0, updated 0, skipped 0, failed 4, warnings 0"
    for message in ("line 1: refers to unknown contact 'no-such-card'", "line 2: refers to unknown group 'no-such-group'",
                    "line 3: name must be a non-empty string", "line 4: unknown field(s) for carddav_group: extra"):
        assert message in result.stderr
