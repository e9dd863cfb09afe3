"""Merge FTS5 index segments 16 at a time instead of 4 (SQLite's `automerge` option).

Every commit that indexes a card writes a new small segment, and FTS5 merges a level
once it holds `automerge` segments. At a million cards, with the default of 4, that
merging was most of the cost of a create: 162 us of CPU per indexed card against 86 us
with 16, and commits stalled up to 85 ms on a merge against 20 ms (100,000 cards indexed
two per commit into both tables; measured for issue 8). A search reads a few more small
segments, which measured within the noise of the searches' latency.
"""
from models.migrations.fts_settings import option_migration

TABLES = ("contact_fts", "folio_fts")
AUTOMERGE = 16
DEFAULT = 4

up, down = option_migration(TABLES, "automerge", AUTOMERGE, previous=DEFAULT)
