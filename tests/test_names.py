"""The fast path of services.names agrees with nameparser on every name it takes."""
import random

import pytest
from nameparser import HumanName

from services.names import _plain_split, split_display_name


def _nameparser(display_name: str) -> dict[str, str]:
    name = HumanName(display_name)
    return {"prefix": name.title, "given_name": name.first, "middle_name": name.middle,
            "family_name": name.last, "suffix": name.suffix}


def _names() -> list[str]:
    from faker import Faker

    faker = Faker(["en_US", "de_DE", "fr_FR", "es_ES", "nl_NL", "it_IT"])
    Faker.seed(7)
    rng = random.Random(7)
    pool = [faker.first_name() for _ in range(300)] + [faker.last_name() for _ in range(300)]
    pool += ["Dr", "Mr", "Jr", "III", "II", "IV", "van", "de", "del", "y", "and", "Sir", "Liv",
             "Mac", "Bench", "Writer0", "1a208c2f27ei", "O'Brien", "Smith-Jones", "J", "Ms", "PhD"]
    out = [faker.name() for _ in range(500)]
    out += [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 4))) for _ in range(3000)]
    return out


@pytest.mark.parametrize("chunk", range(4))
def test_fast_path_agrees_with_nameparser(chunk):
    names = _names()[chunk::4]
    taken = 0
    for display_name in names:
        plain = _plain_split(display_name)
        if plain is not None:
            taken += 1
            assert plain == _nameparser(display_name), display_name
        assert split_display_name(display_name) == _nameparser(display_name), display_name
    assert taken > len(names) // 4  # the fast path is really exercised


@pytest.mark.parametrize("display_name", ["Dr Kelly King", "Kelly King Jr", "Ludwig van Beethoven",
                                          "Juan y Maria", "Henry VIII", "King, Kelly", "Kelly \"KK\" King"])
def test_names_with_rules_go_to_nameparser(display_name):
    assert _plain_split(display_name) is None
    assert split_display_name(display_name) == _nameparser(display_name)
