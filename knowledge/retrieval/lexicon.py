"""General English lexical knowledge, for facts nobody tuned: irregular
inflections, word frequencies, related words (synonyms, derived forms,
broader and narrower terms) and place names.

The data is one table generated from WordNet 3.0 and wordfreq by
scripts/make_lexicon.py (knowledge/data/lexicon/, licences in NOTICE.md). Its
words are keyed as the normaliser sees them (lower case, `stem` applied), and
a line of related words is only parsed when a question first asks for it.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import FactFileError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "english.txt.gz"


@dataclass(frozen=True, slots=True)
class Related:
    """Words related to one word, most frequent first."""

    same: tuple[str, ...] = ()  # synonyms, similar adjectives, derived forms
    broader: tuple[str, ...] = ()  # hypernyms (magazine -> publication)
    narrower: tuple[str, ...] = ()  # hyponyms and instances (publication -> magazine)


_NOTHING = Related()


@dataclass(frozen=True)
class EnglishLexicon:
    lemmas: dict[str, str] = field(default_factory=dict)  # written form -> lemma key
    frequencies: dict[str, float] = field(default_factory=dict)  # key -> Zipf frequency
    places: frozenset[str] = frozenset()
    _related: dict[str, str] = field(default_factory=dict)  # key -> its unparsed line

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> EnglishLexicon:
        """Read a table written by scripts/make_lexicon.py.

        Raises FactFileError naming the file when it is missing or malformed.
        """
        try:
            lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise FactFileError(f"{path}: cannot read the English lexicon: {exc}") from None
        lemmas: dict[str, str] = {}
        frequencies: dict[str, float] = {}
        related: dict[str, str] = {}
        places: set[str] = set()
        section = ""
        try:
            for line in lines:
                if not line or line.startswith("#"):
                    continue
                if line.startswith("@"):
                    section = line
                elif section == "@related":
                    word, rest = line.split("\t", 1)
                    related[word] = rest
                elif section == "@zipf":
                    value, *words = line.split(" ")
                    zipf = int(value) / 10
                    frequencies.update(dict.fromkeys(words, zipf))
                elif section == "@lemma":
                    form, lemma = line.split(" ")
                    lemmas[form] = lemma
                elif section == "@place":
                    places.update(line.split(" "))
                else:
                    raise ValueError(f"a line outside any section: {line[:40]!r}")
        except ValueError as exc:
            raise FactFileError(f"{path}: malformed English lexicon: {exc}") from None
        return cls(lemmas, frequencies, frozenset(places), related)

    def lemma(self, form: str) -> str | None:
        """The lemma of an irregular form ("bought" -> "buy"), else None."""
        return self.lemmas.get(form)

    def zipf(self, word: str) -> float:
        """How common a word is in English, on the Zipf scale: about 7 for
        "the", 5 for "users", 3 for "meetup"; 0 for words rarer than the
        table's 60,000 commonest (names, jargon)."""
        return self.frequencies.get(word, 0.0)

    def related(self, word: str) -> Related:
        line = self._related.get(word)
        if line is None:
            return _NOTHING
        same, broader, narrower = (tuple(g.split()) for g in line.split(";"))
        return Related(same, broader, narrower)

    def is_place(self, word: str) -> bool:
        """True for a one-word country, city or region name (osaka, kenya)."""
        return word in self.places


@cache
def default_english() -> EnglishLexicon:
    """The packaged table, read once per process (it never changes)."""
    return EnglishLexicon.load()
