"""CampusAPI / OSID contact services: contacts, addresses, address books and their hierarchy.

Ids are `namespace:identifier@authority` strings, URL-encoded in paths (Werkzeug
decodes `%3A`/`%40` before routing, and no Id issued here holds a `/`). Errors are
`{"message": ...}`; PUT/DELETE answer 200 with the spec's message bodies.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, ValidationError

from schemas import osid as wire
from services.errors import DomainError, FieldError, Invalid
from services.osid import addresses, books, contacts, hierarchy, objects
from services.osid.common import KIND_ADDRESS, KIND_CONTACT
from services.osid.ids import ADDRESS_NS, BOOK_NS, CONTACT_NS, default_type, id_key
from services.osid.metadata import form_metadata

from .apidoc import document_dialect, request_body, response, responses
from .errors import invalid_from_validation, register_error_format
from .http import (
    ResourceView,
    dumps,
    environ_url,
    etag_for,
    expected_version,
    json_response,
    read_json_body,
    request_url,
)
from .item_reads import ItemAnswer, answer_response, register_item_read

PREFIX = "/contact"
CONTENT_TYPE = "application/json"
# Made once and shared (schemas keep no state between loads): making one copies its fields,
# a tenth of an OSID create's time.
CONTACT_SCHEMA = wire.OsidContactSchema()
ADDRESS_SCHEMA = wire.OsidAddressSchema()
BOOK_SCHEMA = wire.OsidAddressBookSchema()

blp = Blueprint("osid", __name__, url_prefix=PREFIX,
                description="CampusAPI / OSID contact services: contacts, addresses, address books")

# ETag kinds (see blueprints.http.etag_for): one per object kind.
ETAG_CONTACT, ETAG_ADDRESS, ETAG_BOOK = "oc", "oa", "ob"
ERROR_SCHEMA = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
BOOK_NOT_FOUND_HIERARCHY = objects.BOOK_NOT_FOUND_HIERARCHY  # metadata, hierarchy and membership routes


def render_error(error: DomainError) -> Response:
    """CampusAPI errors: `{"message": ...}`; a 403 is always "Permission denied"."""
    message = "Permission denied" if error.status == 403 else error.message
    return json_response({"message": message}, error.status, CONTENT_TYPE)


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return json_response(data, status, CONTENT_TYPE, headers)


def _message(text: str) -> Response:
    return _json({"message": text})


def _authority() -> str:
    return current_app.config["CONTACTS"].osid_authority


def _wire() -> wire.Wire:
    return wire.Wire(_authority(), request_url("host_url"))


@blp.before_request
def _default_book_exists() -> None:
    """The default address book exists before any OSID request is served (created once)."""
    state = current_app.extensions.setdefault("osid", {})
    if not state.get("default_book"):
        books.ensure_default_book(_authority())
        state["default_book"] = True


# ---------------------------------------------------------------- creation types

def _genus(args: dict, kind: str) -> str:
    """The genus type of a new object: the `genusType` (or `genusTypeId`) parameter, else the default."""
    given = [args[name] for name in ("genusType", "genusTypeId") if args.get(name)]
    if len(given) == 2 and id_key(given[0]) != id_key(given[1]):
        raise Invalid("genusType and genusTypeId name different types; send one",
                      errors=[FieldError("genusType", "conflicts with genusTypeId")])
    return given[0] if given else default_type(kind, _authority())


def _record_types(args: dict) -> list[str]:
    seen, kept = set(), []
    for type_id in args.get("recordType") or []:
        if id_key(type_id) not in seen:
            seen.add(id_key(type_id))
            kept.append(type_id)
    return kept


# ---------------------------------------------------------------- bodies

_MISSING = object()
# Where a create sets a read-only field instead of the body.
CREATE_HINTS = {
    "genusTypeId": "set it with the genusType query parameter",
    "recordTypeIds": "set them with the recordType query parameter",
    "addressId": "set it with the addressId query parameter",
    "referenceId": "set it with the referenceId query parameter",
}


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, list) and isinstance(expected, list):
        return len(value) == len(expected) and all(_same(a, b) for a, b in zip(value, expected))
    if isinstance(value, str) and isinstance(expected, str):
        return id_key(value) == id_key(expected)
    return value == expected


def _read_body(schema: Schema, *, partial: bool, known: dict) -> dict:
    """Validate a JSON body; read-only fields may only repeat their current (`known`) value.

    `uri` is ignored: it depends on the host name the client used.
    """
    data = read_json_body()
    for name, field in schema.fields.items():
        if not field.dump_only or name not in data:
            continue
        value = data.pop(name)
        expected = known.get(name, _MISSING)
        if name != "uri" and (expected is _MISSING or not _same(value, expected)):
            why = CREATE_HINTS.get(name, "it is provided by the system") if not partial else "it cannot be changed"
            raise Invalid(f"{name} is read-only: {why}",
                          errors=[FieldError(name, "read-only", "readOnly", value)])
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise invalid_from_validation(exc) from None


def _new_values(schema: Schema, columns: dict[str, str], known: dict):
    """`read_values()` for a create service: the body's column values (read-only fields must equal `known`)."""
    return lambda: wire.columns_of(_read_body(schema, partial=False, known=known), columns)


