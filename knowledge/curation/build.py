"""Build the fact base from the files in the repo: sources, curated facts, aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..models import Fact, Source
from ..retrieval.normalize import Lexicon
from ..store import FactStore
from ..store.migrations import lexicon_rows
from ..store.references import replace_lexicon_entries
from .fact_files import load_fact_files
from .sources import load_sources
from .sync import BuildReport, sync_curated

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class CuratedData:
    """Everything the repo's files say, validated."""

    sources: dict[str, Source]
    facts: list[Fact]
    lexicon: Lexicon
    lexicon_entries: dict[str, dict[str, list[str]]]  # as written (Lexicon.file_entries)


def load_curated(root: Path = PACKAGE_DIR) -> CuratedData:
    """Read and check `sources/`, `facts/` and `aliases.toml` under root.

    Raises FactFileError (or CitationError) naming the file and the fact on
    the first problem; nothing is written anywhere.
    """
    sources = load_sources(root / "sources")
    facts = load_fact_files(root / "facts", sources)
    lexicon = Lexicon.load(root / "aliases.toml", _synonyms_path(root))
    entries = Lexicon.file_entries(root / "aliases.toml", _synonyms_path(root))
    return CuratedData(sources=sources, facts=facts, lexicon=lexicon, lexicon_entries=entries)


def build(
    store: FactStore, root: Path = PACKAGE_DIR, *, overwrite_edits: bool = False
) -> BuildReport:
    """Validate everything first, then sync the store in one transaction."""
    data = load_curated(root)
    with store.write() as db:
        report = sync_curated(
            store, data.sources, data.facts, data.lexicon.aliases, overwrite_edits=overwrite_edits
        )
        replace_lexicon_entries(
            db,
            [
                row
                for kind, table in data.lexicon_entries.items()
                for canonical, phrases in table.items()
                for row in lexicon_rows(kind, canonical, phrases)
            ],
        )
    return report


def runtime_lexicon(store: FactStore) -> Lexicon:
    """The curated lexicon the store was built with: its aliases, synonyms and
    descriptions, all from the database (the build wrote them)."""
    return Lexicon.from_entries(store.aliases(), store.lexicon_entries())


def _synonyms_path(root: Path) -> Path | None:
    path = root / "synonyms.toml"
    return path if path.exists() else None
