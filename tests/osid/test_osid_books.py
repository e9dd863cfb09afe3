"""OSID address books through HTTP: CRUD, the hierarchy (a DAG) and contact/address membership."""
from __future__ import annotations

import re

import pytest

from tests.osid.client import DEFAULT_BOOK, enc, item_uri, osid  # noqa: F401

BOOK_ID = re.compile(r"^contact\.AddressBook:[0-9a-f-]{36}@localhost$")
DEFAULT_BOOK_ENTITY = {
    "id": DEFAULT_BOOK,
    "uri": item_uri("address-books", DEFAULT_BOOK),
    "displayName": "Default Address Book",
    "description": "Receives contacts and addresses created without an addressBookId",
    "genusTypeId": "type.Type:defaultAddressBookType@localhost",
    "recordTypeIds": [],
    "providerId": None,
    "brandingIds": [],
    "license": "",
}


def path(book: dict | str, *rest: str) -> str:
    book_id = book if isinstance(book, str) else book["id"]
    return "/".join(["/address-books", enc(book_id), *[enc(part) for part in rest]])


# ---------------------------------------------------------------- CRUD

def test_default_book_exists_and_is_the_root(osid):
    assert osid.ok(osid.get("/address-books")) == [DEFAULT_BOOK_ENTITY]
    assert osid.ok(osid.get(path(DEFAULT_BOOK))) == DEFAULT_BOOK_ENTITY
    assert osid.ok(osid.get("/address-books/root-address-book")) == [DEFAULT_BOOK_ENTITY]


def test_create_book_answers_201_with_every_field(osid):
    r = osid.post("/address-books", {
        "displayName": "Display Name of this AddressBook", "description": "The description",
        "providerId": "resource.Resource:123@base.url", "brandingIds": ["asset.Asset:AddressBook@base.url"],
        "license": "CC0"}, {"genusType": "type.Type:campus@dxtera.org"})
    body = osid.ok(r, 201)
    assert BOOK_ID.match(body["id"])
    assert body == {
        "id": body["id"],
        "uri": item_uri("address-books", body["id"]),
        "displayName": "Display Name of this AddressBook",
        "description": "The description",
        "genusTypeId": "type.Type:campus@dxtera.org",
        "recordTypeIds": [],
        "providerId": "resource.Resource:123@base.url",
        "brandingIds": ["asset.Asset:AddressBook@base.url"],
        "license": "CC0",
    }
    assert r.headers["ETag"] == '"ob1"'
    assert osid.ok(osid.get(path(body))) == body


def test_spec_example_body_with_singular_branding_id(osid):
    book = osid.book(brandingId="asset.Asset:AddressBook@base.url")
    assert book["brandingIds"] == ["asset.Asset:AddressBook@base.url"]
    r = osid.post("/address-books", {"displayName": "x", "brandingId": "asset.Asset:a@b",
                                     "brandingIds": ["asset.Asset:a@b"]})
    assert r.status_code == 400
    assert r.json == {"message": "brandingId: Send brandingIds or brandingId, not both."}


def test_update_and_delete_book(osid):
    book = osid.book(license="L1")
    r = osid.put(path(book), {"displayName": "Renamed", "brandingIds": None})
    assert osid.ok(r) == {"message": "The address-book has been updated"}
    assert osid.ok(osid.get(path(book))) == {**book, "displayName": "Renamed"}
    r = osid.put(path(book), {"genusTypeId": "type.Type:other@x"})
    assert r.status_code == 400
    assert r.json == {"message": "genusTypeId is read-only: it cannot be changed"}
    assert osid.ok(osid.delete(path(book))) == {"message": "The address-book has been deleted"}
    for method in (osid.get, osid.delete):
        r = method(path(book))
        assert r.status_code == 404
        assert r.json == {"message": "address-book not found"}


def test_default_book_cannot_be_deleted(osid):
    r = osid.delete(path(DEFAULT_BOOK))
    assert r.status_code == 409
    assert r.json == {"message": "The default address book cannot be deleted"}


def test_book_ids_of_another_authority_or_namespace_are_not_found(osid):
    book = osid.book()
    ident = book["id"].split(":")[1].split("@")[0]
    assert osid.get(path(f"contact.AddressBook:{ident}@elsewhere.org")).status_code == 404
    assert osid.get(path(f"contact.Contact:{ident}@localhost")).status_code == 404
    # Namespace and authority compare case-insensitively, the identifier does not.
    assert osid.get(path(f"CONTACT.addressbook:{ident}@LOCALHOST")).status_code == 200
    assert osid.get(path(f"contact.AddressBook:{ident.upper()}@localhost")).status_code == 404


