"""What the web UI (`/ui`) needs beyond the card services every door shares.

The UI is a door like the dialects: it reads and writes cards through
`services.contacts`, searches through `services.search`, imports and exports through
`services.io.stream`. This package holds only what is the UI's own: keyset paging of
search hits, the card page's related objects, the "seen through each door" requests,
the form <-> card mapping and the upload import's progress.
"""
