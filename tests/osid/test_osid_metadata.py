"""OSID form metadata documents through HTTP (create and update forms of the three objects)."""
from __future__ import annotations

from tests.osid.client import enc, osid  # noqa: F401

SCHEMA = "http://json-schema.org/draft/2019-9/schema#"
REF = "resource.Resource:504@base.url"


def writable(description: str, element: str, existing, label: str, instructions: str, *,
             fmt: str | None = None, lengths: tuple[int, int] | None = None) -> dict:
    doc = {"description": description, "type": "string"}
    if fmt:
        doc["format"] = fmt
    doc["read-only"] = False
    if lengths:
        doc["minLength"], doc["maxLength"] = lengths
    doc.update({"pattern": "", "default": "", "enum": [], "elementId": element, "existingValue": existing,
                "elementLabel": label, "instructions": instructions, "linked": False})
    return doc


def read_only(description: str, fmt: str) -> dict:
    return {"description": description, "type": "string", "format": fmt, "readOnly": True}


RECORD_TYPES = {
    "type": "array", "items": {"type": "string", "format": "osid-id"}, "readOnly": True,
}


def record_types(noun: str) -> dict:
    return {"description": f"Type Ids of record types available on this {noun}. Record types define special "
                           "attributes available on an object to support specific applications or classes "
                           "of applications and are documented elsewhere.", **RECORD_TYPES}


def genus(noun: str) -> dict:
    return read_only(f"Id of the immutable type of this {noun}. Default type set by system unless specified "
                     "in query parameter on initial post.", "osid-id")


def contact_document(existing: dict | None) -> dict:
    value = (existing or {}).get
    return {
        "$schema": SCHEMA,
        "title": "Contact",
        "type": "object",
        "required": ["displayName"],
        "properties": {
            "id": read_only("The unique id of this contact, provided by system.", "osid-id"),
            "uri": read_only("The uri of this contact, provided by system.", "uri"),
            "displayName": writable("The name of this contact for display.",
                                    "contact.Contact:displayName@localhost", value("displayName"), "Name",
                                    "Enter a name for this contact", lengths=(1, 128)),
            "description": writable("The description of this contact.",
                                    "contact.Contact:description@localhost", value("description"),
                                    "Description", "Enter a description for this contact", lengths=(0, 128)),
            "genusTypeId": genus("contact"),
            "recordTypeIds": record_types("contact"),
            "startDate": writable("The starting date of this contact.", "contact.Contact:startDate@localhost",
                                  value("startDate"), "Start Date", "Enter a starting date for this contact",
                                  fmt="date-time"),
            "endDate": writable("The ending date of this contact.", "contact.Contact:endDate@localhost",
                                value("endDate"), "End Date", "Enter an ending date for this contact",
                                fmt="date-time"),
            "endReasonId": writable("The reason this contact ended. A process/State object.",
                                    "contact.Contact:endReason@localhost", value("endReasonId"), "End Reason",
                                    "Select the reason this contact ended", fmt="osid-id"),
            "addressId": read_only("The address associated with this contact. A contact.Address object; set by "
                                   "the addressId query parameter on initial post.", "osid-id"),
            "referenceId": read_only("The reference associated with this contact. An id.Id; set by the "
                                     "referenceId query parameter on initial post.", "osid-id"),
            "addresseeId": writable("The addressee. A resource.Resource object.",
                                    "contact.Contact:addressee@localhost", value("addresseeId"), "Addressee",
                                    "Enter the Id of the addressee for this contact.", fmt="osid-id"),
        },
    }


def test_contact_create_metadata(osid):
    address = osid.address()
    r = osid.get("/contacts/metadata", {"addressId": address["id"], "referenceId": REF})
    assert osid.ok(r) == contact_document(None)


def test_contact_create_metadata_requires_address_and_reference(osid):
    r = osid.get("/contacts/metadata", {"referenceId": REF})
    assert r.status_code == 400
    assert r.json == {"message": "addressId: Missing data for required field."}
    r = osid.get("/contacts/metadata", {"addressId": "contact.Address:gone@localhost", "referenceId": REF})
    assert r.status_code == 400
    assert r.json == {"message": "addressId: address contact.Address:gone@localhost not found"}


def test_contact_update_metadata_carries_existing_values(osid):
    address = osid.address()
    contact = osid.contact(address["id"], description="Desc", startDate="2020-10-03T08:00:00Z",
                           endReasonId="process.State:1860@base.url")
    r = osid.get(f"/contacts/{enc(contact['id'])}/metadata")
    doc = osid.ok(r)
    assert doc == contact_document(contact)
    assert doc["properties"]["startDate"]["existingValue"] == "2020-10-03T08:00:00.000Z"
    assert doc["properties"]["addresseeId"]["existingValue"] is None