def test_book_filters(osid):
    b1 = osid.book(providerId="resource.Resource:1@x", params={"recordType": "type.Type:r@x"})
    b2 = osid.book()
    address = osid.address(params={"addressBookId": b1["id"]})
    contact = osid.contact(address["id"], params={"addressBookId": b2["id"]})
    assert osid.ids("/address-books") == [DEFAULT_BOOK, b1["id"], b2["id"]]
    assert osid.ids("/address-books", {"providerId": "resource.Resource:1@x"}) == [b1["id"]]
    assert osid.ids("/address-books", {"recordTypeId": "type.Type:r@x"}) == [b1["id"]]
    assert osid.ids("/address-books", {"addressId": address["id"]}) == [b1["id"]]
    assert osid.ids("/address-books", {"contactId": contact["id"]}) == [b2["id"]]
    assert osid.ids("/address-books", {"contactId": "contact.Contact:none@localhost"}) == []
    assert osid.ids("/address-books", {"genusTypeId": "type.Type:defaultAddressBookType@localhost",
                                       "limit": 1, "offset": 1}) == [b1["id"]]


# ---------------------------------------------------------------- hierarchy

def test_new_book_is_an_orphan_outside_the_hierarchy_but_readable(osid):
    book = osid.book()
    assert osid.ids("/address-books/root-address-book") == [DEFAULT_BOOK]
    assert osid.ids(path(DEFAULT_BOOK, "children")) == []
    assert osid.ok(osid.get(path(book)))["id"] == book["id"]
    assert osid.ids(path(book, "parents")) == []


def test_add_and_remove_child(osid):
    a, b = osid.book(displayName="A"), osid.book(displayName="B")
    r = osid.put(path(a, "children", b["id"]))
    assert osid.ok(r) == {"message": "The child addressBook has been added to the hierarchy"}
    assert osid.ok(osid.get(path(a, "children"))) == [b]
    assert osid.ok(osid.get(path(b, "parents"))) == [a]
    assert osid.ids("/address-books/root-address-book") == [DEFAULT_BOOK, a["id"]]

    r = osid.delete(path(a, "children", b["id"]))
    assert osid.ok(r) == {"message": "The child addressBook has been removed from the hierarchy"}
    assert osid.ids(path(a, "children")) == []
    assert osid.ids("/address-books/root-address-book") == [DEFAULT_BOOK]
    r = osid.delete(path(a, "children", b["id"]))
    assert r.status_code == 404
    assert r.json == {"message": f"addressBook {b['id']} is not a child of addressBook {a['id']}"}


def test_several_parents_are_allowed(osid):
    a, b, c = osid.book(), osid.book(), osid.book()
    assert osid.put(path(a, "children", c["id"])).status_code == 200
    assert osid.put(path(b, "children", c["id"])).status_code == 200
    assert osid.ids(path(c, "parents")) == [a["id"], b["id"]]
    assert osid.ids("/address-books/root-address-book") == [DEFAULT_BOOK, a["id"], b["id"]]


def test_duplicate_edge_is_409(osid):
    a, b = osid.book(), osid.book()
    assert osid.put(path(a, "children", b["id"])).status_code == 200
    r = osid.put(path(a, "children", b["id"]))
    assert r.status_code == 409
    assert r.json == {"message": f"addressBook {b['id']} is already a child of addressBook {a['id']}"}
    assert osid.ids(path(a, "children")) == [b["id"]]


@pytest.mark.parametrize("chain", [2, 3, 5])
def test_cycles_are_refused(osid, chain):
    made = [osid.book(displayName=f"b{i}") for i in range(chain)]
    for parent, child in zip(made, made[1:]):
        assert osid.put(path(parent, "children", child["id"])).status_code == 200
    last, first = made[-1], made[0]
    r = osid.put(path(last, "children", first["id"]))
    assert r.status_code == 409
    assert r.json == {"message": f"Adding addressBook {first['id']} as a child of addressBook {last['id']} "
                                 f"would create a cycle: addressBook {last['id']} is already below "
                                 f"addressBook {first['id']} in the hierarchy"}
    assert osid.ids(path(first, "parents")) == []


def test_diamond_is_not_a_cycle(osid):
    top, left, right, bottom = (osid.book() for _ in range(4))
    for parent, child in ((top, left), (top, right), (left, bottom), (right, bottom)):
        assert osid.put(path(parent, "children", child["id"])).status_code == 200
    # top -> bottom directly is still acyclic
    assert osid.put(path(top, "children", bottom["id"])).status_code == 200
    assert osid.put(path(bottom, "children", top["id"])).status_code == 409


