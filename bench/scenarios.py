"""The scenarios of issue 8: request files for wrk/pyload, concurrency, order and targets."""
from __future__ import annotations

import functools
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .samples import OSID_EMAIL_TYPE, Samples
from .server import BASELINE_PATH

FOLIO_CQL = '(firstName="ab*" or lastName="ab*") sortby lastName firstName'
JSON = "application/json"
INCOPLAX_JSON = "application/json; charset=utf-8"
MPDX_JSON = "application/vnd.api+json"
READ_CONCURRENCY = 16
SEARCH_CONCURRENCY = 4
WRITE_CONCURRENCY = 8
# Issue 23's targets, as ratios to the bare endpoint in the same run so that they hold on any
# host of this kind: reads at >= 0.70 of its req/s with a p99 <= 2x its p99; creates at >= 0.35
# of its req/s, and >= 1,000/s on a host whose baseline is >= 3,500 req/s.
READ_TARGETS = {"ratio_min": 0.70, "p99_x_base_max": 2.0}
WRITE_TARGETS = {"ratio_min": 0.35, "rps_min": 1000, "rps_min_when_base": 3500}


@dataclass
class Scenario:
    """One load scenario: its requests, how they are sent, and the issue's targets for it."""

    name: str
    kind: str  # baseline, read, search, write, mixed
    lines: list[tuple[str, str, str, str]]  # (method, path, content type, body)
    concurrency: int
    order: str = "random"
    check: bool = False
    targets: dict = field(default_factory=dict)  # see report.verdict
    plan: bool = False  # EXPLAIN QUERY PLAN its statements (scan check)

    def write(self, directory: Path) -> Path:
        """The request file (METHOD \\t PATH \\t CONTENT-TYPE \\t BODY per line)."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name.replace(' ', '_').replace('/', '-')}.tsv"
        with open(path, "w", encoding="utf-8") as out:
            for method, target, ctype, body in self.lines:
                out.write(f"{method}\t{target}\t{ctype}\t{body}\n")
        return path


def _get(path: str, content_type: str = "") -> tuple[str, str, str, str]:
    return ("GET", path, content_type, "")


def _mpdx(path: str) -> tuple[str, str, str, str]:
    """An MPDX GET: MPDX answers 415 to any request without its JSON:API Content-Type."""
    return _get(path, MPDX_JSON)


def _body(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def baseline(size: int) -> Scenario:
    """The bare endpoint: a same-size JSON from memory."""
    return Scenario("baseline (bare endpoint)", "baseline", [_get(f"{BASELINE_PATH}?bytes={size}")],
                    READ_CONCURRENCY, check=True)


def reads(samples: Samples) -> list[Scenario]:
    """GET by id in each dialect and Incoplax LOOKUP by number (concurrency 16)."""
    read_targets = READ_TARGETS
    ids = samples.ids
    out = [
        Scenario("GET by id: Niagara", "read", [_get(f"/contacts/{i}") for i in ids],
                 READ_CONCURRENCY, targets=read_targets, plan=True),
        Scenario("GET by id: FOLIO", "read", [_get(f"/organizations-storage/contacts/{i}") for i in ids],
                 READ_CONCURRENCY, targets=read_targets, plan=True),
        Scenario("GET by id: Incoplax", "read", [_get(f"/rest/v1/addressbook/contacts/{i}") for i in ids],
                 READ_CONCURRENCY, targets=read_targets, plan=True),
        Scenario("GET by id: MPDX", "read", [_mpdx(f"/api/v2/organizations/contacts/{i}") for i in ids],
                 READ_CONCURRENCY, targets=read_targets, plan=True),
    ]
    out.append(Scenario("GET by id: CardDAV vCard", "read",
                        [_get(f"/carddav/addressbooks/contacts/{i}.vcf") for i in ids],
                        READ_CONCURRENCY, targets=read_targets, plan=True))
    if samples.osid_contact_ids:
        out.append(Scenario("GET by id: OSID", "read",
                            [_get(f"/contact/contacts/{quote(i, safe='')}") for i in samples.osid_contact_ids],
                            READ_CONCURRENCY, targets=read_targets, plan=True))
    out.append(Scenario("Incoplax LOOKUP by number", "read",
                        [("LOOKUP", "/rest/v1/addressbook/contacts", INCOPLAX_JSON, _body(p)) for p in samples.phones],
                        READ_CONCURRENCY, targets=read_targets, plan=True))
    return out


def searches(samples: Samples) -> list[Scenario]:
    """The list/search scenarios (concurrency 4, p95 <= 50 ms, no contact table scan)."""
    targets = {"p95_max": 50.0}
    book = quote(samples.osid_book_id, safe="")
    osid_pages = max(1, samples.osid_contacts // 25)
    return [
        Scenario("FOLIO CQL ab* sortby, limit 50", "search",
                 [_get(f"/organizations-storage/contacts?limit=50&query={quote(FOLIO_CQL, safe='')}")],
                 SEARCH_CONCURRENCY, targets=targets, plan=True),
        Scenario("MPDX wildcard_search=smith", "search",
                 [_mpdx("/api/v2/organizations/contacts?filter[wildcard_search]=smith")],
                 SEARCH_CONCURRENCY, targets=targets, plan=True),
        # Substrings (issue 19), 200 different terms each: a worker thread remembers its last
        # 64 searches, so most of these requests are not answered from that cache.
        *[Scenario(f"MPDX wildcard_search, {label}", "search",
                   [_mpdx(f"/api/v2/organizations/contacts?filter[wildcard_search]={quote(term)}") for term in terms],
                   SEARCH_CONCURRENCY, targets=targets, plan=True)
          for label, terms in (("4-letter middles of surnames", _surname_middles(200)),
                               ("5-digit middles of phones", _phone_middles(samples.phones, 200)),
                               ("email fragments", _email_fragments(200)))],
        # No target: the one repeated term is answered from the search cache after
        # the first time; 300 different surnames show what a search costs without it.
        Scenario("MPDX wildcard_search, 300 surnames", "search",
                 [_mpdx(f"/api/v2/organizations/contacts?filter[wildcard_search]={quote(name)}")
                  for name in _surnames(300)],
                 SEARCH_CONCURRENCY),
        Scenario("Incoplax filter number", "search",
                 [_get("/rest/v1/addressbook/contacts?filter=" + quote(_body({"number": p}), safe=""))
                  for p in samples.phones],
                 SEARCH_CONCURRENCY, targets=targets, plan=True),
        # A page walk: the pages a client following _links.next visits (cursors collected first).
        Scenario("Niagara page walk (limit 25)", "search", [_get(p) for p in samples.niagara_pages],
                 SEARCH_CONCURRENCY, targets=targets, plan=True),
        Scenario("OSID address-book listing", "search",
                 [_get(f"/contact/address-books/{book}/contacts?offset={25 * n}&limit=25")
                  for n in range(osid_pages)],
                 SEARCH_CONCURRENCY, targets=targets, plan=True),
    ]


@functools.lru_cache(maxsize=1)
def _person_names() -> tuple[list[str], list[str]]:
    """First and last names as the seeded data has them (people, not "Bench Writer7": a
    made-up word such as "Bench" is a title to the name parser and takes its slow path)."""
    from services.io.seed import CardFactory

    factory = CardFactory(1)
    return factory.first, factory.last


def _surnames(count: int) -> list[str]:
    """`count` different family names of the seeded data, lower case."""
    seen: dict[str, None] = {}
    for name in _person_names()[1]:
        seen.setdefault(name.lower(), None)
    return list(seen)[:count]


def _surname_middles(count: int) -> list[str]:
    """4 letters from the middle of surnames of the seeded data ("erso" of Anderson)."""
    found: dict[str, None] = {}
    for name in _surnames(2000):
        if len(name) >= 6 and name.isalpha():
            found.setdefault(name[1:5] if len(name) < 8 else name[2:6], None)
    return list(found)[:count]


def _phone_middles(phones: list[str], count: int) -> list[str]:
    """5 digits from the middle of stored phone numbers (searched as digits: "+1 201 555 0123" is "+12015550123")."""
    found: dict[str, None] = {}
    for phone in phones:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) >= 9:
            found.setdefault(digits[3:8], None)
    return list(found)[:count] or ["55501"]


def _email_fragments(count: int) -> list[str]:
    """A fragment of the seeded emails (`<given>.<family><serial>@domain`): the end of a first
    name, the dot and the start of a surname ("ne.smi")."""
    first, last = _person_names()
    found: dict[str, None] = {}
    for given, family in zip(first, reversed(last)):
        given, family = given.lower(), family.lower().replace("'", "").replace(" ", "")
        if len(given) >= 3 and len(family) >= 3:
            found.setdefault(f"{given[-2:]}.{family[:3]}", None)
    return list(found)[:count]


def _creates(nonce: str, count: int, rng: random.Random, dialect: str) -> list[tuple[str, str, str, str]]:
    lines = []
    first_names, last_names = _person_names()
    for n in range(count):
        phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
        first, last = rng.choice(first_names), rng.choice(last_names)
        if dialect == "incoplax":
            lines.append(("POST", "/rest/v1/addressbook/contacts", INCOPLAX_JSON,
                          _body({"displayname": f"{first} {last}", "number": phone})))
        elif dialect == "niagara":
            lines.append(("POST", "/contacts", JSON,
                          _body({"label": "Bench", "name": f"{first} {last}",
                                 "email": f"w{n}.{nonce}@bench.example", "phone": phone})))
        elif dialect == "folio":
            lines.append(("POST", "/organizations-storage/contacts", JSON,
                          _body({"firstName": first, "lastName": last,
                                 "phoneNumbers": [{"phoneNumber": phone, "isPrimary": True}]})))
        else:  # osid: an address (OSID's own object; its contacts link an address to a reference)
            lines.append(("POST", f"/contact/addresses?genusType={quote(OSID_EMAIL_TYPE, safe='')}", JSON,
                          _body({"displayName": f"{first} {last}",
                                 "addressText": f"w{n}.{nonce}@bench.example"})))
    return lines


def writes(duration: float) -> list[Scenario]:
    """POST create in every door that creates, at the default workers, sustained (unique bodies:
    sequential order)."""
    nonce = f"{int(time.time() * 1000):x}"
    rng = random.Random(nonce)
    count = int(max(duration, 1) * 8000)  # unique lines for up to 8,000 creates/s (see wrapped)
    return [
        Scenario(f"POST create: {name}", "write", _creates(nonce + name[0].lower(), count, rng, name.lower()),
                 WRITE_CONCURRENCY, order="sequential", check=True, targets=WRITE_TARGETS, plan=True)
        for name in ("Incoplax", "Niagara", "FOLIO", "OSID")
    ]


def mixed(samples: Samples, read_scenarios: list[Scenario], duration: float) -> Scenario:
    """80% reads (every read and search scenario) / 20% writes (creates in three dialects, updates)."""
    nonce = f"{int(time.time() * 1000):x}m"
    rng = random.Random(nonce)
    total = int(max(duration, 1) * 8000)  # unique lines for up to 8,000 req/s (see wrapped)
    writes_count = total // 5
    read_lines = [line for scenario in read_scenarios for line in scenario.lines[:2000]]
    lines = [rng.choice(read_lines) for _ in range(total - writes_count)]
    per = writes_count // 4
    lines += _creates(nonce + "i", per, rng, "incoplax")
    lines += _creates(nonce + "n", per, rng, "niagara")
    lines += _creates(nonce + "f", per, rng, "folio")
    lines += [("PATCH", f"/rest/v1/addressbook/contacts/{rng.choice(samples.ids)}", INCOPLAX_JSON,
               _body({"jobtitle": f"bench {nonce} {n}"})) for n in range(writes_count - 3 * per)]
    rng.shuffle(lines)
    return Scenario("mixed 80/20 across dialects", "mixed", lines, WRITE_CONCURRENCY, order="sequential",
                    check=True, targets={"e5xx_max": 0, "locked_max": 0})
