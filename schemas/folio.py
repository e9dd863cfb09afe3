"""FOLIO organizations-storage contact records <-> canonical cards.

Validation mimics the real module (docs/mapping/folio.md): Jackson reads the body first
(unknown property -> 422, wrong JSON type -> 400 text, documented coercions accepted),
then Hibernate Validator checks required fields and patterns (-> 422, every
violation). Conversion keeps what FOLIO sent but the canonical store cannot hold
(sub-object ids, `isPrimary` as sent, fields sent as "") in the card's `extra`.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
URL_PATTERN = "^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)"
MODEL = "org.folio.rest.jaxrs.model."
SOURCE = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: {column}]"
PHONE_TYPES = ("Office", "Mobile", "Fax", "Other")
# FOLIO phone type <-> canonical phone type (canonical local/public/home show as Other)
TYPE_TO_CANONICAL = {"Office": "office", "Mobile": "mobile", "Fax": "fax", "Other": "other"}
TYPE_FROM_CANONICAL = {"office": "Office", "mobile": "Mobile", "fax": "Fax", "other": "Other",
                       "local": "Other", "public": "Other", "home": "Other"}

# property -> kind; kinds: str, bool, int, enum, [Class] (array of objects), [str], {Class} (object)
METADATA = {"createdDate": "str", "createdByUserId": "str", "createdByUsername": "str",
            "updatedDate": "str", "updatedByUserId": "str", "updatedByUsername": "str"}
PHONE = {"id": "str", "phoneNumber": "str", "categories": "[str]", "type": "enum", "isPrimary": "bool",
         "language": "str", "metadata": "{Metadata}"}
EMAIL = {"id": "str", "value": "str", "description": "str", "isPrimary": "bool", "categories": "[str]",
         "language": "str", "metadata": "{Metadata}"}
ADDRESS = {"id": "str", "addressLine1": "str", "addressLine2": "str", "city": "str", "stateRegion": "str",
           "zipCode": "str", "country": "str", "isPrimary": "bool", "categories": "[str]", "language": "str",
           "metadata": "{Metadata}"}
URL = {"id": "str", "value": "str", "description": "str", "language": "str", "isPrimary": "bool",
       "categories": "[str]", "notes": "str", "metadata": "{Metadata}"}
CONTACT = {"id": "str", "_version": "int", "prefix": "str", "firstName": "str", "lastName": "str",
           "language": "str", "notes": "str", "phoneNumbers": "[PhoneNumber]", "emails": "[Email]",
           "addresses": "[Address]", "urls": "[Url]", "categories": "[str]", "inactive": "bool",
           "metadata": "{Metadata}"}
CLASSES = {"Contact": CONTACT, "PhoneNumber": PHONE, "Email": EMAIL, "Address": ADDRESS, "Url": URL,
           "Metadata": METADATA}
JAVA_TYPES = {"str": "java.lang.String", "bool": "java.lang.Boolean", "int": "java.lang.Integer"}


class BodyError(Exception):
    """Jackson could not read the body: 400 text/plain with `text`."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class UnknownProperty(Exception):
    """Jackson's UnrecognizedPropertyException: FOLIO answers 422 with `message`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- reading (Jackson)

def read_contact(raw: bytes) -> dict:
    """Parse and deserialize a contact body like RMB's Jackson: the record, normalised."""
    if not raw.strip():
        raise BodyError("HV000116: The object to be validated must not be null.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError("Invalid UTF-8 middle byte" + SOURCE.format(column=1)) from None
    except json.JSONDecodeError as exc:
        raise BodyError(_jackson_syntax(raw.decode("utf-8", "replace"), exc)) from None
    if data is None:
        raise BodyError("HV000116: The object to be validated must not be null.")
    _check_surrogates(data)
    reader = _Reader(raw.decode("utf-8"))
    return reader.read_object(data, "Contact", [])


def _check_surrogates(data: Any) -> None:
    """A `\\ud800`-style escape without its pair cannot be stored (nor sent back) as UTF-8: 400."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start:exc.end]
        raise BodyError(f"Invalid JSON string: unpaired UTF-16 surrogate (\\u{ord(char):04x}) cannot be stored"
                        + SOURCE.format(column=1)) from None


def _jackson_syntax(text: str, exc: json.JSONDecodeError) -> str:
    """A Jackson-style message for malformed JSON (first line and location)."""
    char = text[exc.pos] if exc.pos < len(text) else None
    if char is None:
        first = "Unexpected end-of-input: expected close marker for Object"
    elif exc.msg.startswith("Expecting property name"):
        first = f"Unexpected character ('{char}' (code {ord(char)})): was expecting double-quote to start field name"
    else:
        first = f"Unexpected character ('{char}' (code {ord(char)})): {exc.msg.lower()}"
    return f"{first}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); " \
           f"line: {exc.lineno}, column: {exc.colno}]"


def _chain(path: list) -> str:
    return "->".join(path)


def _token(value: Any) -> str:
    if isinstance(value, dict):
        return "Object value (token `JsonToken.START_OBJECT`)"
    if isinstance(value, list):
        return "Array value (token `JsonToken.START_ARRAY`)"
    if isinstance(value, str):
        return "String value (token `JsonToken.VALUE_STRING`)"
    if isinstance(value, bool):
        return f"Boolean value (token `JsonToken.VALUE_{str(value).upper()}`)"
    return "Number value (token `JsonToken.VALUE_NUMBER_INT`)"


class _Reader:
    def __init__(self, text: str):
        self.text = text

    def fail(self, message: str, path: list) -> BodyError:
        return BodyError(f"{message}{SOURCE.format(column=1)} (through reference chain: {_chain(path)})")

    def read_object(self, data: Any, cls: str, path: list) -> dict:
        java = MODEL + cls
        if not isinstance(data, dict):
            if isinstance(data, list):
                raise self.fail(f"Cannot deserialize value of type `{java}` from {_token(data)}", path) \
                    if path else BodyError(f"Cannot deserialize value of type `{java}` from {_token(data)}"
                                           + SOURCE.format(column=1))
            kind = "String" if isinstance(data, str) else "int/Int" if isinstance(data, int) else "double/Double"
            shown = f"'{data}'" if isinstance(data, str) else str(data).lower()
            text = (f"Cannot construct instance of `{java}` (although at least one Creator exists): "
                    f"no {kind}-argument constructor/factory method to deserialize from "
                    f"{'String' if isinstance(data, str) else 'Number'} value ({shown})")
            raise self.fail(text, path) if path else BodyError(text + SOURCE.format(column=1))
        props = CLASSES[cls]
        out: dict = {}
        for key, value in data.items():
            here = path + [f'{java}["{key}"]']
            if key not in props:
                known = ", ".join(f'"{name}"' for name in props)
                raise UnknownProperty(
                    f'Unrecognized field "{key}" (class {java}), not marked as ignorable '
                    f"({len(props)} known properties: {known}])"
                    f"{SOURCE.format(column=self._column_of(key))} (through reference chain: {_chain(here)})")
            if value is None:
                continue  # Jackson sets null; the POJO drops it (@JsonInclude NON_NULL)
            out[key] = self.read_value(value, props[key], key, cls, here)
        return out

    def _column_of(self, key: str) -> int:
        at = self.text.find(f'"{key}"')
        return at + len(key) + 3 if at >= 0 else 1

    def read_value(self, value: Any, kind: str, key: str, cls: str, path: list) -> Any:
        if kind == "str":
            if isinstance(value, (dict, list)):
                raise self.fail(f"Cannot deserialize value of type `java.lang.String` from {_token(value)}", path)
            return _scalar_text(value)
        if kind == "bool":
            return self._bool(value, path)
        if kind == "int":
            return self._int(value, path)
        if kind == "enum":
            java = f"{MODEL}PhoneNumber$Type"
            text = _scalar_text(value) if not isinstance(value, (dict, list)) else None
            if text not in PHONE_TYPES:
                raise self.fail(f"Cannot construct instance of `{java}`, problem: {text}", path)
            return text
        if kind.startswith("{"):
            return self.read_object(value, kind[1:-1], path)
        item_kind = kind[1:-1]
        java_item = "java.lang.String" if item_kind == "str" else MODEL + item_kind
        if not isinstance(value, list):
            raise self.fail(f"Cannot deserialize value of type `java.util.ArrayList<{java_item}>` from "
                            f"{_token(value)}", path)
        items = []
        for i, item in enumerate(value):
            item_path = path + [f"java.util.ArrayList[{i}]"]
            if item is None:
                continue
            if item_kind == "str":
                if isinstance(item, (dict, list)):
                    raise self.fail(f"Cannot deserialize value of type `java.lang.String` from {_token(item)}",
                                    item_path)
                items.append(_scalar_text(item))
            else:
                items.append(self.read_object(item, item_kind, item_path))
        return items

    def _bool(self, value: Any, path: list) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            if value in ("true", "True", "TRUE"):
                return True
            if value in ("false", "False", "FALSE"):
                return False
            raise self.fail(f'Cannot deserialize value of type `java.lang.Boolean` from String "{value}": '
                            'only "true" or "false" recognized', path)
        raise self.fail(f"Cannot deserialize value of type `java.lang.Boolean` from {_token(value)}", path)

    def _int(self, value: Any, path: list) -> int:
        if isinstance(value, (bool, dict, list)):
            raise self.fail(f"Cannot deserialize value of type `java.lang.Integer` from {_token(value)}", path)
        number = None
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()) or (
                isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,10}", value.strip())):
            number = int(value)
        if number is not None:
            if not -2**31 <= number <= 2**31 - 1:  # a java.lang.Integer (and orjson cannot send > 64 bits back)
                raise self.fail(f"Numeric value ({value}) out of range of int (-2147483648 - 2147483647)", path)
            return number
        raise self.fail(f'Cannot deserialize value of type `java.lang.Integer` from String "{value}": '
                        "not a valid `java.lang.Integer` value", path)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ---------------------------------------------------------------- validation (Hibernate)

CATEGORY_MAX = 64


def violations(record: dict) -> list[dict]:
    """Every constraint violation of a deserialized record, as FOLIO error objects."""
    found: list[dict] = []

    def not_null(obj: dict, key: str, path: str) -> None:
        if obj.get(key) is None:
            found.append(_error("must not be null", "jakarta.validation.constraints.NotNull.message", path, "null"))

    def pattern(obj: dict, key: str, regex: str, path: str) -> None:
        value = obj.get(key)
        if value is not None and re.fullmatch(regex, value) is None:
            found.append(_error(f'must match "{regex}"', "jakarta.validation.constraints.Pattern.message",
                                path, value))

    pattern(record, "id", UUID_PATTERN, "id")
    # A contact's categories become groups, whose ids are at most 64 characters (FOLIO's are UUIDs).
    for i, category in enumerate(record.get("categories") or []):
        if isinstance(category, str) and len(category) > CATEGORY_MAX:
            found.append(_error(f"size must be between 0 and {CATEGORY_MAX}",
                                "jakarta.validation.constraints.Size.message", f"categories[{i}]", category))
    not_null(record, "firstName", "firstName")
    not_null(record, "lastName", "lastName")
    required = {"phoneNumbers": "phoneNumber", "emails": "value", "urls": "value", "addresses": None}
    for kind, key in required.items():
        for i, item in enumerate(record.get(kind) or []):
            pattern(item, "id", UUID_PATTERN, f"{kind}[{i}].id")
            if key:
                not_null(item, key, f"{kind}[{i}].{key}")
            if kind == "urls":
                pattern(item, "value", URL_PATTERN, f"urls[{i}].value")
    return found


def _error(message: str, code: str, key: str, value: str) -> dict:
    return {"message": message, "type": "1", "code": code, "parameters": [{"key": key, "value": value}]}


# ---------------------------------------------------------------- record -> card

CHILD_FIELDS = {
    # FOLIO kind -> (canonical kind, FOLIO key -> canonical column, optional string keys)
    "phoneNumbers": ("phones", {"phoneNumber": "value", "language": "language"}, ("language",)),
    "emails": ("emails", {"value": "value", "description": "description", "language": "language"},
               ("description", "language")),
    "addresses": ("addresses", {"addressLine1": "line1", "addressLine2": "line2", "city": "city",
                                "stateRegion": "region", "zipCode": "postal_code", "country": "country",
                                "language": "language"},
                  ("addressLine1", "addressLine2", "city", "stateRegion", "zipCode", "country", "language")),
    "urls": ("urls", {"value": "value", "description": "description", "language": "language", "notes": "notes"},
             ("description", "language", "notes")),
}
OPTIONAL_TOP = {"prefix": "prefix", "language": "language", "notes": "notes"}


def card_changes(record: dict, current: dict | None) -> dict:
    """Canonical changes for a whole FOLIO record (POST, or PUT replacing the FOLIO view).

    `groups` is left as category ids; the caller turns them into group autokeys.
    """
    changes: dict[str, Any] = {
        "given_name": record.get("firstName", ""),
        "family_name": record.get("lastName", ""),
        "inactive": bool(record.get("inactive", False)),
    }
    empty = []
    for key, column in OPTIONAL_TOP.items():
        changes[column] = record.get(key, "")
        if record.get(key) == "":
            empty.append(key)
    extra = dict((current or {}).get("extra") or {})
    folio: dict[str, Any] = {}
    if empty:
        folio["empty"] = empty
    if record.get("_version") is not None and record["_version"] != -1:
        folio["_version"] = record["_version"]
    if folio:
        extra["folio"] = folio
    else:
        extra.pop("folio", None)
    changes["extra"] = extra or None
    for kind, (canonical, _, _) in CHILD_FIELDS.items():
        existing = list((current or {}).get(canonical) or [])
        changes[canonical] = [_child_row(kind, item, existing) for item in record.get(kind) or []]
    changes["categories"] = [category.lower() for category in record.get("categories") or []]
    return changes


def _child_row(kind: str, item: dict, existing: list[dict]) -> dict:
    _, mapping, optional = CHILD_FIELDS[kind]
    row: dict[str, Any] = {column: item.get(key, "") for key, column in mapping.items()}
    row["categories"] = list(item.get("categories") or [])
    row["is_primary"] = bool(item.get("isPrimary", False))
    folio: dict[str, Any] = {}
    for key in ("id", "isPrimary"):
        if key in item:
            folio[key] = item[key]
    empty = [key for key in optional if item.get(key) == ""]
    if empty:
        folio["empty"] = empty
    # Keep what other dialects stored on the same value (slot, label, finer phone type).
    match = _take_match(existing, row.get("value") if "value" in row else None)
    base_extra = dict((match or {}).get("extra") or {})
    if kind == "phoneNumbers":
        wanted = item.get("type")
        current_type = (match or {}).get("type") or ""
        if wanted is None:
            row["type"] = current_type if current_type not in TYPE_FROM_CANONICAL else ""
        elif TYPE_FROM_CANONICAL.get(current_type) == wanted:
            row["type"] = current_type
        else:
            row["type"] = TYPE_TO_CANONICAL[wanted]
    elif match:
        row["type"] = match.get("type") or ""
    if match:
        row["slot"] = match.get("slot")
        row["label"] = match.get("label") or ""
    # Always marked, so a missing `isPrimary` stays missing on output.
    base_extra["folio"] = folio
    row["extra"] = base_extra
    return row


def _take_match(existing: list[dict], value: str | None) -> dict | None:
    if value is None:
        return None
    for i, row in enumerate(existing):
        if row.get("value") == value:
            return existing.pop(i)
    return None


# ---------------------------------------------------------------- card -> record

def format_date(value: datetime.datetime | None) -> str | None:
    """RMB's Jackson date format: milliseconds and `+00:00`."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored instants are naive UTC; isoformat is the cheap way
        return value.isoformat(timespec="milliseconds") + "+00:00"
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}+00:00"


