"""Dead properties of the collections (RFC 4918 PROPPATCH): what clients keep on the server.

InfCloud saves its settings on the principal (`{http://inf-it.com/ns/dav/}settings`) and an
address book's colour on the book; KDE and Evolution rename a book (`DAV:displayname`).
A property the server computes (resourcetype, sync-token, privileges...) is protected: a
PROPPATCH naming one changes nothing (RFC 4918 9.2: all or nothing). Stored per
collection as JSON in `app_setting` (`carddav.props:<path>`, a path too long for the name
hashed), {"{namespace}name": inner XML};
a stored displayname or addressbook-description is shown instead of the default.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from models.settings import AppSetting
from models.writer import run_write
from services.settings import get_setting

_DAV = "{DAV:}"
_CARDDAV = "{urn:ietf:params:xml:ns:carddav}"
_CS = "{http://calendarserver.org/ns/}"
# Computed by the server: never stored (the names are ElementTree's `{namespace}name`).
PROTECTED = frozenset({
    *(_DAV + name for name in (
        "resourcetype", "getetag", "getcontenttype", "getcontentlength", "getlastmodified", "creationdate",
        "lockdiscovery", "supportedlock", "sync-token", "current-user-principal", "current-user-privilege-set",
        "owner", "principal-URL", "supported-report-set", "quota-available-bytes", "quota-used-bytes", "acl",
        "acl-restrictions", "supported-privilege-set", "principal-collection-set", "group-member-set",
        "group-membership")),
    *(_CARDDAV + name for name in ("addressbook-home-set", "supported-address-data", "max-resource-size",
                                   "address-data", "principal-address")),
    _CS + "getctag",
})
# A collection's stored properties, all together, at most, and how many collections may have
# some (every `/carddav/<login>/` is one): a client cannot fill the disk.
MAX_BYTES = 256 * 1024
MAX_COLLECTIONS = 100
_KEY = "carddav.props:"


@dataclass(frozen=True)
class Change:
    """One instruction of a PROPPATCH: set a property to inner XML, or remove it (`value` None)."""

    name: str
    value: str | None


def _key(path: str) -> str:
    """The setting's name for a collection (a long path, such as a long login's principal, hashed)."""
    key = _KEY + path
    return key if len(key) <= 64 else _KEY + "#" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:40]


def stored(path: str) -> dict[str, str]:
    """The dead properties of the collection at `path` ({name: inner XML})."""
    value = get_setting(_key(path))
    return json.loads(value) if value else {}


def patch(path: str, changes: list[Change]) -> dict[str, int]:
    """Apply a PROPPATCH to the collection at `path`, all or nothing: {property name: status}.

    200 each when applied; when one is protected (403) the others are 424 (failed dependency)
    and nothing is written; 507 each when the result would pass MAX_BYTES, or when the
    collection has none yet and MAX_COLLECTIONS have some.
    """
    refused = {change.name for change in changes if change.name in PROTECTED}
    if refused:
        return {change.name: 403 if change.name in refused else 424 for change in changes}

    def _write() -> dict[str, int]:
        before = get_setting(_key(path))
        props = json.loads(before) if before else {}
        for change in changes:  # in document order (RFC 4918 9.2)
            if change.value is None:
                props.pop(change.name, None)
            else:
                props[change.name] = change.value
        text = json.dumps(props, ensure_ascii=False)
        if len(text.encode("utf-8")) > MAX_BYTES or (props and before is None and _collections() >= MAX_COLLECTIONS):
            return {change.name: 507 for change in changes}
        if props:
            (AppSetting.insert(name=_key(path), value=text)
             .on_conflict(conflict_target=[AppSetting.name], update={AppSetting.value: text}).execute())
        else:
            AppSetting.delete().where(AppSetting.name == _key(path)).execute()
        return {change.name: 200 for change in changes}
    return run_write(_write)


def _collections() -> int:
    """How many collections have dead properties."""
    return AppSetting.select().where(AppSetting.name.startswith(_KEY)).count()
