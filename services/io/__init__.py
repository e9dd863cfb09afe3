"""Data in and out of the canonical store: vCard, CSV, JSON Lines, seed data, backups.

Formats parse into canonical cards (the dicts `services.contacts` reads and writes)
and render from them; `bulk.BulkWriter` stores parsed cards in large transactions
with the same rules `services.contacts` applies card by card.
"""