def stored_date(value: datetime.datetime | None) -> str | None:
    """The date as stored in the jsonb column (what CQL compares): milliseconds and `Z`."""
    if value is None:
        return None
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def metadata_of(card: dict, formatter=format_date) -> dict:
    """`metadata` of a record: dates and, when known, user ids."""
    meta: dict[str, Any] = {"createdDate": formatter(card.get("created"))}
    if card.get("created_by"):
        meta["createdByUserId"] = card["created_by"]
    meta["updatedDate"] = formatter(card.get("updated"))
    if card.get("updated_by"):
        meta["updatedByUserId"] = card["updated_by"]
    return meta


def contact_record(card: dict) -> dict:
    """The FOLIO contact record of a card, in the schema's property order."""
    folio = (card.get("extra") or {}).get("folio") or {}
    empty = folio.get("empty") or []
    record: dict[str, Any] = {"id": card["id"]}
    if "_version" in folio:
        record["_version"] = folio["_version"]
    if card.get("prefix") or "prefix" in empty:
        record["prefix"] = card.get("prefix") or ""
    record["firstName"] = card.get("given_name") or ""
    record["lastName"] = card.get("family_name") or ""
    for key in ("language", "notes"):
        if card.get(key) or key in empty:
            record[key] = card.get(key) or ""
    for kind, (canonical, _, _) in CHILD_FIELDS.items():
        record[kind] = [child_object(kind, row) for row in card.get(canonical) or []]
    record["categories"] = [group["id"] for group in card.get("groups") or []]
    record["inactive"] = bool(card.get("inactive"))
    record["metadata"] = metadata_of(card)
    return record