def _changes(schema: Schema, columns: dict[str, str], entity):
    """`change(row)` for an update service: the body's column values, read-only fields checked
    against `entity(row)` (the object as the write transaction reads it)."""
    # The body leaves the socket now: a slow client must not hold the write transaction.
    request.get_data(cache=True)
    return lambda row: wire.columns_of(_read_body(schema, partial=True, known=entity(row)), columns)


def _created(entity: dict, version: int, kind: str) -> Response:
    return _json(entity, 201, {"ETag": etag_for(version, kind), "Location": entity["uri"]})


def _item(entity: dict, version: int, kind: str) -> Response:
    return answer_response(_item_answer(entity, version, kind))


def _item_answer(entity: dict, version: int, kind: str) -> ItemAnswer:
    return ItemAnswer(dumps(entity), CONTENT_TYPE, [("ETag", etag_for(version, kind))])


def _contact_reader(app: Flask):
    """The reader of plain GETs of one contact, before Flask (blueprints/item_reads.py)."""
    authority = app.config["CONTACTS"].osid_authority
    state = app.extensions.setdefault("osid", {})

    def read(environ: dict, contact_id: str) -> ItemAnswer | None:
        if not state.get("default_book"):
            return None  # the first OSID request goes through Flask, which creates the default book
        row = objects.contact(contact_id, authority)
        return _item_answer(wire.Wire(authority, environ_url(environ, "host_url")).contact(row), row["version"],
                            ETAG_CONTACT)

    return read


def _metadata(schema: Schema, title: str, namespace: str, existing: dict | None = None) -> Response:
    return _json(form_metadata(schema, title, namespace, _authority(), existing))



# Success bodies, for the OpenAPI document (what tests/test_fuzz_openapi.py holds responses to).
OSID_OBJECT = {"type": "object", "required": ["id", "uri", "displayName", "description", "genusTypeId",
                                              "recordTypeIds"],
               "properties": {"id": {"type": "string"}, "uri": {"type": "string"},
                              "displayName": {"type": "string"}, "description": {"type": "string"},
                              "genusTypeId": {"type": "string"},
                              "recordTypeIds": {"type": "array", "items": {"type": "string"}}}}
OBJECTS = {"type": "array", "items": OSID_OBJECT}
MESSAGE = ERROR_SCHEMA  # PUT/DELETE answer 200 with `{"message": ...}`, like the errors
METADATA = {"type": "object"}


def _doc(body: str | None = None, ok: dict | None = None, **described: str) -> dict:
    """An operation's documentation: `body` names its request body's schema component, `ok` is
    the schema of its success response (the first 2xx of `described`)."""
    doc: dict = {"responses": responses(**described)}
    if ok is not None:
        success = next(code for code in doc["responses"] if code.startswith("2"))
        doc["responses"][success] = response(doc["responses"][success]["description"], ok, CONTENT_TYPE)
    if body:
        doc["requestBody"] = request_body(body)
    return doc


# ---------------------------------------------------------------- contacts