def test_update_metadata_follows_updates(osid):
    contact = osid.contact(osid.address()["id"])
    osid.ok(osid.put(f"/contacts/{enc(contact['id'])}", {"displayName": "Later"}))
    doc = osid.ok(osid.get(f"/contacts/{enc(contact['id'])}/metadata"))
    assert doc["properties"]["displayName"]["existingValue"] == "Later"


def test_metadata_limits_are_the_ones_the_server_enforces(osid):
    """Every maxLength the document announces is where validation starts refusing."""
    doc = osid.ok(osid.get("/addresses/metadata"))
    for name, field in doc["properties"].items():
        if "maxLength" not in field:
            continue
        at_limit = {"displayName": "n", name: "x" * field["maxLength"]}
        assert osid.post("/addresses", at_limit).status_code == 201, name
        over = {"displayName": "n", name: "x" * (field["maxLength"] + 1)}
        assert osid.post("/addresses", over).status_code == 400, name
    for name in doc["required"]:
        assert osid.post("/addresses", {}).json == {"message": f"{name}: Missing data for required field."}


def test_address_metadata(osid):
    address = osid.address(resourceId="resource.Resource:9@x", addressText="tom@earth.com")
    doc = osid.ok(osid.get(f"/addresses/{enc(address['id'])}/metadata"))
    assert doc["title"] == "Address"
    assert doc["required"] == ["displayName"]
    assert list(doc["properties"]) == ["id", "uri", "displayName", "description", "genusTypeId",
                                       "recordTypeIds", "resourceId", "addressText"]
    assert doc["properties"]["resourceId"] == writable(
        "The resource to which this address belongs.", "contact.Address:resource@localhost",
        "resource.Resource:9@x", "Resource", "Enter the Id of the resource for this address.", fmt="osid-id")
    assert doc["properties"]["addressText"]["existingValue"] == "tom@earth.com"
    assert doc["properties"]["addressText"]["maxLength"] == 4096
    assert doc["properties"]["genusTypeId"] == genus("address")
    create = osid.ok(osid.get("/addresses/metadata"))
    assert create["properties"]["resourceId"]["existingValue"] is None


def test_address_book_metadata(osid):
    book = osid.book(brandingIds=["asset.Asset:logo@x"], license="MIT")
    doc = osid.ok(osid.get(f"/address-books/{enc(book['id'])}/metadata"))
    assert doc["title"] == "AddressBook"
    assert list(doc["properties"]) == ["id", "uri", "displayName", "description", "genusTypeId",
                                       "recordTypeIds", "providerId", "brandingIds", "license"]
    assert doc["properties"]["brandingIds"] == {
        "description": "The branding of this address book. A list of Assets.",
        "type": "array",
        "items": {"type": "string", "format": "osid-id", "pattern": "", "enum": []},
        "read-only": False,
        "default": [],
        "elementId": "contact.AddressBook:branding@localhost",
        "existingValue": ["asset.Asset:logo@x"],
        "elementLabel": "Branding",
        "instructions": "Enter the branding images for this address book",
        "linked": False,
    }
    assert doc["properties"]["license"] == writable(
        "The licensing that applies to this address book.", "contact.AddressBook:license@localhost", "MIT",
        "License", "Include a license for this address book", lengths=(0, 128))
    create = osid.ok(osid.get("/address-books/metadata"))
    assert create["properties"]["license"]["existingValue"] is None
    assert create["properties"]["id"] == read_only("The unique id of this address book, provided by system.",
                                                   "osid-id")


def test_update_metadata_of_unknown_objects_is_404(osid):
    for route, message in (("/contacts/contact.Contact%3Ax%40localhost/metadata", "contact not found"),
                           ("/addresses/contact.Address%3Ax%40localhost/metadata", "address not found"),
                           ("/address-books/contact.AddressBook%3Ax%40localhost/metadata",
                            "addressBook not found")):
        r = osid.get(route)
        assert r.status_code == 404
        assert r.json == {"message": message}


def test_ids_follow_the_configured_authority(app, database_url):
    # `app` first: on a shared database it empties the tables for this test.
    from app import create_app
    from config import Config
    from services import tokens

    app = create_app(Config(database_url=database_url, auth=True, osid_authority="campus.example.edu"))
    with app.app_context():
        token, _ = tokens.create_token(["*"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    doc = client.get("/contact/address-books/metadata", headers=headers).json
    assert doc["properties"]["displayName"]["elementId"] == "contact.AddressBook:displayName@campus.example.edu"
    books = client.get("/contact/address-books", headers=headers).json
    assert books[0]["id"] == "contact.AddressBook:default@campus.example.edu"
    assert books[0]["genusTypeId"] == "type.Type:defaultAddressBookType@campus.example.edu"
    r = client.get("/contact/address-books/contact.AddressBook%3Adefault%40localhost", headers=headers)
    assert r.status_code == 404
