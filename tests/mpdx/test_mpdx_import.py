"""`contacts mpdx import|export`: organizations, account lists and contact assignments, seen over HTTP."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import cli
from tests.mpdx.test_mpdx_helpers import (  # noqa: F401 - `mpdx` is a fixture
    LIST_A,
    LIST_AB,
    ORG_A,
    ORG_B,
    UNASSIGNED,
    mpdx,
)


def _run(database_url: str, *args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["mpdx", *args, "--database-url", database_url], input=stdin)


def _document(card_id: str) -> dict:
    return {
        "organizations": [{"id": ORG_A, "name": "Cru"}, {"id": ORG_B, "name": "Navigators"}],
        "account_lists": [{"id": LIST_AB, "name": "Smith family", "organizations": [ORG_A, ORG_B]}],
        "contacts": [{"id": card_id, "account_list": LIST_AB, "status": "Call for Appointment"}],
    }


def test_import_assigns_and_http_shows_it(mpdx, database_url, tmp_path):
    card = mpdx.card(given_name="Hal", family_name="Nikolaus")
    path = tmp_path / "mpdx.json"
    path.write_text(json.dumps(_document(card["id"])))
    result = _run(database_url, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 2 organization(s), 1 account list(s), 1 contact assignment(s)\n"
    # Data on stdout; stderr names the database (a file path, or the URL without its password).
    named = str(tmp_path / "contacts.db") if database_url.startswith("sqlite") else database_url.replace(
        ":contacts@", ":***@")
    assert result.stderr == f"database: {named}\n"
    body = mpdx.get(f"/{card['id']}", {"include": "account_list,account_list.organizations"}).get_json()
    assert body["data"]["relationships"]["account_list"]["data"] == {"id": LIST_AB, "type": "account_lists"}
    names = {item["id"]: item["attributes"]["name"] for item in body["included"]}
    assert names == {LIST_AB: "Smith family", ORG_A: "Cru", ORG_B: "Navigators"}
    # The legacy status is stored as MPDX rewrites it.
    assert mpdx.ids({"filter[status]": "Contact for Appointment"}) == [card["id"]]
    assert mpdx.ids({"filter[organization_id]": ORG_B}) == [card["id"]]


def test_export_round_trips(mpdx, database_url):
    card = mpdx.card(display_name="Ann Lee")
    assert _run(database_url, "import", "-", stdin=json.dumps(_document(card["id"]))).exit_code == 0
    result = _run(database_url, "export")
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    expected = _document(card["id"])
    expected["contacts"][0]["status"] = "Contact for Appointment"
    assert exported == expected
    assert _run(database_url, "import", "-", stdin=result.stdout).exit_code == 0
    assert json.loads(_run(database_url, "export").stdout) == expected


def test_reimport_updates_names_links_and_unassigns(mpdx, database_url):
    card = mpdx.card(display_name="Ann Lee")
    _run(database_url, "import", "-", stdin=json.dumps(_document(card["id"])))
    again = {"account_lists": [{"id": LIST_AB, "name": "Renamed", "organizations": [ORG_A]}],
             "contacts": [{"id": card["id"], "account_list": None, "status": None}]}
    assert _run(database_url, "import", "-", stdin=json.dumps(again)).exit_code == 0
    assert mpdx.ids({"filter[organization_id]": ORG_A}) == []
    body = mpdx.get(f"/{card['id']}").get_json()
    assert body["data"]["relationships"]["account_list"]["data"]["id"] == UNASSIGNED
    assert mpdx.ids({"filter[status]": "null"}) == [card["id"]]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["account_lists"][0]["organizations"].append("no-such-org"),
     "account_lists[0].organizations[2]: no organization no-such-org"),
    (lambda d: d["contacts"][0].update(status="Maybe"), "contacts[0].status: 'Maybe' is not an MPDX status"),
    (lambda d: d["contacts"][0].update(account_list=LIST_A), f"contacts[0].account_list: no account list {LIST_A}"),
    (lambda d: d["contacts"].append({"id": "nobody"}), "contacts[1].id: no contact nobody"),
    (lambda d: d["organizations"][0].update(colour="red"), "organizations[0].colour: Unknown field."),
    (lambda d: d["account_lists"][0].update(id=UNASSIGNED),
     f"account_lists[0].id: {UNASSIGNED} is reserved for the Unassigned account list"),
])
def test_bad_import_writes_nothing(mpdx, database_url, change, message):
    card = mpdx.card(display_name="Ann Lee")
    document = _document(card["id"])
    change(document)
    result = _run(database_url, "import", "-", stdin=json.dumps(document))
    assert result.exit_code == 1
    assert f"Error: nothing imported: {message}" in result.output
    assert json.loads(_run(database_url, "export").stdout) == {"organizations": [], "account_lists": [],
                                                               "contacts": []}


def test_ids_are_unique_across_types(mpdx, database_url):
    card = mpdx.card(display_name="Ann Lee")
    document = {"organizations": [{"id": card["id"], "name": "Clash"}]}
    result = _run(database_url, "import", "-", stdin=json.dumps(document))
    assert result.exit_code == 1
    assert f"organizations[0].id: {card['id']} is already a contact's id" in result.output


def test_malformed_file_is_refused(database_url):
    result = _run(database_url, "import", "-", stdin="{not json")
    assert result.exit_code == 1
    assert "is not valid JSON" in result.output


def test_import_of_a_locked_card_still_assigns_it(mpdx, database_url):
    card = mpdx.card(display_name="Ann Lee")
    mpdx.lock(card["id"])
    assert _run(database_url, "import", "-", stdin=json.dumps(_document(card["id"]))).exit_code == 0
    assert mpdx.ids({"filter[organization_id]": ORG_A}) == [card["id"]]


USER_1 = "0a0a0a0a-0000-4000-8000-0000000000a1"
USER_2 = "0b0b0b0b-0000-4000-8000-0000000000b2"


def _users_document(card_id: str) -> dict:
    document = _document(card_id)
    document["account_lists"][0]["users"] = [
        {"id": USER_1, "first_name": "Olga", "last_name": "Owner",
         "emails": [{"email": "olga@example.org", "primary": True}]},
        {"id": USER_2, "first_name": "Sam", "last_name": "Second", "emails": []},
    ]
    return document


def test_account_list_users_import_export_and_include(mpdx, database_url):
    card = mpdx.card(display_name="Ann Lee")
    document = _users_document(card["id"])
    assert _run(database_url, "import", "-", stdin=json.dumps(document)).exit_code == 0
    exported = json.loads(_run(database_url, "export").stdout)
    assert exported["account_lists"][0]["users"] == [
        {"id": USER_1, "first_name": "Olga", "last_name": "Owner",
         "emails": [{"email": "olga@example.org", "primary": True}]},
        {"id": USER_2, "first_name": "Sam", "last_name": "Second", "emails": []}]
    body = mpdx.get(f"/{card['id']}", {"include": "account_list.account_list_users"}).get_json()
    by_id = {item["id"]: item for item in body["included"]}
    assert by_id[LIST_AB]["relationships"]["account_list_users"] == {"data": [
        {"id": USER_1, "type": "account_list_users"}, {"id": USER_2, "type": "account_list_users"}]}
    user = by_id[USER_1]
    assert user["type"] == "account_list_users"
    assert {k: v for k, v in user["attributes"].items() if not k.endswith("_at")} == {
        "user_email_addresses": [{"email": "olga@example.org", "primary": True, "historic": False}],
        "user_first_name": "Olga", "user_last_name": "Owner"}
    # Replacing the list's users drops the ones not listed; importing the export changes nothing.
    document["account_lists"][0]["users"] = document["account_lists"][0]["users"][1:]
    assert _run(database_url, "import", "-", stdin=json.dumps(document)).exit_code == 0
    again = json.loads(_run(database_url, "export").stdout)
    assert [user["id"] for user in again["account_lists"][0]["users"]] == [USER_2]
    assert _run(database_url, "import", "-", stdin=json.dumps(again)).exit_code == 0
    assert json.loads(_run(database_url, "export").stdout) == again


@pytest.mark.parametrize("user_id, message", [
    (ORG_A, "is already used"),
    (LIST_AB, "is already used"),
    (USER_1, "is already used"),  # listed twice
])
def test_user_ids_are_unique_across_types(mpdx, database_url, user_id, message):
    card = mpdx.card(display_name="Ann Lee")
    document = _users_document(card["id"])
    document["account_lists"][0]["users"][1]["id"] = user_id
    result = _run(database_url, "import", "-", stdin=json.dumps(document))
    assert result.exit_code == 1
    assert message in result.output
