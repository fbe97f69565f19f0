"""metadata.json describes every table and column, so `datasette ... --metadata` stays true."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore

REPO = Path(__file__).resolve().parent.parent
METADATA = json.loads((REPO / "metadata.json").read_text(encoding="utf-8"))
TABLES = METADATA["databases"]["factbot"]["tables"]
OPERATIONS = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A freshly migrated and built fact base named like the default (factbot.db)."""
    path = tmp_path / "factbot.db"
    store = FactStore.open(path)
    build(store)
    store.close()
    return path


def schema(path: Path) -> dict[str, list[str]]:
    store = FactStore.open(path, create=False)
    try:
        return {
            table: [c.name for c in store.db[table].columns] for table in store.db.table_names()
        }
    finally:
        store.close()


def test_metadata_describes_every_table_and_no_other(fresh_db):
    assert set(TABLES) == set(schema(fresh_db))
    for table, meta in TABLES.items():
        assert meta.get("description"), table


def test_metadata_describes_every_column_and_no_other(fresh_db):
    for table, columns in schema(fresh_db).items():
        described = TABLES[table].get("columns", {})
        assert set(described) == set(columns), table
        assert all(described.values()), table


def documented_command() -> list[str]:
    """docs/operations.md's command, `.venv/bin/datasette data/factbot.db --metadata ...`."""
    (line,) = re.findall(r"^\.venv/bin/datasette [^#]*", OPERATIONS, flags=re.M)
    command = shlex.split(line)
    assert command[1] == "data/factbot.db", command
    return command


def datasette(db: Path, path: str) -> subprocess.CompletedProcess:
    """The documented command, on `db`, asked for one page."""
    executable = shutil.which("datasette", path=str(Path(sys.executable).parent))
    assert executable, "datasette is missing: pip install -e '.[browse]'"
    _, _, *options = documented_command()
    return subprocess.run(
        [executable, str(db), *options, "--get", path],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def test_datasette_shows_the_descriptions(fresh_db):
    page = datasette(fresh_db, "/factbot/facts")
    assert page.returncode == 0, page.stderr
    assert TABLES["facts"]["description"] in page.stdout
    assert "Verbatim words from that paragraph" in page.stdout  # a column description


def test_canned_queries_run(fresh_db):
    for name in METADATA["databases"]["factbot"]["queries"]:
        result = datasette(fresh_db, f"/factbot/{name}.json?_shape=array")
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        assert isinstance(json.loads(result.stdout), list), name
