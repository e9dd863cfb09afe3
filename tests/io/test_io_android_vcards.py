"""Android's own vCard test files (tests/data/io/real/aosp-*.vcf) read as Android's importer reads them.

The expectations are those of AOSP's VCardImporterTests and VCardImporterNestTests for the
same files; where the canonical card cannot hold what Android keeps, the test says so.
"""
from __future__ import annotations

import os

from services.io.vcard import card_from_vcard

from .io_support import DATA, all_cards, card_named, run, summary


def _aosp(name: str) -> str:
    return os.path.join(DATA, "real", f"aosp-{name}.vcf")


def _import(path, database_url):
    return run("import", str(path), "--database-url", database_url)


def _phones(card: dict) -> list[str]:
    return [row["value"] for row in card["phones"]]


def test_nested_cards_are_cards_of_their_own_and_the_outer_card_keeps_its_lines_after_them(app, database_url):
    """v21_nest.vcf: nest1 and nest2 inside parent; parent's TEL:1 comes after them."""
    result = _import(_aosp("v21_nest"), database_url)
    assert summary(result) == "imported 3, updated 0, skipped 0, failed 0, warnings 0"
    # Android's order: the nested cards first, the parent when it ends.
    assert [c["display_name"] for c in all_cards()] == ["nest1", "nest2", "parent"]
    assert _phones(card_named("parent")) == ["1"]
    assert _phones(card_named("nest1")) == [] and _phones(card_named("nest2")) == []


def test_one_vcard_read_alone_is_the_outer_card_when_another_is_nested_in_it():
    """What the CardDAV door reads from a PUT body with a card nested in it."""
    with open(_aosp("v21_nest"), encoding="utf-8") as handle:
        card, warnings = card_from_vcard(handle.read())
    assert card["family_name"] == "parent"  # the display name is joined from N when stored
    assert [row["value"] for row in card["phones"]] == ["1"]
    assert warnings == ["line 4: more than one vCard: only the first is read"]


def test_cards_that_never_end_are_all_kept_and_memory_holds_two_at_a_time(app, database_url, tmp_path):
    """A writer that forgot END:VCARD: each BEGIN inside two open cards ends the inner one."""
    path = tmp_path / "no-ends.vcf"
    path.write_text("".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {n}\r\nTEL:{n}\r\n" for n in range(1, 6)),
                    encoding="utf-8")
    result = _import(path, database_url)
    assert summary(result) == "imported 5, updated 0, skipped 0, failed 0, warnings 5"
    assert result.stderr.count("the card has no END:VCARD") == 5
    # The outermost card is ended by the end of the file, after the others.
    assert [c["display_name"] for c in all_cards()] == ["Card 2", "Card 3", "Card 4", "Card 5", "Card 1"]
    assert [_phones(card_named(f"Card {n}")) for n in range(1, 6)] == [[str(n)] for n in range(1, 6)]


def test_a_line_starting_with_a_hash_is_a_comment_even_after_a_multi_line_note(app, database_url):
    """v21_invalid_comment_line.vcf: both '#' lines ignored, the quoted-printable NOTE whole."""
    path = _aosp("v21_invalid_comment_line")
    result = _import(path, database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 2"
    assert f"{path}: card 1 (line 1): warning: line 6 is a comment ('#'), dropped: '# This line must be ignored.'" \
        in result.stderr
    assert f"{path}: card 1 (line 1): warning: line 9 is a comment ('#'), dropped: " \
           "'# This line must be ignored too.'" in result.stderr
    card = card_named("Conference Call")
    assert card["given_name"] == "Conference Call"
    assert card["notes"] == "This is an (sharp ->#<- sharp) example. This message must NOT be ignored."


def test_a_2_1_card_named_only_by_androids_nickname_line_is_named_by_it(app, database_url):
    """v21_im.vcf: X-ANDROID-CUSTOM nickname and X-GOOGLE-TALK; both lines kept verbatim."""
    result = _import(_aosp("v21_im"), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Nick")
    assert (card["given_name"], card["family_name"]) == ("", "")
    assert card["extra"]["vcard"]["props"] == [
        "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;Nick;1;;;;;;;;;;;;;",
        "X-GOOGLE-TALK:hhh@gmail.com"]


def test_a_card_with_only_a_number_is_named_by_it_in_vcard_and_csv(app, database_url, tmp_path):
    vcf = tmp_path / "number.vcf"
    vcf.write_text("BEGIN:VCARD\r\nVERSION:2.1\r\nN:;;;;\r\nTEL;CELL: +1 202 555 0143 \r\nEND:VCARD\r\n",
                   encoding="utf-8")
    csv = tmp_path / "number.csv"
    csv.write_text("Name,Given Name,Family Name,Phone 1 - Type,Phone 1 - Value\r\n,,,Mobile,+44 20 7946 0100\r\n",
                   encoding="utf-8")
    assert summary(_import(vcf, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert summary(_import(csv, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert _phones(card_named("+1 202 555 0143")) == ["+1 202 555 0143"]
    assert _phones(card_named("+44 20 7946 0100")) == ["+44 20 7946 0100"]


def test_a_card_of_androids_custom_lines_alone_has_nothing_to_name_it_and_fails(app, database_url, tmp_path):
    """v21_android_custom_prop.vcf (not among the real files: it has no name, number or email)."""
    path = tmp_path / "v21_android_custom_prop.vcf"
    path.write_text("BEGIN:VCARD\nX-ANDROID-CUSTOM:custom_mime1;1;2;3;4;5;6;7;8;9;10;11;12;13;14;15\n"
                    "X-ANDROID-CUSTOM:custom_mime3\nEND:VCARD\n", encoding="utf-8")
    result = _import(path, database_url)
    assert summary(result) == "imported 0, updated 0, skipped 0, failed 1, warnings 0"
    assert f"{path}: card 1 (line 1): card has no name: no FN, N, ORG, nickname, email or phone" in result.stderr
    assert all_cards() == []


def test_every_unit_of_org_below_the_organisation_is_the_department(app, database_url):
    """v21_org_before_title.vcf: ORG:Company;Organization;Devision;Room;Sheet No."""
    assert summary(_import(_aosp("v21_org_before_title"), database_url)) == \
        "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Normal Guy")
    assert (card["extra"]["vcard"]["org"], card["department"], card["job_title"]) == \
        ("Company", "Organization Devision Room Sheet No.", "Excellent Janitor")
