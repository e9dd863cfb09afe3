"""CampusAPI / OSID contact services: contacts, addresses, address books and their hierarchy.

Ids are `namespace:identifier@authority` strings, URL-encoded in paths (Werkzeug
decodes `%3A`/`%40` before routing, and no Id issued here holds a `/`). Errors are
`{"message": ...}`; PUT/DELETE answer 200 with the spec's message bodies.
"""
from __future__ import annotations

import datetime
from typing import Any

from flask import Flask, Response, current_app, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, ValidationError

from models.osid import OsidAddress, OsidAddressBook, OsidBookAddress, OsidBookContact, OsidContact
from schemas import osid as wire
from services.osid import addresses as addresses
from services.osid import books as books
from services.osid import common as common
from services.osid import contacts as contacts
from services.osid import hierarchy as hierarchy
from services.errors import DomainError, FieldError, Invalid, NotFound
from services.osid.ids import ADDRESS_NS, BOOK_NS, CONTACT_NS, default_type, id_key, local_identifier
from services.osid.metadata import form_metadata

from .apidoc import document_dialect
from .errors import invalid_from_validation, register_error_format
from .http import etag_for, expected_version, json_response, read_json_body, request_url

PREFIX = "/contact"
CONTENT_TYPE = "application/json"
blp = Blueprint("osid", __name__, url_prefix=PREFIX,
                description="CampusAPI / OSID contact services: contacts, addresses, address books")

# ETag kinds (see blueprints.http.etag_for): one per object kind.
ETAG_CONTACT, ETAG_ADDRESS, ETAG_BOOK = "oc", "oa", "ob"
ERROR_SCHEMA = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
BOOK_NOT_FOUND = "address-book not found"  # the item routes' wording
BOOK_NOT_FOUND_HIERARCHY = "addressBook not found"  # metadata, hierarchy and membership routes


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


# ---------------------------------------------------------------- lookups

def _find(finder, id_text: str | None, namespace: str) -> dict | None:
    ident = local_identifier(id_text or "", namespace, _authority())
    return finder(ident) if ident else None


def _book(id_text: str, message: str = BOOK_NOT_FOUND) -> dict:
    row = _find(books.find_book, id_text, BOOK_NS)
    if row is None:
        raise NotFound(message)
    return row


def _contact(id_text: str) -> dict:
    row = _find(contacts.find_contact, id_text, CONTACT_NS)
    if row is None:
        raise NotFound("contact not found")
    return row


def _address(id_text: str) -> dict:
    row = _find(addresses.find_address, id_text, ADDRESS_NS)
    if row is None:
        raise NotFound("address not found")
    return row


def _referenced(find, id_text: str, namespace: str, param: str, noun: str) -> dict:
    """An object named by a query parameter of a create: 400 naming the parameter when unknown."""
    row = _find(find, id_text, namespace)
    if row is None:
        raise Invalid(f"{param}: {noun} {id_text} not found",
                      errors=[FieldError(param, "not found", "invalid", id_text)])
    return row


def _target_book(args: dict) -> int:
    """The book a create goes to: `addressBookId`, else the default book."""
    if args.get("addressBookId"):
        return _referenced(books.find_book, args["addressBookId"], BOOK_NS, "addressBookId", "address book")["pk"]
    return books.default_book_pk()


def _book_scope(args: dict):
    """Book pks a list is limited to by `addressBookId` (+ `federated`): None for all, [] for an unknown book."""
    if not args.get("addressBookId"):
        return None
    row = _find(books.find_book, args["addressBookId"], BOOK_NS)
    if row is None:
        return []
    return _scope_of(row, args)


def _scope_of(book: dict, args: dict):
    return hierarchy.descendants(book["pk"]) if args.get("federated") else [book["pk"]]


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


def _check_dates(start: datetime.datetime | None, end: datetime.datetime | None) -> None:
    if start is not None and end is not None and start > end:
        raise Invalid("endDate must not be before startDate",
                      errors=[FieldError("endDate", "before startDate", "minimum")])


def _created(entity: dict, version: int, kind: str) -> Response:
    return _json(entity, 201, {"ETag": etag_for(version, kind), "Location": entity["uri"]})


def _item(entity: dict, version: int, kind: str) -> Response:
    return _json(entity, headers={"ETag": etag_for(version, kind)})


def _page(query, model, args: dict) -> list[dict]:
    return common.page(query, model, args["offset"], args["limit"])


def _metadata(schema: Schema, title: str, namespace: str, existing: dict | None = None) -> Response:
    return _json(form_metadata(schema, title, namespace, _authority(), existing))


