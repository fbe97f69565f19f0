"""Shared fixtures: real SQLite files in temporary folders, the real fact files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.config import Config, DatabaseConfig, load_config
from knowledge.curation.build import PACKAGE_DIR, build, load_curated
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def curated_root(tmp_path: Path) -> Path:
    """A private copy of the repo's sources, facts, aliases and synonyms."""
    root = tmp_path / "curated"
    root.mkdir()
    for name in ("sources", "facts"):
        shutil.copytree(PACKAGE_DIR / name, root / name)
    for name in ("aliases.toml", "synonyms.toml"):
        shutil.copy(PACKAGE_DIR / name, root / name)
    return root


@pytest.fixture(scope="session")
def curated():
    """The repo's curated sources, facts and lexicon, read once."""
    return load_curated()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "factbot.db"


@pytest.fixture
def store(db_path: Path):
    store = FactStore.open(db_path)
    yield store
    store.close()


@pytest.fixture
def config(db_path: Path) -> Config:
    base = load_config(REPO / "config.toml", environ={})
    return Config(
        database=DatabaseConfig(path=db_path),
        retrieval=base.retrieval,
        bot=base.bot,
        logging=base.logging,
    )


@pytest.fixture
def kb(config: Config):
    """A KnowledgeBase over a freshly built fact base file."""
    store = FactStore.open(config.database.path)
    build(store)
    kb = KnowledgeBase(store, config)
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the whole run (tests/pg_server.py)."""
    from .pg_server import start_server

    server = start_server()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """A new, empty database on that cluster, for one test."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + f"_{id(request) % 10**6}"
    return pg_server.create_database(name)