def test_book_cannot_be_its_own_child(osid):
    a = osid.book()
    r = osid.put(path(a, "children", a["id"]))
    assert r.status_code == 400
    assert r.json == {"message": f"An address book cannot be its own child: addressBook {a['id']}"}


def test_hierarchy_routes_on_unknown_books_are_404(osid):
    a = osid.book()
    ghost = "contact.AddressBook:ghost@localhost"
    for response in (osid.put(path(a, "children", ghost)), osid.put(path(ghost, "children", a["id"])),
                     osid.delete(path(ghost, "children", a["id"])), osid.get(path(ghost, "children")),
                     osid.get(path(ghost, "parents")), osid.get(path(ghost, "contacts")),
                     osid.get(path(ghost, "addresses"))):
        assert response.status_code == 404
        assert response.json == {"message": "addressBook not found"}


def test_deleting_a_book_removes_its_edges(osid):
    a, b = osid.book(), osid.book()
    osid.put(path(a, "children", b["id"]))
    osid.ok(osid.delete(path(b)))
    assert osid.ids(path(a, "children")) == []
    assert osid.ids("/address-books/root-address-book") == [DEFAULT_BOOK]


# ---------------------------------------------------------------- membership

def test_objects_created_without_book_land_in_the_default_book(osid):
    address = osid.address()
    contact = osid.contact(address["id"])
    assert osid.ok(osid.get(path(DEFAULT_BOOK, "addresses"))) == [address]
    assert osid.ok(osid.get(path(DEFAULT_BOOK, "contacts"))) == [contact]


def test_objects_created_in_a_named_book(osid):
    book = osid.book()
    address = osid.address(params={"addressBookId": book["id"]})
    contact = osid.contact(address["id"], params={"addressBookId": book["id"]})
    assert osid.ids(path(book, "addresses")) == [address["id"]]
    assert osid.ids(path(book, "contacts")) == [contact["id"]]
    assert osid.ids(path(DEFAULT_BOOK, "contacts")) == []
    assert osid.ids("/contacts", {"addressBookId": book["id"]}) == [contact["id"]]


def test_assign_contact_to_another_book_is_not_a_copy(osid):
    book = osid.book()
    contact = osid.contact(osid.address()["id"])
    r = osid.put(path(book, "contacts", contact["id"]))
    assert osid.ok(r) == {"message": "contact has been added to addressBook"}
    assert osid.ok(osid.get(path(book, "contacts"))) == [contact]
    assert osid.ids(path(DEFAULT_BOOK, "contacts")) == [contact["id"]]
    assert osid.ids("/contacts") == [contact["id"]]
    assert osid.put(path(book, "contacts", contact["id"])).status_code == 200  # idempotent
    assert osid.ids(path(book, "contacts")) == [contact["id"]]

    r = osid.delete(path(DEFAULT_BOOK, "contacts", contact["id"]))
    assert osid.ok(r) == {"message": "contact has been removed"}
    assert osid.ids(path(DEFAULT_BOOK, "contacts")) == []
    assert osid.ok(osid.get("/contacts/" + enc(contact["id"]))) == contact


def test_removing_a_contact_from_its_last_book_deletes_it(osid):
    contact = osid.contact(osid.address()["id"])
    osid.ok(osid.delete(path(DEFAULT_BOOK, "contacts", contact["id"])))
    r = osid.get("/contacts/" + enc(contact["id"]))
    assert r.status_code == 404 and r.json == {"message": "contact not found"}


def test_address_membership_and_last_book_rule(osid):
    book = osid.book()
    address = osid.address()
    r = osid.put(path(book, "addresses", address["id"]))
    assert osid.ok(r) == {"message": "address has been added to addressBook"}
    contact = osid.contact(address["id"])
    r = osid.delete(path(DEFAULT_BOOK, "addresses", address["id"]))
    assert osid.ok(r) == {"message": "address has been removed"}
    assert osid.ids(path(book, "addresses")) == [address["id"]]
    # The last book of an address a contact uses: removing it would delete the address.
    r = osid.delete(path(book, "addresses", address["id"]))
    assert r.status_code == 409
    assert r.json == {"message": "This is the address's last address book and 1 contact(s) reference it: "
                                 "removing it would delete it; delete those contacts first"}
    assert osid.ids(path(book, "addresses")) == [address["id"]]
    osid.ok(osid.delete("/contacts/" + enc(contact["id"])))
    assert osid.ok(osid.delete(path(book, "addresses", address["id"]))) == {"message": "address has been removed"}
    r = osid.get("/addresses/" + enc(address["id"]))
    assert r.status_code == 404 and r.json == {"message": "address not found"}


