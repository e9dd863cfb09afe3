"""What the card page shows besides the card: its relations (Niagara's typed edges)."""
from __future__ import annotations

from dataclasses import dataclass

from ..contacts import get_card
from ..niagara import relations

RELATIONS_SHOWN = 50


@dataclass
class CardView:
    """A card with the first RELATIONS_SHOWN of its relations and how many it has."""

    card: dict
    relations: list[dict]
    relations_total: int


def card_view(contact_id: str) -> CardView:
    """The card `contact_id` (NotFound if absent) and its relations, as the card page shows them."""
    card = get_card(contact_id)
    edges, _, total = relations.page(contact_id, {}, 0, RELATIONS_SHOWN)
    return CardView(card, edges, total)