CHILD_ORDER = {
    "phoneNumbers": ("id", "phoneNumber", "categories", "type", "isPrimary", "language"),
    "emails": ("id", "value", "description", "isPrimary", "categories", "language"),
    "addresses": ("id", "addressLine1", "addressLine2", "city", "stateRegion", "zipCode", "country",
                  "isPrimary", "categories", "language"),
    "urls": ("id", "value", "description", "language", "isPrimary", "categories", "notes"),
}


def child_object(kind: str, row: dict) -> dict:
    """One FOLIO phone/email/address/url object of a canonical child row."""
    _, mapping, optional = CHILD_FIELDS[kind]
    extra = row.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra)
    folio = extra.get("folio") or {}
    empty = folio.get("empty") or []
    values: dict[str, Any] = {}
    if "id" in folio:
        values["id"] = folio["id"]
    for key, column in mapping.items():
        value = row.get(column) or ""
        if key in optional and not value and key not in empty:
            continue
        values[key] = value
    categories = row.get("categories")
    if isinstance(categories, str):
        categories = json.loads(categories)
    values["categories"] = list(categories or [])
    if kind == "phoneNumbers" and TYPE_FROM_CANONICAL.get(row.get("type") or ""):
        values["type"] = TYPE_FROM_CANONICAL[row["type"]]
    if "folio" in extra:
        if "isPrimary" in folio:
            values["isPrimary"] = folio["isPrimary"]
    elif row.get("is_primary"):
        values["isPrimary"] = True
    return {key: values[key] for key in CHILD_ORDER[kind] if key in values}


