"""Build the fact base from the files in the repo: sources, curated facts, aliases."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..models import Fact, Source
from ..retrieval.normalize import Lexicon
from ..store import FactStore
from ..store.references import note_lexicon_files
from .fact_files import load_fact_files
from .sources import load_sources
from .sync import BuildReport, sync_curated

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_FILE = PACKAGE_DIR / "synonyms.toml"
ALIASES_FILE = PACKAGE_DIR / "aliases.toml"


@dataclass(frozen=True)
class CuratedData:
    """Everything the repo's files say, validated."""

    sources: dict[str, Source]
    facts: list[Fact]
    lexicon: Lexicon


def load_curated(root: Path = PACKAGE_DIR) -> CuratedData:
    """Read and check `sources/`, `facts/` and `aliases.toml` under root.

    Raises FactFileError (or CitationError) naming the file and the fact on
    the first problem; nothing is written anywhere.
    """
    sources = load_sources(root / "sources")
    facts = load_fact_files(root / "facts", sources)
    lexicon = Lexicon.load(root / "aliases.toml", _synonyms_path(root))
    return CuratedData(sources=sources, facts=facts, lexicon=lexicon)


def build(
    store: FactStore, root: Path = PACKAGE_DIR, *, overwrite_edits: bool = False
) -> BuildReport:
    """Validate everything first, then sync the store in one transaction."""
    data = load_curated(root)
    with store.write() as db:
        report = sync_curated(
            store, data.sources, data.facts, data.lexicon.aliases, overwrite_edits=overwrite_edits
        )
        note_lexicon_files(db, runtime_lexicon_digest())
    return report


def runtime_lexicon(store: FactStore) -> Lexicon:
    """The aliases the store was built with, plus the packaged synonyms and descriptions."""
    return Lexicon(
        aliases=store.aliases(),
        synonyms=Lexicon.load_synonyms(SYNONYMS_FILE) if SYNONYMS_FILE.exists() else {},
        descriptions=Lexicon.load_descriptions(ALIASES_FILE) if ALIASES_FILE.exists() else {},
    )


def runtime_lexicon_digest() -> str:
    """A digest of the packaged files runtime_lexicon reads besides the store."""
    digest = hashlib.sha256()
    for path in (SYNONYMS_FILE, ALIASES_FILE):
        digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def _synonyms_path(root: Path) -> Path | None:
    path = root / "synonyms.toml"
    return path if path.exists() else None