BODY_DOC = {name: {"required": True, "content": {"application/json": {
    "schema": {"$ref": f"#/components/schemas/{name}"}}}}
    for name in ("OsidContact", "OsidAddress", "OsidAddressBook")}


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


def _doc(body: str | None = None, ok: dict | None = None, **responses: str) -> dict:
    doc: dict = {"responses": {code.lstrip("_"): {"description": text} for code, text in responses.items()}}
    if ok is not None:
        success = next(code for code in doc["responses"] if code.startswith("2"))
        doc["responses"][success]["content"] = {CONTENT_TYPE: {"schema": ok}}
    if body:
        doc["requestBody"] = BODY_DOC[body]
    return doc


# ---------------------------------------------------------------- contacts

@blp.route("/contacts")
class Contacts(MethodView):
    """Contacts in the system."""

    @blp.arguments(wire.OsidContactListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of contacts"))
    def get(self, args):
        """List contacts (filters: types, address, reference, address book, effective dates)."""
        address_pk = None
        if args.get("addressId"):
            address = _find(addresses.find_address, args["addressId"], ADDRESS_NS)
            if address is None:
                return _json([])
            address_pk = address["pk"]
        book_pks = _book_scope(args)
        if isinstance(book_pks, list) and not book_pks:
            return _json([])
        start_by, end_from = _effective_range(args)
        query = contacts.contact_select(args, address_pk=address_pk, book_pks=book_pks,
                                        effective_from=start_by, effective_to=end_from)
        shape = _wire()
        return _json([shape.contact(row) for row in _page(query, OsidContact, args)])

    @blp.arguments(wire.OsidContactCreateArgs(), location="query")
    @blp.doc(**_doc("OsidContact", ok=OSID_OBJECT, _201="The created contact"))
    def post(self, args):
        """Create a contact of an address for a reference (in the default address book unless addressBookId)."""
        genus, records = _genus(args, "Contact"), _record_types(args)
        address = _referenced(addresses.find_address, args["addressId"], ADDRESS_NS, "addressId", "address")
        book_pk = _target_book(args)
        body = _read_body(wire.OsidContactSchema(), partial=False, known={
            "genusTypeId": genus, "recordTypeIds": records, "addressId": args["addressId"],
            "referenceId": args["referenceId"]})
        values = wire.columns_of(body, wire.CONTACT_COLUMNS)
        _check_dates(values.get("start_date"), values.get("end_date"))
        row = contacts.create_contact(values, address["pk"], args["referenceId"], genus, records, book_pk)
        return _created(_wire().contact(row), row["version"], ETAG_CONTACT)


def _effective_range(args: dict) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(latest allowed start, earliest allowed end) for `fromDate`/`toDate`.

    A bare date stands for the whole day: the contact must have started by the end of
    `fromDate` and not ended before the start of `toDate`. One bound alone means a
    one-point range (effective on that date).
    """
    low, high = args.get("fromDate"), args.get("toDate")
    if low is None and high is None:
        return None, None
    low, high = low or high, high or low
    if low[0] > high[0]:
        raise Invalid("fromDate must not be after toDate", errors=[FieldError("fromDate", "after toDate")])
    start_by = low[0] + datetime.timedelta(days=1, microseconds=-1) if low[1] else low[0]
    return start_by, high[0]


@blp.route("/contacts/metadata")
class ContactCreateMetadata(MethodView):
    """The create form of contacts."""

    @blp.arguments(wire.OsidContactCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating a contact"))
    def get(self, args):
        """Get form metadata for creating a new contact."""
        _genus(args, "Contact")
        _referenced(addresses.find_address, args["addressId"], ADDRESS_NS, "addressId", "address")
        _target_book(args)
        return _metadata(wire.OsidContactSchema(), "Contact", CONTACT_NS)


@blp.route("/contacts/<contact_id>")
class ContactItem(MethodView):
    """One contact."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The contact", _404="contact not found"))
    def get(self, contact_id):
        """Get a contact given its id."""
        row = _contact(contact_id)
        return _item(_wire().contact(row), row["version"], ETAG_CONTACT)

    @blp.doc(**_doc("OsidContact", ok=MESSAGE, _200="The contact has been updated", _404="contact not found"))
    def put(self, contact_id):
        """Update a given contact (fields absent from the body keep their values)."""
        version = expected_version(ETAG_CONTACT)
        row = _contact(contact_id)
        body = _read_body(wire.OsidContactSchema(), partial=True, known=_wire().contact(row))
        values = wire.columns_of(body, wire.CONTACT_COLUMNS)
        _check_dates(values.get("start_date", row["start_date"]), values.get("end_date", row["end_date"]))
        contacts.update_contact(row, values, version)
        return _message("The contact has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The contact has been deleted", _404="contact not found"))
    def delete(self, contact_id):
        """Delete a given contact (from every address book)."""
        version = expected_version(ETAG_CONTACT)
        contacts.delete_contact(_contact(contact_id), version)
        return _message("The contact has been deleted")


