"""CampusAPI / OSID contact wire format: body schemas, query parameters and entities.

The body schemas are the single description of each object: they validate request
bodies, their declaration order is the wire order, and the `metadata` endpoints are
generated from them (services/osid/metadata.py). Field metadata: `description`,
`label` (elementLabel), `instructions`, `format` (JSON Schema format).
"""
from __future__ import annotations

import datetime
import json
from urllib.parse import quote

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from services.osid.ids import ADDRESS_NS, BOOK_NS, CONTACT_NS, MAX_ID_LENGTH, format_id, parse_id

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
NAME_LENGTH = validate.Length(min=1, max=128)
TEXT_LENGTH = validate.Length(min=0, max=128)
ADDRESS_TEXT_LENGTH = validate.Length(min=0, max=4096)


# ---------------------------------------------------------------- field types

class OsidIdField(fields.String):
    """An OSID Id string, `namespace:identifier@authority`."""

    default_error_messages = {
        "osid_id": "Not a valid OSID Id: expected namespace:identifier@authority "
                   f"(at most {MAX_ID_LENGTH} characters, no spaces).",
    }

    def __init__(self, **kwargs):
        metadata = {"format": "osid-id", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if parse_id(text) is None:
            raise self.make_error("osid_id")
        return text


def parse_instant(text: str) -> tuple[datetime.datetime, bool] | None:
    """A UTC naive datetime (ms precision) from ISO 8601, and whether `text` was a bare date."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value, len(text) == 10


def format_instant(value: datetime.datetime | None) -> str | None:
    """The wire form of an instant: 2020-10-03T06:30:00.000Z."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored instants are naive UTC; isoformat is the cheap way
        return value.isoformat(timespec="milliseconds") + "Z"
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class DateTimeField(fields.Field):
    """An ISO 8601 date-time (a bare date means midnight UTC; no zone means UTC)."""

    default_error_messages = {"invalid": "Not a valid date-time: expected ISO 8601, "
                                         "e.g. 2020-10-03T06:30:00.000Z."}

    def __init__(self, **kwargs):
        metadata = {"format": "date-time", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = parse_instant(value)
        if parsed is None:
            raise self.make_error("invalid")
        return parsed[0]


class DateBoundField(fields.Field):
    """A query date: `2020-10-03` (a whole day) or a full ISO 8601 date-time."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD or an ISO 8601 date-time."}

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = parse_instant(value)
        if parsed is None:
            raise self.make_error("invalid")
        return parsed


class TypeListField(fields.List):
    """Record type Ids: the parameter repeated, or once as a JSON array."""

    def __init__(self, **kwargs):
        super().__init__(OsidIdField(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).lstrip().startswith("["):
            try:
                value = json.loads(value[0])
            except ValueError:
                raise ValidationError("Not a valid JSON array of type Ids.") from None
            if not isinstance(value, list):
                raise ValidationError("Not a valid JSON array of type Ids.")
        return super()._deserialize(value, attr, data, **kwargs)


def _meta(description: str, label: str | None = None, instructions: str | None = None) -> dict:
    meta = {"description": description}
    if label:
        meta.update(label=label, instructions=instructions)
    return meta


def _read_only_id(description: str) -> OsidIdField:
    return OsidIdField(dump_only=True, metadata=_meta(description))


# ---------------------------------------------------------------- bodies

class _Body(Schema):
    class Meta:
        unknown = RAISE


def _common_fields(noun: str) -> dict[str, fields.Field]:
    """id, uri, displayName, description, genusTypeId, recordTypeIds of an OsidObject."""
    return {
        "id": _read_only_id(f"The unique id of this {noun}, provided by system."),
        "uri": fields.String(dump_only=True, metadata={
            "description": f"The uri of this {noun}, provided by system.", "format": "uri"}),
        "displayName": fields.String(required=True, validate=NAME_LENGTH, metadata=_meta(
            f"The name of this {noun} for display.", "Name", f"Enter a name for this {noun}")),
        "description": fields.String(allow_none=True, validate=TEXT_LENGTH, metadata=_meta(
            f"The description of this {noun}.", "Description", f"Enter a description for this {noun}")),
        "genusTypeId": _read_only_id(
            f"Id of the immutable type of this {noun}. Default type set by system unless specified "
            "in query parameter on initial post."),
        "recordTypeIds": fields.List(OsidIdField(), dump_only=True, metadata=_meta(
            f"Type Ids of record types available on this {noun}. Record types define special "
            "attributes available on an object to support specific applications or classes of "
            "applications and are documented elsewhere.")),
    }


class OsidContactSchema(_Body, Schema.from_dict({
    **_common_fields("contact"),
    "startDate": DateTimeField(allow_none=True, metadata=_meta(
        "The starting date of this contact.", "Start Date", "Enter a starting date for this contact")),
    "endDate": DateTimeField(allow_none=True, metadata=_meta(
        "The ending date of this contact.", "End Date", "Enter an ending date for this contact")),
    "endReasonId": OsidIdField(allow_none=True, metadata=_meta(
        "The reason this contact ended. A process/State object.", "End Reason",
        "Select the reason this contact ended")),
    "addressId": _read_only_id("The address associated with this contact. A contact.Address object; "
                               "set by the addressId query parameter on initial post."),
    "referenceId": _read_only_id("The reference associated with this contact. An id.Id; set by the "
                                 "referenceId query parameter on initial post."),
    "addresseeId": OsidIdField(allow_none=True, metadata=_meta(
        "The addressee. A resource.Resource object.", "Addressee",
        "Enter the Id of the addressee for this contact.")),
}, name="_OsidContactFields")):
    """A contact (an address <-> reference link) as a client sends and reads it."""

class OsidAddressSchema(_Body, Schema.from_dict({
    **_common_fields("address"),
    "resourceId": OsidIdField(allow_none=True, metadata=_meta(
        "The resource to which this address belongs.", "Resource",
        "Enter the Id of the resource for this address.")),
    "addressText": fields.String(allow_none=True, validate=ADDRESS_TEXT_LENGTH, metadata=_meta(
        "A usable text form of the address (e.g. tom@earth.com); OSID Address.addressText.",
        "Address", "Enter the text of this address")),
}, name="_OsidAddressFields")):
    """An address as a client sends and reads it."""


class OsidAddressBookSchema(_Body, Schema.from_dict({
    **_common_fields("address book"),
    "providerId": OsidIdField(allow_none=True, metadata=_meta(
        "The provider of this address book.", "Provider", "Enter the provider of this address book")),
    "brandingIds": fields.List(OsidIdField(), allow_none=True, metadata=_meta(
        "The branding of this address book. A list of Assets.", "Branding",
        "Enter the branding images for this address book")),
    "license": fields.String(allow_none=True, validate=TEXT_LENGTH, metadata=_meta(
        "The licensing that applies to this address book.", "License",
        "Include a license for this address book")),
}, name="_OsidAddressBookFields")):
    """An address book; `brandingId` (one Id, as in the spec's examples) is read as `brandingIds`."""

    @pre_load
    def _branding_alias(self, data, **kwargs):
        if isinstance(data, dict) and "brandingId" in data:
            if "brandingIds" in data:
                raise ValidationError("Send brandingIds or brandingId, not both.", "brandingId")
            data = dict(data)
            single = data.pop("brandingId")
            data["brandingIds"] = [] if single is None else [single]
        return data


# Body field (wire) -> column, for the writable fields.
CONTACT_COLUMNS = {"displayName": "display_name", "description": "description", "startDate": "start_date",
                   "endDate": "end_date", "endReasonId": "end_reason_id", "addresseeId": "addressee_id"}
ADDRESS_COLUMNS = {"displayName": "display_name", "description": "description",
                   "resourceId": "resource_id", "addressText": "address_text"}
BOOK_COLUMNS = {"displayName": "display_name", "description": "description", "providerId": "provider_id",
                "brandingIds": "branding_ids", "license": "license"}
# Columns that hold "" rather than NULL when cleared.
TEXT_COLUMNS = {"display_name", "description", "address_text", "license"}


def columns_of(body: dict, mapping: dict[str, str]) -> dict:
    """Column values of a validated body (null clears: "" for text, [] for lists)."""
    values = {}
    for wire, column in mapping.items():
        if wire in body:
            value = body[wire]
            if value is None and column in TEXT_COLUMNS:
                value = ""
            elif value is None and column == "branding_ids":
                value = []
            values[column] = value
    return values


# ---------------------------------------------------------------- query parameters

class OsidPageArgs(Schema):
    """offset/limit of every list."""

    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=2**62, error="Must be a non-negative integer (at most 2^62)."),
        metadata={"description": "Skip over a number of elements (default 0)"})
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=0, max=MAX_LIMIT, error="Must be between {min} and {max}."),
        metadata={"description": f"Number of elements (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"})