@blp.route("/contacts")
class Contacts(ResourceView):
    """Contacts in the system."""

    @blp.arguments(wire.OsidContactListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of contacts"))
    def get(self, args):
        """List contacts (filters: types, address, reference, address book, effective dates)."""
        shape = _wire()
        return _json([shape.contact(row) for row in contacts.list_contacts(args, _authority())])

    @blp.arguments(wire.OsidContactCreateArgs(), location="query")
    @blp.doc(**_doc("OsidContact", ok=OSID_OBJECT, _201="The created contact"))
    def post(self, args):
        """Create a contact of an address for a reference (in the default address book unless addressBookId)."""
        genus, records = _genus(args, "Contact"), _record_types(args)
        read_values = _new_values(CONTACT_SCHEMA, wire.CONTACT_COLUMNS, {
            "genusTypeId": genus, "recordTypeIds": records, "addressId": args["addressId"],
            "referenceId": args["referenceId"]})
        row = contacts.create_contact(
            address_id=args["addressId"], reference_id=args["referenceId"], book_id=args.get("addressBookId"),
            authority=_authority(), genus_type_id=genus, record_type_ids=records, read_values=read_values)
        return _created(_wire().contact(row), row["version"], ETAG_CONTACT)


@blp.route("/contacts/metadata")
class ContactCreateMetadata(ResourceView):
    """The create form of contacts."""

    @blp.arguments(wire.OsidContactCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating a contact"))
    def get(self, args):
        """Get form metadata for creating a new contact."""
        _genus(args, "Contact")
        contacts.creation_targets(args["addressId"], args.get("addressBookId"), _authority())
        return _metadata(CONTACT_SCHEMA, "Contact", CONTACT_NS)


@blp.route("/contacts/<contact_id>")
class ContactItem(ResourceView):
    """One contact."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The contact", _404="contact not found"))
    def get(self, contact_id):
        """Get a contact given its id."""
        row = objects.contact(contact_id, _authority())
        return _item(_wire().contact(row), row["version"], ETAG_CONTACT)

    @blp.doc(**_doc("OsidContact", ok=MESSAGE, _200="The contact has been updated", _404="contact not found"))
    def put(self, contact_id):
        """Update a given contact (fields absent from the body keep their values)."""
        version = expected_version(ETAG_CONTACT)
        change = _changes(CONTACT_SCHEMA, wire.CONTACT_COLUMNS, _wire().contact)
        contacts.update_contact(contact_id, _authority(), change, version)
        return _message("The contact has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The contact has been deleted", _404="contact not found"))
    def delete(self, contact_id):
        """Delete a given contact (from every address book)."""
        version = expected_version(ETAG_CONTACT)
        contacts.delete_contact(contact_id, _authority(), version)
        return _message("The contact has been deleted")


@blp.route("/contacts/<contact_id>/metadata")
class ContactUpdateMetadata(ResourceView):
    """The update form of a contact."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the contact", _404="contact not found"))
    def get(self, contact_id):
        """Get form metadata for updating an existing contact."""
        entity = _wire().contact(objects.contact(contact_id, _authority()))
        return _metadata(CONTACT_SCHEMA, "Contact", CONTACT_NS, entity)


# ---------------------------------------------------------------- addresses

@blp.route("/addresses")
class Addresses(ResourceView):
    """Addresses in the system."""

    @blp.arguments(wire.OsidAddressListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of addresses"))
    def get(self, args):
        """List addresses (filters: types, resource, address book)."""
        shape = _wire()
        return _json([shape.address(row) for row in addresses.list_addresses(args, _authority())])

    @blp.arguments(wire.OsidInBookCreateArgs(), location="query")
    @blp.doc(**_doc("OsidAddress", ok=OSID_OBJECT, _201="The created address"))
    def post(self, args):
        """Create an address (in the default address book unless addressBookId)."""
        genus, records = _genus(args, "Address"), _record_types(args)
        read_values = _new_values(ADDRESS_SCHEMA, wire.ADDRESS_COLUMNS,
                                  {"genusTypeId": genus, "recordTypeIds": records})
        row = addresses.create_address(book_id=args.get("addressBookId"), authority=_authority(),
                                       genus_type_id=genus, record_type_ids=records, read_values=read_values)
        return _created(_wire().address(row), row["version"], ETAG_ADDRESS)


@blp.route("/addresses/metadata")
class AddressCreateMetadata(ResourceView):
    """The create form of addresses."""

    @blp.arguments(wire.OsidInBookCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating an address"))
    def get(self, args):
        """Get form metadata for creating a new address."""
        _genus(args, "Address")
        objects.target_book_pk(args.get("addressBookId"), _authority())
        return _metadata(ADDRESS_SCHEMA, "Address", ADDRESS_NS)


@blp.route("/addresses/<address_id>")
class AddressItem(ResourceView):
    """One address."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The address", _404="address not found"))
    def get(self, address_id):
        """Get an address given its id."""
        row = objects.address(address_id, _authority())
        return _item(_wire().address(row), row["version"], ETAG_ADDRESS)

    @blp.doc(**_doc("OsidAddress", ok=MESSAGE, _200="The address has been updated", _404="address not found"))
    def put(self, address_id):
        """Update a given address (fields absent from the body keep their values)."""
        version = expected_version(ETAG_ADDRESS)
        change = _changes(ADDRESS_SCHEMA, wire.ADDRESS_COLUMNS, _wire().address)
        addresses.update_address(address_id, _authority(), change, version)
        return _message("The address has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The address has been deleted", _404="address not found",
                    _409="contacts still reference the address"))
    def delete(self, address_id):
        """Delete a given address from every address book (409 while contacts reference it)."""
        version = expected_version(ETAG_ADDRESS)
        addresses.delete_address(address_id, _authority(), version)
        return _message("The address has been deleted")


@blp.route("/addresses/<address_id>/metadata")
class AddressUpdateMetadata(ResourceView):
    """The update form of an address."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the address", _404="address not found"))
    def get(self, address_id):
        """Get form metadata for updating an existing address."""
        entity = _wire().address(objects.address(address_id, _authority()))
        return _metadata(ADDRESS_SCHEMA, "Address", ADDRESS_NS, entity)