@blp.route("/contacts/<contact_id>/metadata")
class ContactUpdateMetadata(MethodView):
    """The update form of a contact."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the contact", _404="contact not found"))
    def get(self, contact_id):
        """Get form metadata for updating an existing contact."""
        entity = _wire().contact(_contact(contact_id))
        return _metadata(wire.OsidContactSchema(), "Contact", CONTACT_NS, entity)


# ---------------------------------------------------------------- addresses

@blp.route("/addresses")
class Addresses(MethodView):
    """Addresses in the system."""

    @blp.arguments(wire.OsidAddressListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of addresses"))
    def get(self, args):
        """List addresses (filters: types, resource, address book)."""
        book_pks = _book_scope(args)
        if isinstance(book_pks, list) and not book_pks:
            return _json([])
        shape = _wire()
        rows = _page(addresses.address_select(args, book_pks), OsidAddress, args)
        return _json([shape.address(row) for row in rows])

    @blp.arguments(wire.OsidInBookCreateArgs(), location="query")
    @blp.doc(**_doc("OsidAddress", ok=OSID_OBJECT, _201="The created address"))
    def post(self, args):
        """Create an address (in the default address book unless addressBookId)."""
        genus, records = _genus(args, "Address"), _record_types(args)
        book_pk = _target_book(args)
        body = _read_body(wire.OsidAddressSchema(), partial=False,
                          known={"genusTypeId": genus, "recordTypeIds": records})
        row = addresses.create_address(wire.columns_of(body, wire.ADDRESS_COLUMNS), genus, records, book_pk)
        return _created(_wire().address(row), row["version"], ETAG_ADDRESS)


@blp.route("/addresses/metadata")
class AddressCreateMetadata(MethodView):
    """The create form of addresses."""

    @blp.arguments(wire.OsidInBookCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating an address"))
    def get(self, args):
        """Get form metadata for creating a new address."""
        _genus(args, "Address")
        _target_book(args)
        return _metadata(wire.OsidAddressSchema(), "Address", ADDRESS_NS)


@blp.route("/addresses/<address_id>")
class AddressItem(MethodView):
    """One address."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The address", _404="address not found"))
    def get(self, address_id):
        """Get an address given its id."""
        row = _address(address_id)
        return _item(_wire().address(row), row["version"], ETAG_ADDRESS)

    @blp.doc(**_doc("OsidAddress", ok=MESSAGE, _200="The address has been updated", _404="address not found"))
    def put(self, address_id):
        """Update a given address (fields absent from the body keep their values)."""
        version = expected_version(ETAG_ADDRESS)
        row = _address(address_id)
        body = _read_body(wire.OsidAddressSchema(), partial=True, known=_wire().address(row))
        addresses.update_address(row, wire.columns_of(body, wire.ADDRESS_COLUMNS), version)
        return _message("The address has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The address has been deleted", _404="address not found",
                    _409="contacts still reference the address"))
    def delete(self, address_id):
        """Delete a given address from every address book (409 while contacts reference it)."""
        version = expected_version(ETAG_ADDRESS)
        addresses.delete_address(_address(address_id), version)
        return _message("The address has been deleted")


