"""Setting the services up on a database (services.setup.install), never on import.

Each check runs in a fresh interpreter: the indexer registry is per process, and this
test process has long imported everything and built apps.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.live_server import ROOT


def _run(*parts: str, url: str = "") -> dict:
    """What a fresh interpreter running the code `parts` (with `url` as argv[1]) printed: one JSON object a line."""
    code = "".join(textwrap.dedent(part) for part in parts)
    done = subprocess.run([sys.executable, "-c", code, url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict = {}
    for line in done.stdout.splitlines():
        found.update(json.loads(line))
    return found


# After a card of an opened store changes: FOLIO's name-index entry of the card and the marks left waiting.
_UPDATE_A_CARD = """
    from models.connect import database
    from services.contacts import create_card, update_card

    card = create_card({"given_name": "Ada", "family_name": "Lovelace"})  # new cards wait for a flush
    update_card(card["id"], {"family_name": "Byron"})  # changed cards are indexed with the change
    print(json.dumps({
        "keys": [list(row) for row in database.execute_sql("SELECT first_key, last_key FROM folio_key")],
        "waiting": database.execute_sql("SELECT COUNT(*) FROM folio_dirty").fetchone()[0],
    }))
"""


def test_importing_the_services_registers_no_indexer():
    found = _run("""
        import json
        import app, cli.io, services.contacts, services.io.bulk, services.folio.name_index
        from services import search
        print(json.dumps({"indexers": len(search.indexers())}))
    """)
    assert found == {"indexers": 0}


def test_a_store_opened_without_the_setup_leaves_changed_names_to_the_marks(tmp_path):
    # The baseline the next tests differ from: no indexer, so the change only leaves a mark.
    found = _run("""
        import json, sys
        from models.connect import open_database
        from models.schema import migrate

        migrate(open_database(sys.argv[1]))
    """, _UPDATE_A_CARD, url=f"sqlite:///{tmp_path}/bare.db")
    assert found == {"keys": [], "waiting": 1}


def test_a_cli_command_indexes_changed_names_for_folio(tmp_path):
    found = _run("""
        import json, sys
        from cli.options import open_store

        open_store(sys.argv[1])
    """, _UPDATE_A_CARD, url=f"sqlite:///{tmp_path}/cli.db")
    assert found == {"keys": [["ada", "byron"]], "waiting": 0}


def test_create_app_indexes_changed_names_and_installs_the_cql_functions(tmp_path):
    found = _run("""
        import json, sys
        from app import create_app
        from config import Config
        from models.connect import database

        create_app(Config(database_url=sys.argv[1], auth=True))
        functions = database.execute_sql("SELECT folio_num(' 2.50'), folio_sortkey('Émile', 1, 1)").fetchone()
        print(json.dumps({"functions": list(functions)}))
    """, _UPDATE_A_CARD, url=f"sqlite:///{tmp_path}/app.db")
    assert found == {"functions": [2.5, "emile"], "keys": [["ada", "byron"]], "waiting": 0}