# ---------------------------------------------------------------- address books

@blp.route("/address-books")
class AddressBooks(ResourceView):
    """Address books in the system."""

    @blp.arguments(wire.OsidBookListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of address books"))
    def get(self, args):
        """List address books (filters: types, provider, contact, address)."""
        shape = _wire()
        return _json([shape.book(row) for row in books.list_books(args, _authority())])

    @blp.arguments(wire.OsidCreateArgs(), location="query")
    @blp.doc(**_doc("OsidAddressBook", ok=OSID_OBJECT, _201="The created address book"))
    def post(self, args):
        """Create an address book (outside the hierarchy until it gets a parent or a child)."""
        genus, records = _genus(args, "AddressBook"), _record_types(args)
        read_values = _new_values(BOOK_SCHEMA, wire.BOOK_COLUMNS,
                                  {"genusTypeId": genus, "recordTypeIds": records})
        row = books.create_book(genus_type_id=genus, record_type_ids=records, read_values=read_values)
        return _created(_wire().book(row), row["version"], ETAG_BOOK)


@blp.route("/address-books/metadata")
class BookCreateMetadata(ResourceView):
    """The create form of address books."""

    @blp.arguments(wire.OsidCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating an address book"))
    def get(self, args):
        """Get form metadata for creating a new addressBook."""
        _genus(args, "AddressBook")
        return _metadata(BOOK_SCHEMA, "AddressBook", BOOK_NS)


@blp.route("/address-books/root-address-book")
class RootBooks(ResourceView):
    """The roots of the address book hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of root address books"))
    def get(self, args):
        """Get the root address books (in the hierarchy, without parents)."""
        shape = _wire()
        return _json([shape.book(row) for row in hierarchy.roots(args["offset"], args["limit"])])


@blp.route("/address-books/<book_id>")
class AddressBookItem(ResourceView):
    """One address book."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The address book", _404="address-book not found"))
    def get(self, book_id):
        """Get an address-book given its id."""
        row = objects.book(book_id, _authority())
        return _item(_wire().book(row), row["version"], ETAG_BOOK)

    @blp.doc(**_doc("OsidAddressBook", ok=MESSAGE, _200="The address-book has been updated",
                    _404="address-book not found"))
    def put(self, book_id):
        """Update a given address-book (fields absent from the body keep their values)."""
        version = expected_version(ETAG_BOOK)
        change = _changes(BOOK_SCHEMA, wire.BOOK_COLUMNS, _wire().book)
        books.update_book(book_id, _authority(), change, version)
        return _message("The address-book has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The address-book has been deleted", _404="address-book not found",
                    _409="the default book, or addresses other books' contacts need"))
    def delete(self, book_id):
        """Delete a given address-book; contacts and addresses in no other book go with it."""
        version = expected_version(ETAG_BOOK)
        books.delete_book(book_id, _authority(), version)
        return _message("The address-book has been deleted")


@blp.route("/address-books/<book_id>/metadata")
class BookUpdateMetadata(ResourceView):
    """The update form of an address book."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the address book", _404="addressBook not found"))
    def get(self, book_id):
        """Get form metadata for updating an existing addressBook."""
        entity = _wire().book(objects.book(book_id, _authority(), BOOK_NOT_FOUND_HIERARCHY))
        return _metadata(BOOK_SCHEMA, "AddressBook", BOOK_NS, entity)


@blp.route("/address-books/<book_id>/children")
class BookChildren(ResourceView):
    """Children of an address book in the hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of child address books", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get child addressBooks for the given addressBook in the hierarchy."""
        shape = _wire()
        rows = hierarchy.children(book_id, _authority(), args["offset"], args["limit"])
        return _json([shape.book(row) for row in rows])


