"""vdirsyncer (a real CardDAV client, from PyPI) syncs a local folder with a live server, both ways.

The server is `contacts serve` (gunicorn); vdirsyncer discovers the address book from the
server's root URL (well-known, principal, home set), then creates, edits and deletes on
each side, and a conflict is resolved by its `conflict_resolution`. Changes on the
server side are made through the other doors (Niagara, FOLIO, Incoplax).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.live_server import LiveServer, request

VDIRSYNCER = Path(sys.executable).parent / "vdirsyncer"


def _vcard(uid: str, fn: str, extra: str = "") -> str:
    given, _, family = fn.partition(" ")
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{family};{given};;;\r\n"
            f"EMAIL;TYPE=INTERNET:{given.lower()}@example.org\r\n{extra}END:VCARD\r\n")


class Sync:
    """A vdirsyncer configuration for a server and a local folder, and its commands."""

    def __init__(self, tmp: Path, base: str, token: str, resolution: str | None) -> None:
        self.local = tmp / "local"
        self.config = tmp / "config"
        (tmp / "status").mkdir(exist_ok=True)
        self.local.mkdir(exist_ok=True)
        resolution_line = f'conflict_resolution = "{resolution}"' if resolution else ""
        self.config.write_text(f"""
[general]
status_path = "{tmp}/status/"

[pair book]
a = "local"
b = "server"
collections = ["from b"]
{resolution_line}

[storage local]
type = "filesystem"
path = "{self.local}/"
fileext = ".vcf"