class OsidTypeFilterArgs(OsidPageArgs):
    """Genus and record type filters."""

    genusTypeId = OsidIdField(metadata={"description": "Match this genus type"})
    parentGenusTypeId = OsidIdField(metadata={"description": "Match this genus type or its descendants"})
    recordTypeId = OsidIdField(metadata={"description": "Match objects having this record type"})


def _federated() -> fields.Boolean:
    return fields.Boolean(load_default=False, metadata={
        "description": "true: include the address books below the given one in the hierarchy"})


class OsidContactListArgs(OsidTypeFilterArgs):
    """Query parameters of GET /contacts."""

    fromDate = DateBoundField(metadata={"description": "Effective from this date (inclusive), e.g. 2020-10-03"})
    toDate = DateBoundField(metadata={"description": "Effective up to this date (inclusive), e.g. 2020-12-18"})
    addressId = OsidIdField(metadata={"description": "Contacts of this address"})
    referenceId = OsidIdField(metadata={"description": "Contacts of this reference"})
    addressBookId = OsidIdField(metadata={"description": "Contacts in this address book"})
    federated = _federated()


class OsidAddressListArgs(OsidTypeFilterArgs):
    """Query parameters of GET /addresses."""

    resourceId = OsidIdField(metadata={"description": "Addresses of this resource"})
    addressBookId = OsidIdField(metadata={"description": "Addresses in this address book"})
    federated = _federated()