@blp.route("/addresses/<address_id>/metadata")
class AddressUpdateMetadata(MethodView):
    """The update form of an address."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the address", _404="address not found"))
    def get(self, address_id):
        """Get form metadata for updating an existing address."""
        entity = _wire().address(_address(address_id))
        return _metadata(wire.OsidAddressSchema(), "Address", ADDRESS_NS, entity)


# ---------------------------------------------------------------- address books

@blp.route("/address-books")
class AddressBooks(MethodView):
    """Address books in the system."""

    @blp.arguments(wire.OsidBookListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of address books"))
    def get(self, args):
        """List address books (filters: types, provider, contact, address)."""
        query = common.filter_types(OsidAddressBook.select(), OsidAddressBook, common.KIND_BOOK, args)
        if args.get("providerId"):
            query = query.where(OsidAddressBook.provider_key == id_key(args["providerId"]))
        for param, find, namespace, link, member in (
                ("contactId", contacts.find_contact, CONTACT_NS, OsidBookContact, OsidBookContact.contact),
                ("addressId", addresses.find_address, ADDRESS_NS, OsidBookAddress, OsidBookAddress.address)):
            if args.get(param):
                row = _find(find, args[param], namespace)
                if row is None:
                    return _json([])
                query = query.where(OsidAddressBook.pk.in_(link.select(link.book).where(member == row["pk"])))
        shape = _wire()
        return _json([shape.book(row) for row in _page(query, OsidAddressBook, args)])

    @blp.arguments(wire.OsidCreateArgs(), location="query")
    @blp.doc(**_doc("OsidAddressBook", ok=OSID_OBJECT, _201="The created address book"))
    def post(self, args):
        """Create an address book (outside the hierarchy until it gets a parent or a child)."""
        genus, records = _genus(args, "AddressBook"), _record_types(args)
        body = _read_body(wire.OsidAddressBookSchema(), partial=False,
                          known={"genusTypeId": genus, "recordTypeIds": records})
        row = books.create_book(wire.columns_of(body, wire.BOOK_COLUMNS), genus, records)
        return _created(_wire().book(row), row["version"], ETAG_BOOK)


@blp.route("/address-books/metadata")
class BookCreateMetadata(MethodView):
    """The create form of address books."""

    @blp.arguments(wire.OsidCreateArgs(), location="query")
    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for creating an address book"))
    def get(self, args):
        """Get form metadata for creating a new addressBook."""
        _genus(args, "AddressBook")
        return _metadata(wire.OsidAddressBookSchema(), "AddressBook", BOOK_NS)


@blp.route("/address-books/root-address-book")
class RootBooks(MethodView):
    """The roots of the address book hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of root address books"))
    def get(self, args):
        """Get the root address books (in the hierarchy, without parents)."""
        shape = _wire()
        return _json([shape.book(row) for row in _page(hierarchy.roots_select(), OsidAddressBook, args)])


@blp.route("/address-books/<book_id>")
class AddressBookItem(MethodView):
    """One address book."""

    @blp.doc(**_doc(ok=OSID_OBJECT, _200="The address book", _404="address-book not found"))
    def get(self, book_id):
        """Get an address-book given its id."""
        row = _book(book_id)
        return _item(_wire().book(row), row["version"], ETAG_BOOK)

    @blp.doc(**_doc("OsidAddressBook", ok=MESSAGE, _200="The address-book has been updated",
                    _404="address-book not found"))
    def put(self, book_id):
        """Update a given address-book (fields absent from the body keep their values)."""
        version = expected_version(ETAG_BOOK)
        row = _book(book_id)
        body = _read_body(wire.OsidAddressBookSchema(), partial=True, known=_wire().book(row))
        books.update_book(row, wire.columns_of(body, wire.BOOK_COLUMNS), version)
        return _message("The address-book has been updated")

    @blp.doc(**_doc(ok=MESSAGE, _200="The address-book has been deleted", _404="address-book not found",
                    _409="the default book, or addresses other books' contacts need"))
    def delete(self, book_id):
        """Delete a given address-book; contacts and addresses in no other book go with it."""
        version = expected_version(ETAG_BOOK)
        books.delete_book(_book(book_id), version)
        return _message("The address-book has been deleted")


@blp.route("/address-books/<book_id>/metadata")
class BookUpdateMetadata(MethodView):
    """The update form of an address book."""

    @blp.doc(**_doc(ok=METADATA, _200="Form metadata for updating the address book", _404="addressBook not found"))
    def get(self, book_id):
        """Get form metadata for updating an existing addressBook."""
        entity = _wire().book(_book(book_id, BOOK_NOT_FOUND_HIERARCHY))
        return _metadata(wire.OsidAddressBookSchema(), "AddressBook", BOOK_NS, entity)


@blp.route("/address-books/<book_id>/children")
class BookChildren(MethodView):
    """Children of an address book in the hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of child address books", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get child addressBooks for the given addressBook in the hierarchy."""
        book = _book(book_id, BOOK_NOT_FOUND_HIERARCHY)
        shape = _wire()
        return _json([shape.book(row) for row in
                      _page(hierarchy.children_select(book["pk"]), OsidAddressBook, args)])


