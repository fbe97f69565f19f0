"""Shared fixtures: real SQLite files in temporary folders, the real fact files,
and (for modules that set BOTH_BACKENDS = True) the same tests on a real
PostgreSQL server, each test on a new database copied from a template."""

from __future__ import annotations

import itertools
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


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a module with BOTH_BACKENDS = True, every test that uses the store
    (the `backend` fixture, through `store`, `kb` or `config`) runs on both,
    unless marked sqlite_only."""
    if (
        "backend" in metafunc.fixturenames
        and getattr(metafunc.module, "BOTH_BACKENDS", False)
        and not metafunc.definition.get_closest_marker("sqlite_only")
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: runs on SQLite alone in a BOTH_BACKENDS module"
    )


@pytest.fixture
def backend(request) -> str:
    """Which backend the store of this test is on (SQLite unless parametrised)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def pg_url_for(backend: str, request) -> str:
    """On PostgreSQL, the URL of a new database holding the empty schema; else ""."""
    return request.getfixturevalue("pg_database")("empty") if backend == "postgresql" else ""


@pytest.fixture
def store(db_path: Path, pg_url_for: str):
    store = FactStore.open_url(pg_url_for) if pg_url_for else FactStore.open(db_path)
    yield store
    store.close()


@pytest.fixture
def config(db_path: Path, pg_url_for: str) -> Config:
    base = load_config(REPO / "config.toml", environ={})
    return Config(
        database=DatabaseConfig(path=db_path, url=pg_url_for),
        retrieval=base.retrieval,
        bot=base.bot,
        logging=base.logging,
    )


@pytest.fixture
def kb(config: Config):
    """A KnowledgeBase over a freshly built fact base (file, or PostgreSQL database)."""
    if config.database.url:
        store = FactStore.open_url(config.database.url)
    else:
        store = FactStore.open(config.database.path)
    build(store)
    kb = KnowledgeBase(store, config)
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the whole run (tests/pg_server.py)."""
    from .pg_server import throwaway_server

    with throwaway_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """A new, empty database on that cluster, for one test."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + f"_{id(request) % 10**6}"
    return pg_server.create_database(name)


@pytest.fixture(scope="session")
def pg_templates(pg_server) -> dict[str, str]:
    """Template databases on the session's cluster: "empty" holds the schema."""
    empty = pg_server.create_database("factbot_template_empty")
    FactStore.open_url(empty).close()
    return {"empty": "factbot_template_empty"}


_database_numbers = itertools.count(1)


@pytest.fixture
def pg_database(pg_server, pg_templates):
    """make(template) -> the URL of a new database copied from that template;
    dropped when the test ends."""
    import psycopg

    made: list[str] = []

    def make(template: str) -> str:
        name = f"t{next(_database_numbers)}"
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute(f"create database {name} template {pg_templates[template]}")
        made.append(name)
        return str(pg_server.url(name))

    yield make
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        for name in made:
            conn.execute(f"drop database if exists {name} with (force)")