def test_membership_of_unknown_members(osid):
    book = osid.book()
    address = osid.address()
    r = osid.put(path(book, "contacts", "contact.Contact:none@localhost"))
    assert r.status_code == 404 and r.json == {"message": "contact not found"}
    r = osid.put(path(book, "addresses", "contact.Address:none@localhost"))
    assert r.status_code == 404 and r.json == {"message": "address not found"}
    r = osid.delete(path(book, "addresses", address["id"]))
    assert r.status_code == 404 and r.json == {"message": "address not found in this addressBook"}
    contact = osid.contact(address["id"])
    r = osid.delete(path(book, "contacts", contact["id"]))
    assert r.status_code == 404 and r.json == {"message": "contact not found in this addressBook"}


def test_federated_view_includes_descendant_books(osid):
    parent, child, grandchild = osid.book(), osid.book(), osid.book()
    osid.put(path(parent, "children", child["id"]))
    osid.put(path(child, "children", grandchild["id"]))
    address = osid.address(params={"addressBookId": grandchild["id"]})
    own = osid.contact(address["id"], params={"addressBookId": parent["id"]})
    deep = osid.contact(address["id"], params={"addressBookId": grandchild["id"]})
    osid.put(path(child, "contacts", deep["id"]))  # reachable along two paths: listed once
    assert osid.ids(path(parent, "contacts")) == [own["id"]]
    assert osid.ids(path(parent, "contacts"), {"federated": "true"}) == [own["id"], deep["id"]]
    assert osid.ids(path(parent, "addresses"), {"federated": "true"}) == [address["id"]]
    assert osid.ids("/contacts", {"addressBookId": parent["id"], "federated": "true"}) == [own["id"], deep["id"]]
    assert osid.ids("/addresses", {"addressBookId": child["id"]}) == []


def test_deleting_a_book_deletes_what_only_it_holds(osid):
    book = osid.book()
    shared = osid.address()
    osid.put(path(book, "addresses", shared["id"]))
    lonely = osid.address(params={"addressBookId": book["id"]})
    c_lonely = osid.contact(lonely["id"], params={"addressBookId": book["id"]})
    c_shared = osid.contact(shared["id"], params={"addressBookId": book["id"]})
    osid.put(path(DEFAULT_BOOK, "contacts", c_shared["id"]))
    osid.ok(osid.delete(path(book)))
    assert osid.ids("/addresses") == [shared["id"]]
    assert osid.ids("/contacts") == [c_shared["id"]]
    assert osid.get("/contacts/" + enc(c_lonely["id"])).status_code == 404


def test_deleting_a_book_holding_an_address_others_need_is_409(osid):
    book = osid.book()
    address = osid.address(params={"addressBookId": book["id"]})
    contact = osid.contact(address["id"])  # in the default book
    r = osid.delete(path(book))
    assert r.status_code == 409
    assert r.json == {"message": "The address book holds the only copy of addresses that 1 contact(s) in "
                                 "other address books reference; move or delete them first"}
    assert osid.ids(path(book, "addresses")) == [address["id"]]
    assert osid.ok(osid.get("/contacts/" + enc(contact["id"])))["addressId"] == address["id"]


def test_a_create_without_a_book_finds_the_default_book_by_its_index(app, osid, monkeypatch):
    """The default book is sought in the index on `is_default`, not found by walking every book's entry."""
    from models.connect import database, is_postgres
    from models.plans import query_plan
    from models.osid import OsidAddressBook

    for n in range(3):
        osid.book(displayName=f"Book {n}")
    db = database.obj
    original, statements = db.execute_sql, []

    def capture(sql, params=None, *args, **kwargs):
        statements.append((sql, tuple(params or ())))
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", capture)
    address = osid.address()
    monkeypatch.undo()
    assert osid.ok(osid.get(path(DEFAULT_BOOK, "addresses"))) == [address]
    reads = [(sql, params) for sql, params in statements
             if sql.lstrip().upper().startswith("SELECT") and '"osid_address_book"' in sql]
    assert reads, statements
    with app.app_context():
        plans = {sql: query_plan(OsidAddressBook.raw(sql, *params)) for sql, params in reads}
    for sql, plan in plans.items():
        if is_postgres(db):
            # PostgreSQL seeks a boolean column's index either way; no sequential scan.
            assert "Index Cond: (is_default = true)" in "\n".join(plan), (sql, plan)
            assert not [line for line in plan if "Seq Scan" in line], (sql, plan)
        else:
            walks = [line for line in plan if line.startswith("SCAN") and line != "SCAN CONSTANT ROW"]
            assert walks == [], (sql, plan)