# ---------------------------------------------------------------- jsonb text (for CQL)

def pg_jsonb_text(value: Any) -> str:
    """PostgreSQL's text output of a jsonb value (keys by length then bytes, ", " and ": ")."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {pg_jsonb_text(value[k])}"
                               for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(pg_jsonb_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def array_text(kind: str, rows: Any) -> str | None:
    """The jsonb text CQL matches for `emails`, `phoneNumbers`, ..., `categories`, `metadata`."""
    if kind == "categories":
        return pg_jsonb_text(list(rows))
    if kind.startswith("metadata"):
        card = {"created": _micros(rows.get("created")), "created_by": rows.get("created_by"),
                "updated": _micros(rows.get("updated")), "updated_by": rows.get("updated_by")}
        meta = metadata_of(card, stored_date)
        if kind == "metadata":
            return pg_jsonb_text(meta)
        return meta.get(kind.split(".", 1)[1])
    return pg_jsonb_text([child_object(kind, row) for row in rows])


def _micros(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=int(value))


# ---------------------------------------------------------------- OpenAPI schemas (JSON Schema dicts)

# Component names, for `#/components/schemas/<name>` references.
COMPONENTS = {"Contact": "FolioContact", "PhoneNumber": "FolioPhoneNumber", "Email": "FolioEmail",
              "Address": "FolioAddress", "Url": "FolioUrl", "Metadata": "FolioMetadata"}
# contact.json's own (looser) id pattern: the form every dialect's ids take.
ANY_UUID_PATTERN = "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"
# Required on input (acq-models: contact.json, phone_number.json, email.json, url.json).
REQUIRED_IN = {"Contact": ["firstName", "lastName"], "PhoneNumber": ["phoneNumber"], "Email": ["value"],
               "Url": ["value"]}
# Always present on output (contact_record / child_object / metadata_of).
REQUIRED_OUT = {"Contact": ["id", "firstName", "lastName", "phoneNumbers", "emails", "addresses", "urls",
                            "categories", "inactive", "metadata"],
                "PhoneNumber": ["phoneNumber", "categories"], "Email": ["value", "categories"],
                "Address": ["categories"], "Url": ["value", "categories"],
                "Metadata": ["createdDate", "updatedDate"]}


def _property_schema(kind: str, suffix: str) -> dict:
    if kind == "str":
        return {"type": "string"}
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "int":
        return {"type": "integer", "format": "int32", "minimum": -2**31, "maximum": 2**31 - 1}
    if kind == "enum":
        return {"type": "string", "enum": list(PHONE_TYPES)}
    if kind.startswith("{"):
        return {"$ref": f"#/components/schemas/{COMPONENTS[kind[1:-1]]}{suffix}"}
    item = kind[1:-1]
    items = {"type": "string"} if item == "str" else {"$ref": f"#/components/schemas/{COMPONENTS[item]}{suffix}"}
    return {"type": "array", "items": items}


def _object_schema(cls: str, *, request: bool) -> dict:
    suffix = "Body" if request else ""
    properties = {key: _property_schema(kind, suffix) for key, kind in CLASSES[cls].items()}
    if request:
        # What the module validates (422 otherwise); sub-object metadata is readonly (stripped).
        if "id" in properties:
            properties["id"]["pattern"] = UUID_PATTERN
        if "categories" in properties:
            properties["categories"]["items"] = {"type": "string", "pattern": ANY_UUID_PATTERN}
        if cls == "Url":
            properties["value"]["pattern"] = URL_PATTERN
        if "metadata" in properties:
            properties["metadata"] = {"allOf": [properties["metadata"]],
                                      "description": "readonly: ignored, the server sets it"}
    elif cls == "Contact":
        properties["id"]["pattern"] = ANY_UUID_PATTERN
    if cls == "Metadata":
        properties["createdDate"]["format"] = properties["updatedDate"]["format"] = "date-time"
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = (REQUIRED_IN if request else REQUIRED_OUT).get(cls)
    if required:
        schema["required"] = required
    return schema


ERRORS_SCHEMA = {
    "type": "object", "required": ["errors"], "description": "A set of errors (RAML errors.schema)",
    "properties": {
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["message"], "additionalProperties": False,
            "properties": {"message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": "string"},
                           "parameters": {"type": "array", "items": {
                               "type": "object", "additionalProperties": False,
                               "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}}}}},
        "total_records": {"type": "integer"}}}


def openapi_schemas() -> dict[str, dict]:
    """Component name -> JSON Schema: records as answered, request bodies, the collection and 422 errors."""
    schemas: dict[str, dict] = {}
    for cls, name in COMPONENTS.items():
        schemas[name] = _object_schema(cls, request=False)
        schemas[name + "Body"] = _object_schema(cls, request=True)
    schemas["FolioContactCollection"] = {
        "type": "object", "additionalProperties": False, "required": ["contacts"],
        "description": "`totalRecords` is left out only when asked with `totalRecords=none`",
        "properties": {"contacts": {"type": "array", "items": {"$ref": "#/components/schemas/FolioContact"}},
                       "totalRecords": {"type": "integer"}}}
    schemas["FolioErrors"] = ERRORS_SCHEMA
    return schemas