[storage server]
type = "carddav"
url = "{base}/"
username = "my-phone"
password = "{token}"
""")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, VDIRSYNCER_CONFIG=str(self.config))
        done = subprocess.run([str(VDIRSYNCER), *args], env=env, capture_output=True, text=True, timeout=120,
                              input="y\n" * 5)
        if check:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    @property
    def folder(self) -> Path:
        return self.local / "contacts"

    def files(self) -> dict[str, str]:
        return {p.name: p.read_text() for p in sorted(self.folder.glob("*.vcf"))}


@pytest.fixture
def server(tmp_path):
    if not VDIRSYNCER.exists():
        pytest.fail("vdirsyncer is not installed: pip install -e '.[test]' installs it")
    live = LiveServer(f"sqlite:///{tmp_path}/dav.db", workers=1, env={"CONTACTS_AUTH": "on"}).start()
    yield live
    live.stop()


def _api(server: LiveServer, token: str, method: str, path: str, body=None, headers=None):
    status, _, raw = request(server.base + path, method, body, token, headers=headers)
    return status, (json.loads(raw) if raw.strip() else None)


def test_vdirsyncer_syncs_both_ways_with_conflicts(server, tmp_path):
    token = server.first_token()
    folio = {"X-Okapi-Tenant": "diku"}
    status, grace = _api(server, token, "POST", "/contacts",
                         {"label": "x", "name": "Grace Hopper", "email": "grace@example.org"})
    assert status == 200
    status, nick = _api(server, token, "POST", "/organizations-storage/contacts",
                        {"firstName": "Nick", "lastName": "Fury"}, folio)
    assert status == 201
    status, ann = _api(server, token, "POST", "/rest/v1/addressbook/contacts", {"displayname": "Ann Lee",
                                                                                 "number": "11"})
    assert status == 200

    sync = Sync(tmp_path, server.base, token, resolution="b wins")
    sync.run("discover")
    sync.run("sync")
    files = sync.files()
    assert sorted(files) == sorted(f"{c}.vcf" for c in (grace["contact_id"], nick["id"], ann["id"]))
    assert "FN:Grace Hopper" in files[f"{grace['contact_id']}.vcf"]

    # Local side: create one (with properties no door maps), edit one, delete one.
    local_uid = f"local-{uuid.uuid4().hex[:8]}"
    extra = "X-PHONETIC-LAST-NAME:lav-lace\r\nIMPP;X-SERVICE-TYPE=Skype:skype:ada.l\r\n"
    (sync.folder / f"{local_uid}.vcf").write_text(_vcard(local_uid, "Ada Lovelace", extra), newline="")
    grace_file = sync.folder / f"{grace['contact_id']}.vcf"
    grace_file.write_text(grace_file.read_text().replace("FN:Grace Hopper", "FN:Grace B. Hopper"), newline="")
    (sync.folder / f"{ann['id']}.vcf").unlink()
    sync.run("sync")

    status, grace_now = _api(server, token, "GET", f"/contacts/{grace['contact_id']}")
    assert status == 200 and grace_now["name"] == "Grace B. Hopper"
    assert _api(server, token, "GET", f"/rest/v1/addressbook/contacts/{ann['id']}")[0] == 404
    status, found = _api(server, token, "GET", "/organizations-storage/contacts?query=lastName%3D%3DLovelace",
                         headers=folio)
    assert status == 200 and found["totalRecords"] == 1
    # The card came back from the server with every property the client sent.
    status, _, raw = request(f"{server.base}/carddav/addressbooks/contacts/{local_uid}.vcf", "GET",
                             headers={"Authorization": f"Bearer {token}"})
    assert status == 200
    text = raw.decode()
    assert f"UID:{local_uid}\r\n" in text
    assert "X-PHONETIC-LAST-NAME:lav-lace\r\n" in text
    assert "IMPP;X-SERVICE-TYPE=Skype:skype:ada.l\r\n" in text

    # Server side, through the other doors: edit (FOLIO), delete (Niagara), create (Incoplax).
    assert _api(server, token, "PUT", f"/organizations-storage/contacts/{nick['id']}",
                {"firstName": "Nicholas", "lastName": "Fury"}, folio)[0] == 204
    ada_id = found["contacts"][0]["id"]
    assert _api(server, token, "DELETE", f"/contacts/{ada_id}")[0] == 205
    status, bob = _api(server, token, "POST", "/rest/v1/addressbook/contacts", {"displayname": "Bob Stone",
                                                                                 "number": "22"})
    sync.run("sync")
    files = sync.files()
    assert f"{local_uid}.vcf" not in files
    assert "FN:Nicholas Fury" in files[f"{nick['id']}.vcf"]
    assert "FN:Bob Stone" in files[f"{bob['id']}.vcf"]
    assert "X-PHONETIC" not in "".join(files.values())

    # A conflict: the same card edited on both sides; "b wins" keeps the server's edit.
    nick_file = sync.folder / f"{nick['id']}.vcf"
    nick_file.write_text(nick_file.read_text().replace("FN:Nicholas Fury", "FN:Nick Local"), newline="")
    assert _api(server, token, "PUT", f"/organizations-storage/contacts/{nick['id']}",
                {"firstName": "Nicky", "lastName": "Fury"}, folio)[0] == 204
    sync.run("sync")
    assert "FN:Nicky Fury" in nick_file.read_text()
    assert _api(server, token, "GET", f"/organizations-storage/contacts/{nick['id']}", headers=folio)[1][
        "firstName"] == "Nicky"


def test_vdirsyncer_reports_a_conflict_without_a_resolution(server, tmp_path):
    token = server.first_token()
    status, grace = _api(server, token, "POST", "/contacts",
                         {"label": "x", "name": "Grace Hopper", "email": "grace@example.org"})
    sync = Sync(tmp_path, server.base, token, resolution=None)
    sync.run("discover")
    sync.run("sync")
    path = sync.folder / f"{grace['contact_id']}.vcf"
    path.write_text(path.read_text().replace("FN:Grace Hopper", "FN:Grace Local"), newline="")
    assert _api(server, token, "PUT", f"/contacts/{grace['contact_id']}",
                {"label": "x", "name": "Grace Remote", "email": "grace@example.org"})[0] == 200
    done = sync.run("sync", check=False)
    assert done.returncode != 0
    assert "conflict" in (done.stdout + done.stderr).lower()
    # Nothing was overwritten on either side.
    assert "FN:Grace Local" in path.read_text()
    assert _api(server, token, "GET", f"/contacts/{grace['contact_id']}")[1]["name"] == "Grace Remote"


def test_vdirsyncer_syncs_an_apple_group_vcard_as_the_group_every_door_sees(server, tmp_path):
    """A group vCard (as iOS writes it) goes up as the stored group; a member another door adds
    comes down in it; deleting the file deletes the group."""
    token = server.first_token()
    sync = Sync(tmp_path, server.base, token, resolution="b wins")
    sync.run("discover")
    ada, alan = str(uuid.uuid4()), str(uuid.uuid4())
    group_uid = str(uuid.uuid4())
    for uid, name in ((ada, "Ada Lovelace"), (alan, "Alan Turing")):
        (sync.folder / f"{uid}.vcf").write_text(_vcard(uid, name), newline="")
    group = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\nN:Friends\r\n"
             f"FN:Friends\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ada}\r\n"
             f"UID:{group_uid}\r\nEND:VCARD\r\n")
    (sync.folder / f"{group_uid}.vcf").write_text(group, newline="")
    sync.run("sync")

    status, stored = _api(server, token, "GET", f"/rest/v1/addressbook/contactgroups/{group_uid}")
    assert status == 200 and stored["name"] == "Friends"
    status, ada_card = _api(server, token, "GET", f"/rest/v1/addressbook/contacts/{ada}")
    status, alan_card = _api(server, token, "GET", f"/rest/v1/addressbook/contacts/{alan}")
    assert stored["opts"]["abonents"] == [ada_card["autokey"]]
    assert ada_card["opts"]["groups"] == ["Friends"]

    # Incoplax adds Alan to the group: the group's file gets his member line at the next sync.
    assert _api(server, token, "PATCH", f"/rest/v1/addressbook/contactgroups/{group_uid}",
                {"opts": {"abonents": [ada_card["autokey"], alan_card["autokey"]]}})[0] == 200
    sync.run("sync")
    assert sync.files()[f"{group_uid}.vcf"] == group.replace(
        f"urn:uuid:{ada}\r\n", f"urn:uuid:{ada}\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{alan}\r\n").replace("\r\n", "\n")

    (sync.folder / f"{group_uid}.vcf").unlink()
    sync.run("sync")
    assert _api(server, token, "GET", f"/rest/v1/addressbook/contactgroups/{group_uid}")[0] == 404
    assert _api(server, token, "GET", f"/rest/v1/addressbook/contacts/{alan}")[1]["opts"]["groups"] == []
    assert sorted(sync.files()) == sorted([f"{ada}.vcf", f"{alan}.vcf"])
