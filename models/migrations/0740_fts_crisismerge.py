"""Let FTS5 merge its index segments a little at a time again: `crisismerge` 64 (was 16).

FTS5 merges a level of its index in two ways. Incrementally, once the level holds
`automerge` segments: each commit does a bounded share of the merge. All at once (a
"crisis merge", inside the committing transaction), once level 0 holds `crisismerge`
segments, going on up through every level that is full in turn. FTS5's defaults keep
the second four times the first (4 and 16). Migrations 0600 and 0730 raised `automerge`
to 16 and left `crisismerge` at 16: a full level is then merged all at once, and at a
million cards a cascade of merges took seconds, with the writer lock held, so every write
of every worker waited (3-5 s, twice per full three-run bench, docs/benchmarks.md). With
`crisismerge` at 64 the merges stay incremental. On a 300k-document table, 120,000
commits of two documents: the same mean (0.44 ms), longest commit 31 ms instead of 370 ms.
"""
from models.migrations.fts_settings import option_migration

TABLES = ("contact_fts", "folio_fts", "contact_trigram")
CRISISMERGE = 64
DEFAULT = 16

up, down = option_migration(TABLES, "crisismerge", CRISISMERGE, previous=DEFAULT)