class OsidBookListArgs(OsidTypeFilterArgs):
    """Query parameters of GET /address-books."""

    providerId = OsidIdField(metadata={"description": "Address books of this provider"})
    contactId = OsidIdField(metadata={"description": "Address books holding this contact"})
    addressId = OsidIdField(metadata={"description": "Address books holding this address"})


class OsidMemberListArgs(OsidPageArgs):
    """Query parameters of an address book's contacts or addresses."""

    federated = _federated()


class OsidCreateArgs(Schema):
    """Query parameters of POST (and of the create metadata)."""

    genusType = OsidIdField(metadata={"description": "The genus type of the new object"})
    genusTypeId = OsidIdField(metadata={"description": "Alias of genusType"})
    recordType = TypeListField(metadata={"description": "Record type Ids (repeat the parameter "
                                                        "or send a JSON array)"})


class OsidInBookCreateArgs(OsidCreateArgs):
    """Creation parameters of objects that live in an address book."""

    addressBookId = OsidIdField(metadata={"description": "The address book to create in "
                                                         "(default: the default address book)"})


class OsidContactCreateArgs(OsidInBookCreateArgs):
    """Creation parameters of a contact."""

    addressId = OsidIdField(required=True, metadata={"description": "The address of the contact"})
    referenceId = OsidIdField(required=True, metadata={"description": "The reference of the contact"})


# ---------------------------------------------------------------- rows -> wire

class Wire:
    """Turns rows into entities for one request: the Id authority and this server's URL."""

    def __init__(self, authority: str, host_url: str):
        self.authority = authority
        self.base = host_url.rstrip("/") + "/contact"

    def osid_id(self, namespace: str, ident: str) -> str:
        """The Id of a local object."""
        return format_id(namespace, ident, self.authority)

    def _head(self, row: dict, namespace: str, collection: str) -> dict:
        object_id = self.osid_id(namespace, row["ident"])
        return {
            "id": object_id,
            "uri": f"{self.base}/{collection}/{quote(object_id, safe='')}",
            "displayName": row["display_name"],
            "description": row["description"],
            "genusTypeId": row["genus_type_id"],
            "recordTypeIds": list(row["record_type_ids"] or []),
        }

    def contact(self, row: dict) -> dict:
        """A contact entity (row from services.osid.contacts, with `address_ident`)."""
        entity = self._head(row, CONTACT_NS, "contacts")
        entity.update(
            startDate=format_instant(row["start_date"]),
            endDate=format_instant(row["end_date"]),
            endReasonId=row["end_reason_id"],
            addressId=self.osid_id(ADDRESS_NS, row["address_ident"]),
            referenceId=row["reference_id"],
            addresseeId=row["addressee_id"],
        )
        return entity

    def address(self, row: dict) -> dict:
        """An address entity."""
        entity = self._head(row, ADDRESS_NS, "addresses")
        entity.update(resourceId=row["resource_id"], addressText=row["address_text"])
        return entity

    def book(self, row: dict) -> dict:
        """An address book entity."""
        entity = self._head(row, BOOK_NS, "address-books")
        entity.update(providerId=row["provider_id"], brandingIds=list(row["branding_ids"] or []),
                      license=row["license"])
        return entity
