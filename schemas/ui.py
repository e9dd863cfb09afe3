"""The web UI's card form: HTML form fields <-> canonical card values, with messages for people.

A form posts each scalar once and each email/phone row as parallel lists (`email`,
`email_type`, `phone`, `phone_type`). Blank rows are dropped. Messages are written for
the person at the form, one per field, and shown next to the field.
"""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import MultiDict

NAME_FIELDS = ("display_name", "prefix", "given_name", "middle_name", "family_name", "suffix")
TEXT_FIELDS = ("label", "department", "job_title", "title")
SCALAR_FIELDS = (*NAME_FIELDS, *TEXT_FIELDS, "notes")
MAX_ROWS = 20  # emails or phones per card in one form
# C0 controls except tab and newlines (notes), DEL and the C1 controls: none is ever part of a card,
# and PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^[0-9+*#()./\- xX,;]*[0-9][0-9+*#()./\- xX,;]*$")


def _no_control(multiline: bool = False):
    def check(value: str) -> None:
        if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
            raise ValidationError("Remove the control characters (they cannot be stored)")
    return check


def _text(max_length: int, *, multiline: bool = False) -> fields.String:
    return fields.String(load_default="", validate=[
        validate.Length(max=max_length, error="At most {max} characters"), _no_control(multiline)])


class EmailRow(Schema):
    """One email row of the form."""

    value = fields.String(required=True, validate=[
        validate.Length(max=254, error="At most {max} characters"),
        validate.Regexp(_EMAIL, error="Enter an email address like name@example.org")])
    type = _text(32)


class PhoneRow(Schema):
    """One phone row of the form."""

    value = fields.String(required=True, validate=[
        validate.Length(max=64, error="At most {max} characters"),
        validate.Regexp(_PHONE, error="Enter a phone number: digits, spaces and + ( ) - . only")])
    type = _text(32)


class CardForm(Schema):
    """The create/edit form of a card (addresses, urls and groups are kept as they are)."""

    display_name = _text(200)
    prefix = _text(60)
    given_name = _text(100)
    middle_name = _text(100)
    family_name = _text(100)
    suffix = _text(60)
    label = _text(200)
    department = _text(200)
    job_title = _text(200)
    title = _text(200)
    notes = _text(4000, multiline=True)
    emails = fields.List(fields.Nested(EmailRow), load_default=list,
                         validate=validate.Length(max=MAX_ROWS, error="At most {max} emails"))
    phones = fields.List(fields.Nested(PhoneRow), load_default=list,
                         validate=validate.Length(max=MAX_ROWS, error="At most {max} phone numbers"))
    version = fields.Integer(load_default=None, strict=False)

    @validates_schema(skip_on_field_errors=False)
    def _named(self, data: dict, **kwargs) -> None:
        if not any(data.get(key, "").strip() for key in ("display_name", "given_name", "family_name")):
            raise ValidationError("Enter a name (or a given or family name)", "display_name")


def _rows(form: MultiDict, kind: str) -> list[dict]:
    values, types = form.getlist(kind), form.getlist(f"{kind}_type")
    rows = []
    for index, value in enumerate(values):
        value = value.strip()
        if value:
            rows.append({"value": value, "type": (types[index] if index < len(types) else "").strip()})
    return rows


def raw_form(form: MultiDict) -> dict:
    """The posted form as a dict (scalars stripped of outer spaces, blank rows dropped), before validation."""
    data = {key: form.get(key, "").strip() if key != "notes" else form.get(key, "").rstrip()
            for key in SCALAR_FIELDS}
    data["emails"] = _rows(form, "email")
    data["phones"] = _rows(form, "phone")
    if form.get("version", "").strip():
        data["version"] = form.get("version", "").strip()
    return data


def load_card_form(form: MultiDict) -> tuple[dict, dict[str, str]]:
    """(values, errors): the validated form, or what was posted and a message per field path.

    Error paths are `display_name`, `emails.2.value`, ... as the template shows them.
    """
    data = raw_form(form)
    try:
        return CardForm().load(data), {}
    except ValidationError as exc:
        return data, _flatten(exc.messages)


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            found.update(_flatten(value, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        found[prefix or "form"] = messages[0]
    elif isinstance(messages, list):
        for item in messages:
            found.update(_flatten(item, prefix))
    elif isinstance(messages, str):
        found[prefix or "form"] = messages
    return found


def form_from_card(card: dict) -> dict:
    """The form's values for a stored card."""
    data = {key: card.get(key) or "" for key in SCALAR_FIELDS}
    data["emails"] = [{"value": row["value"], "type": row.get("type") or ""} for row in card.get("emails", [])]
    data["phones"] = [{"value": row["value"], "type": row.get("type") or ""} for row in card.get("phones", [])]
    data["version"] = card.get("version")
    return data
