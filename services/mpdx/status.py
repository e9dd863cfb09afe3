"""MPDX's contact status vocabulary and the `filter[status]` groups (docs/mapping/mpdx.md)."""
from __future__ import annotations

from peewee import Expression

from models import Contact

from ..errors import FieldError, Invalid

ASSIGNABLE_STATUSES = (
    "Never Contacted", "Ask in Future", "Cultivate Relationship", "Contact for Appointment",
    "Appointment Scheduled", "Call for Decision", "Partner - Financial", "Partner - Special",
    "Partner - Pray", "Not Interested", "Unresponsive", "Never Ask", "Research Abandoned",
    "Expired Referral",
)
INACTIVE_STATUSES = ("Not Interested", "Unresponsive", "Never Ask", "Research Abandoned", "Expired Referral")
ACTIVE_STATUSES = tuple(s for s in ASSIGNABLE_STATUSES if s not in INACTIVE_STATUSES)
# MPDX rewrites this legacy value on write.
LEGACY_STATUSES = {"Call for Appointment": "Contact for Appointment"}


def normalize_status(value: str | None, path: str = "status") -> str | None:
    """A status as stored: an assignable value or None; Invalid names anything else."""
    if value is None or not value.strip():
        return None
    value = LEGACY_STATUSES.get(value.strip(), value.strip())
    if value not in ASSIGNABLE_STATUSES:
        raise Invalid(f"{path}: {value!r} is not an MPDX status (one of {', '.join(ASSIGNABLE_STATUSES)})",
                      errors=[FieldError(path, "not an MPDX status", "enum", value)])
    return value


def reversed_statuses(values: list[str]) -> list[str] | None:
    """MPDX's `reverse_status` rewrite of the listed values, None when it reverses by exclusion.

    Upstream (Contact::Filter::Status#execute_reverse_query): `active` or `null` among the
    values become `hidden`; else `hidden` becomes `null`; any other list is reversed by
    excluding what it matches. The rewrites are not complements (`null` reversed is the
    five hidden statuses only): that is upstream's behaviour.
    """
    if {"active", "null"} & set(values):
        return [v for v in values if v not in ("active", "null")] + ["hidden"]
    if "hidden" in values:
        return [v for v in values if v != "hidden"] + ["null"]
    return None


def status_condition(values: list[str]) -> Expression | None:
    """WHERE clause for `filter[status]` values: literals, `active`, `hidden`, `null`.

    `active` is every active status plus no status, `hidden` the five inactive ones,
    `null` no status (NULL or empty). Literals match exactly; unknown ones match nothing.
    """
    if not values:
        return None
    literal: set[str] = set()
    with_null = False
    for value in values:
        if value == "active":
            literal.update(ACTIVE_STATUSES)
            with_null = True
        elif value == "hidden":
            literal.update(INACTIVE_STATUSES)
        elif value == "null":
            with_null = True
        else:
            literal.add(value)
    condition = Contact.status.in_(sorted(literal)) if literal else None
    if with_null:
        nulls = Contact.status.is_null() | (Contact.status == "")
        condition = nulls if condition is None else (condition | nulls)
    return condition