@blp.route("/address-books/<book_id>/children/<child_id>")
class BookChild(ResourceView):
    """One parent -> child edge of the hierarchy."""

    @blp.doc(**_doc(ok=MESSAGE, _200="The child addressBook has been added to the hierarchy",
                    _404="addressBook not found", _409="already a child, or the edge would make a cycle"))
    def put(self, book_id, child_id):
        """Add addressBook as child of the given addressBook in the hierarchy."""
        hierarchy.add_child(book_id, child_id, _authority())
        return _message("The child addressBook has been added to the hierarchy")

    @blp.doc(**_doc(ok=MESSAGE, _200="The child addressBook has been removed from the hierarchy",
                    _404="addressBook not found, or not a child"))
    def delete(self, book_id, child_id):
        """Remove the given addressBook as a child of the given addressBook in the hierarchy."""
        hierarchy.remove_child(book_id, child_id, _authority())
        return _message("The child addressBook has been removed from the hierarchy")


@blp.route("/address-books/<book_id>/parents")
class BookParents(ResourceView):
    """Parents of an address book in the hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of parent address books", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get parent addressBooks for the given addressBook in the hierarchy."""
        shape = _wire()
        rows = hierarchy.parents(book_id, _authority(), args["offset"], args["limit"])
        return _json([shape.book(row) for row in rows])


# ---------------------------------------------------------------- membership

@blp.route("/address-books/<book_id>/contacts")
class BookContacts(ResourceView):
    """Contacts in an address book."""

    @blp.arguments(wire.OsidMemberListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of contacts", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get all contacts in this addressBook (federated=true adds its descendants')."""
        shape = _wire()
        rows = contacts.book_contacts(book_id, args["federated"], _authority(), args["offset"], args["limit"])
        return _json([shape.contact(row) for row in rows])


@blp.route("/address-books/<book_id>/contacts/<contact_id>")
class BookContact(ResourceView):
    """A contact's membership in an address book."""

    @blp.doc(**_doc(ok=MESSAGE, _200="contact has been added to addressBook", _404="contact not found"))
    def put(self, book_id, contact_id):
        """Add the given contact to this addressBook (not a copy: the Id stays)."""
        books.add_member(KIND_CONTACT, book_id, contact_id, _authority())
        return _message("contact has been added to addressBook")

    @blp.doc(**_doc(ok=MESSAGE, _200="contact has been removed", _404="contact not found"))
    def delete(self, book_id, contact_id):
        """Remove the given contact from the addressBook (out of its last book, it is deleted)."""
        books.remove_member(KIND_CONTACT, book_id, contact_id, _authority())
        return _message("contact has been removed")


@blp.route("/address-books/<book_id>/addresses")
class BookAddresses(ResourceView):
    """Addresses in an address book."""

    @blp.arguments(wire.OsidMemberListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of addresses", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get all addresses in this addressBook (federated=true adds its descendants')."""
        shape = _wire()
        rows = addresses.book_addresses(book_id, args["federated"], _authority(), args["offset"], args["limit"])
        return _json([shape.address(row) for row in rows])


@blp.route("/address-books/<book_id>/addresses/<address_id>")
class BookAddress(ResourceView):
    """An address's membership in an address book."""

    @blp.doc(**_doc(ok=MESSAGE, _200="address has been added to addressBook", _404="address not found"))
    def put(self, book_id, address_id):
        """Add the given address to this addressBook (not a copy: the Id stays)."""
        books.add_member(KIND_ADDRESS, book_id, address_id, _authority())
        return _message("address has been added to addressBook")

    @blp.doc(**_doc(ok=MESSAGE, _200="address has been removed", _404="address not found",
                    _409="last address book of an address contacts reference"))
    def delete(self, book_id, address_id):
        """Remove the given address from the addressBook (out of its last book, it is deleted)."""
        books.remove_member(KIND_ADDRESS, book_id, address_id, _authority())
        return _message("address has been removed")


def register(api: Api, app: Flask) -> None:
    """Register the OSID routes, their body schemas and the `{"message"}` error format."""
    api.spec.components.schema("OsidContact", schema=wire.OsidContactSchema)
    api.spec.components.schema("OsidAddress", schema=wire.OsidAddressSchema)
    api.spec.components.schema("OsidAddressBook", schema=wire.OsidAddressBookSchema)
    api.register_blueprint(blp)
    document_dialect(api, PREFIX, error_schema_name="OsidError", error_schema=ERROR_SCHEMA,
                     error_content_type=CONTENT_TYPE, success_content_type=CONTENT_TYPE)
    register_error_format(PREFIX, render_error)
    register_item_read(app, PREFIX + "/contacts", PREFIX + "/contacts/<contact_id>", _contact_reader(app))
