"""Realistic demo cards (Faker) across every dialect's fields, for demos and benchmarks.

Faker is slow per call, so pools of names, streets, companies and so on are drawn
once and cards are combined from them with `random`: a million cards stay fast and
still look real. A fixed `seed` gives the same data every run.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

MPDX_STATUSES = (
    "Never Contacted", "Ask in Future", "Contact for Appointment", "Appointment Scheduled",
    "Call for Decision", "Partner - Financial", "Partner - Special", "Partner - Pray",
    "Not Interested", "Unresponsive", "Never Ask", "Research Abandoned", "Expired Referral",
)
GROUPS = ("Friends", "Family", "Colleagues", "Donors", "Prayer partners", "Board", "Volunteers", "VIP")
_POOL = 2000


class CardFactory:
    """Makes canonical cards (display name and name parts, several typed child rows, groups)."""

    def __init__(self, seed: int | None = None, locale: str = "en_US", group_keys: list[int] | None = None):
        from faker import Faker

        fake = Faker(locale)
        if seed is not None:
            Faker.seed(seed)
        self.random = random.Random(seed)
        self.group_keys = group_keys or []
        n = _POOL
        self.first = [fake.first_name() for _ in range(n)]
        self.last = [fake.last_name() for _ in range(n)]
        self.prefixes = [fake.prefix() for _ in range(50)]
        self.suffixes = [fake.suffix() for _ in range(50)]
        self.streets = [fake.street_address() for _ in range(n)]
        self.secondary = [fake.secondary_address() for _ in range(200)]
        self.places = [(fake.city(), fake.state_abbr(), fake.postcode()) for _ in range(n)]
        self.companies = [fake.company() for _ in range(500)]
        self.jobs = [fake.job() for _ in range(500)]
        self.departments = ["Sales", "Engineering", "Finance", "Support", "Marketing", "Operations",
                            "Research", "Legal", "Human Resources", "Facilities"]
        self.domains = [fake.free_email_domain() for _ in range(20)] + [fake.domain_name() for _ in range(200)]
        self.sentences = [fake.sentence(nb_words=10) for _ in range(500)]
        self.languages = ["en", "en", "en", "es", "fr", "de", "pt"]

    def card(self) -> dict:
        """One new card."""
        r = self.random
        given, family = r.choice(self.first), r.choice(self.last)
        prefix = r.choice(self.prefixes) if r.random() < 0.1 else ""
        suffix = r.choice(self.suffixes) if r.random() < 0.03 else ""
        middle = r.choice(self.first)[0] + "." if r.random() < 0.2 else ""
        display = " ".join(p for p in (prefix, given, middle, family, suffix) if p)
        login = f"{given}.{family}".lower().replace("'", "").replace(" ", "")
        serial = r.randrange(1, 10_000)
        emails = [{"value": f"{login}{serial}@{r.choice(self.domains)}", "type": "work", "is_primary": True}]
        if r.random() < 0.5:
            emails.append({"value": f"{given[0]}{family}{serial}@{r.choice(self.domains)}".lower(),
                           "type": "home"})
        phones = [{"value": self._phone(), "type": "office", "is_primary": True}]
        if r.random() < 0.7:
            phones.append({"value": self._phone(), "type": "mobile"})
        if r.random() < 0.15:
            phones.append({"value": self._phone(), "type": r.choice(("fax", "home", "other"))})
        city, region, postal = r.choice(self.places)
        addresses = [{"type": r.choice(("work", "home")), "line1": r.choice(self.streets),
                      "line2": r.choice(self.secondary) if r.random() < 0.2 else "",
                      "city": city, "region": region, "postal_code": postal, "country": "US"}]
        urls = [{"value": f"https://www.{r.choice(self.domains)}/{login}", "type": "work"}] \
            if r.random() < 0.3 else []
        card = {
            "id": str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "display_name": display, "prefix": prefix, "given_name": given, "middle_name": middle,
            "family_name": family, "suffix": suffix,
            "department": r.choice(self.departments), "job_title": r.choice(self.jobs),
            "title": r.choice(("", "", "Mr.", "Ms.", "Dr.")),
            "notes": r.choice(self.sentences) if r.random() < 0.4 else "",
            "language": r.choice(self.languages),
            "photo": f"https://example.org/photos/{serial}.jpg" if r.random() < 0.2 else "",
            "status": r.choice(MPDX_STATUSES), "priority": r.randint(1, 5) if r.random() < 0.6 else None,
            "inactive": r.random() < 0.05,
            "extra": {"vcard": {"org": r.choice(self.companies)}},
            "emails": emails, "phones": phones, "addresses": addresses, "urls": urls,
            "groups": r.sample(self.group_keys, k=min(len(self.group_keys), r.choice((0, 0, 1, 1, 2)))),
        }
        return card

    def _phone(self) -> str:
        r = self.random
        return f"+1 {r.randint(201, 989)} {r.randint(200, 999)} {r.randint(0, 9999):04d}"

    def cards(self, count: int) -> Iterator[dict]:
        """`count` new cards."""
        for _ in range(count):
            yield self.card()