@blp.route("/address-books/<book_id>/children/<child_id>")
class BookChild(MethodView):
    """One parent -> child edge of the hierarchy."""

    @blp.doc(**_doc(ok=MESSAGE, _200="The child addressBook has been added to the hierarchy",
                    _404="addressBook not found", _409="already a child, or the edge would make a cycle"))
    def put(self, book_id, child_id):
        """Add addressBook as child of the given addressBook in the hierarchy."""
        parent, child = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _book(child_id, BOOK_NOT_FOUND_HIERARCHY)
        hierarchy.add_child(parent["pk"], child["pk"], _label(parent), _label(child))
        return _message("The child addressBook has been added to the hierarchy")

    @blp.doc(**_doc(ok=MESSAGE, _200="The child addressBook has been removed from the hierarchy",
                    _404="addressBook not found, or not a child"))
    def delete(self, book_id, child_id):
        """Remove the given addressBook as a child of the given addressBook in the hierarchy."""
        parent, child = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _book(child_id, BOOK_NOT_FOUND_HIERARCHY)
        hierarchy.remove_child(parent["pk"], child["pk"], _label(parent), _label(child))
        return _message("The child addressBook has been removed from the hierarchy")


def _label(book: dict) -> str:
    return f"addressBook {_wire().osid_id(BOOK_NS, book['ident'])}"


@blp.route("/address-books/<book_id>/parents")
class BookParents(MethodView):
    """Parents of an address book in the hierarchy."""

    @blp.arguments(wire.OsidPageArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of parent address books", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get parent addressBooks for the given addressBook in the hierarchy."""
        book = _book(book_id, BOOK_NOT_FOUND_HIERARCHY)
        shape = _wire()
        return _json([shape.book(row) for row in
                      _page(hierarchy.parents_select(book["pk"]), OsidAddressBook, args)])


# ---------------------------------------------------------------- membership

@blp.route("/address-books/<book_id>/contacts")
class BookContacts(MethodView):
    """Contacts in an address book."""

    @blp.arguments(wire.OsidMemberListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of contacts", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get all contacts in this addressBook (federated=true adds its descendants')."""
        book = _book(book_id, BOOK_NOT_FOUND_HIERARCHY)
        query = contacts.contact_select({}, book_pks=_scope_of(book, args))
        shape = _wire()
        return _json([shape.contact(row) for row in _page(query, OsidContact, args)])


@blp.route("/address-books/<book_id>/contacts/<contact_id>")
class BookContact(MethodView):
    """A contact's membership in an address book."""

    @blp.doc(**_doc(ok=MESSAGE, _200="contact has been added to addressBook", _404="contact not found"))
    def put(self, book_id, contact_id):
        """Add the given contact to this addressBook (not a copy: the Id stays)."""
        book, contact = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _contact(contact_id)
        books.assign(OsidBookContact, "contact", book["pk"], contact["pk"])
        return _message("contact has been added to addressBook")

    @blp.doc(**_doc(ok=MESSAGE, _200="contact has been removed", _404="contact not found"))
    def delete(self, book_id, contact_id):
        """Remove the given contact from the addressBook (out of its last book, it is deleted)."""
        book, contact = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _contact(contact_id)
        if books.unassign_contact(book["pk"], contact["pk"]) is None:
            raise NotFound("contact not found in this addressBook")
        return _message("contact has been removed")


@blp.route("/address-books/<book_id>/addresses")
class BookAddresses(MethodView):
    """Addresses in an address book."""

    @blp.arguments(wire.OsidMemberListArgs(), location="query")
    @blp.doc(**_doc(ok=OBJECTS, _200="Array of addresses", _404="addressBook not found"))
    def get(self, args, book_id):
        """Get all addresses in this addressBook (federated=true adds its descendants')."""
        book = _book(book_id, BOOK_NOT_FOUND_HIERARCHY)
        query = addresses.address_select({}, _scope_of(book, args))
        shape = _wire()
        return _json([shape.address(row) for row in _page(query, OsidAddress, args)])


@blp.route("/address-books/<book_id>/addresses/<address_id>")
class BookAddress(MethodView):
    """An address's membership in an address book."""

    @blp.doc(**_doc(ok=MESSAGE, _200="address has been added to addressBook", _404="address not found"))
    def put(self, book_id, address_id):
        """Add the given address to this addressBook (not a copy: the Id stays)."""
        book, address = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _address(address_id)
        books.assign(OsidBookAddress, "address", book["pk"], address["pk"])
        return _message("address has been added to addressBook")

    @blp.doc(**_doc(ok=MESSAGE, _200="address has been removed", _404="address not found",
                    _409="last address book of an address contacts reference"))
    def delete(self, book_id, address_id):
        """Remove the given address from the addressBook (out of its last book, it is deleted)."""
        book, address = _book(book_id, BOOK_NOT_FOUND_HIERARCHY), _address(address_id)
        if books.unassign_address(book["pk"], address["pk"]) is None:
            raise NotFound("address not found in this addressBook")
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
