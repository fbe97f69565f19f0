"""Find the facts that answer a question, or say honestly that none does.

Two stages. Candidates come from an inverted index over normalised tokens,
with typos caught by matching each question word against the vocabulary
(words within one or two edits, found through an index of their deletion
neighbourhoods). Each candidate is then scored on how much of the question it
covers (words weighted by rarity, so an unmatched rare word such as "founded"
or "CEO" pulls the score down) and on how close the question is to one of the
fact's phrasings (rapidfuzz token ratios). The score is the confidence.

Coverage is summed for every fact a question word reaches at once, in numpy
arrays, so a common word costs little even in a million facts. Phrasing
similarity is the costly part: it is computed (with `process.cdist`) best
candidate first, by an upper bound on the score (its coverage, plus the most
similarity its phrasings' lengths allow), and stops as soon as no remaining
candidate could reach the top answers, or after RERANK_LIMIT candidates. Up to
that many candidates the top answers are exactly what scoring every fact on
its own would give (FactScorer does that, for the benchmarks and tests).
"""

from __future__ import annotations

import bisect
import gc
import heapq
import math
import re
import time
import zlib
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ..config import RetrievalConfig
from ..errors import FactNotFoundError, InvalidQuestionError
from ..models import Answer, Fact, ScoredFact, Source, Status, Suggestion
from ..store import citation_for
from .index_file import PackedStrings, pack_column, pack_strings, unpack_strings
from .normalize import (
    ASKED_FOR_NAMES,
    Normalizer,
    QuestionType,
    asked_for,
    asks_otherwise,
    fold,
    mismatched,
    question_type,
)
from .saved_columns import SavedColumn, SavedLookup, fact_from_record, fact_record
from .semantic import (
    CANDIDATE_CLOSENESS,
    SemanticIndex,
    closeness_of,
    closeness_points,
    default_vectors,
    lifted,
    lifted_score,
)
from .value_kinds import (
    REQUIRED_KINDS,
    asking_tokens,
    days_in_ranges,
    kind_token,
    value_kinds,
)

# Weight given to a question word the fact base has never seen, relative to the
# rarest word it has: such a word is a sign the question is about something else.
UNKNOWN_WORD_WEIGHT = 0.9
# Words in scripts we do not split (Japanese runs) count for less.
UNSPLIT_WORD_WEIGHT = 0.15
# Typos: one edit (OSA: insert, delete, substitute, transpose) from 4 letters,
# two from 8, as search engines' "auto" fuzziness does.
TYPO_SIMILARITY = {1: 0.9, 2: 0.8}
KNOWN_WORD_TYPO_SIMILARITY = {1: 0.5, 2: 0.4}  # for a word that is in the vocabulary
TYPO_LIMIT = 8  # the closest vocabulary words considered for one question word
EXPANSION_MEMO_SIZE = 50_000  # question words whose vocabulary matches are remembered
REMEMBER_SAVED = 4096  # facts read from a saved index that are kept decoded
FREEZE_MIN_FACTS = 10_000  # from this size, keep the index out of the garbage collector's way
PREFIX_MIN = 5  # a shared prefix this long counts as the same word stem
PREFIX_SIMILARITY = 0.85
DESCRIPTION_SIMILARITY = 0.8  # a word that describes an entity the fact names
KIND_SIMILARITY = 0.8  # a word asking for a kind of value ("price") the fact states
# Related words from the English lexicon (lexicon.Related), as similarities:
# a fact saying "magazine" answers a question about a "publication" better
# than one saying "publication" answers a question about a "magazine".
SAME_SIMILARITY = 0.7  # a synonym or derived form (buy, purchase; found, founder)
NARROWER_SIMILARITY = 0.55  # the fact's word is a kind of the question's
BROADER_SIMILARITY = 0.4  # the question's word is a kind of the fact's
RELATED_LIMIT = 3  # related words considered for one question word
# How much a word the fact base has never seen weighs, by how common it is in
# English (Zipf scale): a name or rare word (up to RARE_ZIPF) counts fully, an
# everyday word such as "folks" (COMMON_ZIPF and up) a quarter as much.
RARE_ZIPF, COMMON_ZIPF, COMMON_UNSEEN_SHARE = 4.5, 6.5, 0.5
GENERIC_WORD_WEIGHT = 0.4  # an everyday word ("time", "day") counts for less
COVERAGE_WEIGHT = 0.7  # the rest is phrasing similarity
MIN_ANSWER_COVERAGE = 0.6  # below this share of the question, never assert a fact
# Nor below this share covered by the fact's own words (or typos, names and
# descriptions of them): related words alone make a "did you mean".
MIN_OWN_COVERAGE = 0.55
# A question with one plain word is stated only when the best fact covers this
# much of it and scores this much above the next (else it gets choices).
LONE_WORD_COVERAGE, LONE_WORD_MARGIN = 0.9, 10.0
LONE_WORD_MAX_ZIPF = 5.5  # and only a word no more common than this ("off" is 5.9)
OWN_SIMILARITY = 0.8  # a match at least this close is the fact's own word
# Nor when one telling question word the fact does not match at all carries
# more than this share of the question's weight, or a word no fact uses more
# than MAX_UNSEEN_SHARE ("weather" in "what's the weather for Sunday's ride"
# against the ride's fact). Typos and chat noise are unseen words too, so the
# two differ little (calibrated on the tuning half, see docs/answers.md).
MAX_UNMATCHED_SHARE = 0.36
MAX_UNSEEN_SHARE = 0.33
TOPIC_MARGIN_FACTOR = 2.5  # "tell me about X" shows more of what is known about X
# A question that is one of a fact's own phrasings (same question word, same
# content words, typos allowed) scores at least this, however common its words.
PHRASING_MATCH_SCORE = 95.0
# A fact naming another year, number, month or place than the question (and
# not the question's) is about another case: never asserted, and ranked lower.
MISMATCH_PENALTY = 12.0
# A "who" question matching a fact whose stored questions all ask "when" (or
# where, how many) is probably after another fact: ranked lower.
ASKED_PENALTY = 12.0
# Most candidates whose phrasing is compared with the question, highest upper
# bound first. Comparing stops earlier once no other candidate can reach the top.
RERANK_LIMIT = 1000
MERGE_LIMIT = 4096  # a question word's postings merged by sorting up to this many, else in place
RERANK_BATCHES = (8, 16, 32, 64, 128)  # candidates compared at a time, then 128 at a time
# Added to an upper bound of a score, as room for rounding.
_ROUNDING_ROOM = 0.01

# A quantity, not a year or a day of the month.
_QUANTITY = re.compile(
    r"(?<!march )(?<!\d)(?!(?:19|20)\d\d(?!\d))\d+(?:[.,]\d+)?(?!\d)|%"
    r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|billion|half|quarter|double|twice|"
    r"percent)\b"
)
_TIMEISH = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|\d{4}|year|month|quarter|new year|hours?|days?|week)\b"
)
_HAS_NUMBER, _HAS_TIME = 1, 2  # bits of a fact's flags
CURATED = -1  # the scope of the facts every server sees (guild_id None)
_Points = TypeVar("_Points", float, np.ndarray)


@dataclass(slots=True)
class _Candidate:
    score: float
    fact_id: str
    number: int  # the fact's number in the index
    scope: int  # the scope it is indexed in (scope_of)
    phrasing: str  # the normalised phrasing that matched best
    phrasing_index: int  # which phrasing: 0 the text, i the i-th question
    coverage: float
    assertable: bool  # enough evidence to state this fact outright
    phrased: bool = False  # the question is one of the fact's stored phrasings
    lone: bool = False  # assertable but for the question having one plain word
    bound: Fact | None = None  # the fact itself, read for the top candidates only

    @property
    def fact(self) -> Fact:
        assert self.bound is not None, "read by Retriever._rank for its top candidates"
        return self.bound


@dataclass(frozen=True, slots=True)
class FactTerms:
    """What the retriever indexes for one fact."""

    fact: Fact
    tokens: frozenset[str]  # the fact's own words
    described: frozenset[str]  # words describing the entities it names
    phrasings: tuple[str, ...]  # normalised content strings: text, then questions
    phrasing_keys: frozenset[str]  # see phrasing_keys()
    markers: frozenset[str]  # years, numbers, months, places (Normalizer.markers)
    has_number: bool
    has_time: bool

    @property
    def flags(self) -> int:
        return (_HAS_NUMBER if self.has_number else 0) | (_HAS_TIME if self.has_time else 0)

    @property
    def lengths(self) -> int:
        """The shortest and longest non-empty phrasing, in characters, packed
        as shortest | longest << 16: they bound the phrasing similarity."""
        sizes = [min(len(p), 0xFFFF) for p in self.phrasings if p] or [0]
        return min(sizes) | max(sizes) << 16


@dataclass(frozen=True, slots=True)
class PreparedQuestion:
    """A question as the scorer sees it: its words, what each may stand for
    in the vocabulary, and how much each weighs."""

    question: str
    tokens: tuple[str, ...]
    expansions: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # token -> (word, sim)
    weights: dict[str, float]
    total_weight: float
    telling: frozenset[str]  # tokens that are not everyday words
    entity_tokens: frozenset[str]  # tokens that may stand for a named entity
    qtype: QuestionType
    query_string: str
    words: frozenset[str]  # every vocabulary word any token may stand for
    phrasing_keys: frozenset[str]  # the question as a stored phrasing would be keyed
    markers: frozenset[str]  # years, numbers, months, places (Normalizer.markers)
    asked_word: str | None = None  # what it asks for: "channel" in "what TV channel aired it"
    scope: int = CURATED  # the scope of the facts it is scored against

    @property
    def lone_word(self) -> bool:
        """True when one plain word, not a name, is all the question has to go
        on besides everyday words: its facts are offered, never asserted."""
        return len(self.telling) == 1 and not self.entity_tokens

    @property
    def topic(self) -> bool:
        """True when the question only names things ("tell me about DeNA")."""
        return len(self.entity_tokens) == len(self.tokens)


class _Growable:
    """A numpy array that grows at the end. Readers take `view()`; growing
    copies into a new array, so a view taken earlier stays valid."""

    __slots__ = ("arr", "n")

    def __init__(self, values: np.ndarray) -> None:
        self.arr = values
        self.n = len(values)

    def view(self) -> np.ndarray:
        return self.arr[: self.n]

    def append(self, value: int) -> None:
        if self.n == len(self.arr):
            grown = np.empty(max(4, self.n + (self.n >> 1)), dtype=self.arr.dtype)
            grown[: self.n] = self.arr[: self.n]
            self.arr = grown
        self.arr[self.n] = value
        self.n += 1

    def discard(self, value: int) -> None:
        """Remove one value from an ascending array (copy on write)."""
        values = self.arr[: self.n]
        i = int(np.searchsorted(values, value))
        if i < self.n and values[i] == value:
            self.arr = np.delete(values, i)
            self.n -= 1


def _postings(docs: list[int] | None = None) -> _Growable:
    return _Growable(np.array(docs or [], dtype=np.int32))


class _TypoIndex:
    """Finds vocabulary words within one or two edits of a word (SymSpell).

    Each word is stored under itself and every string made by deleting one
    character (two, for words of 8 or more letters); two words within k edits
    (insertions, deletions, substitutions, transpositions) always share a key
    made by at most k deletions from each. Keys are 64-bit hashes in sorted
    numpy arrays (segments), so a large vocabulary costs little memory. Words
    added after loading go to a dict; every RECENT_WORDS of them become a new
    segment, and the segments made since loading are merged into one when
    there are too many, so no addition ever re-indexes the whole vocabulary.
    The caller verifies each word it gets back (hash collisions and removed
    words are possible).
    """

    RECENT_WORDS = 2000
    MAX_SEGMENTS = 8

    def __init__(self) -> None:
        self._words: list[str] = []
        self._number: dict[str, int] = {}
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, word numbers)
        self._recent: dict[int, list[int]] = {}
        self._recent_words = 0

    @staticmethod
    def _deletions(word: str, depth: int) -> set[str]:
        keys = {word}
        frontier = {word}
        for _ in range(depth):
            frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
            keys |= frontier
        return keys

    @staticmethod
    def _stored_depth(word: str) -> int:
        # A word of 3-7 letters is at most one edit from a 4-7 letter question
        # word that it can match; only questions words of 8+ letters allow two,
        # and then a word of under 8 letters uses up an edit on length alone.
        return 2 if len(word) >= 8 else 1

    def rebuild(self, words: Iterable[str]) -> None:
        self._words = [w for w in words if len(w) >= 3]
        self._number = {w: i for i, w in enumerate(self._words)}
        keys = array("q")
        owners = array("i")
        for i, word in enumerate(self._words):
            hashes = [_key_hash(k) for k in self._deletions(word, self._stored_depth(word))]
            keys.extend(hashes)
            owners.extend([i] * len(hashes))
        self._segments = [
            _sorted_segment(
                np.frombuffer(keys, dtype=np.int64) if keys else np.empty(0, np.int64),
                np.frombuffer(owners, dtype=np.int32) if owners else np.empty(0, np.int32),
            )
        ]
        self._recent = {}
        self._recent_words = 0

    def add(self, word: str) -> None:
        """Index one more word."""
        if len(word) < 3 or word in self._number:
            return
        number = len(self._words)
        self._words.append(word)
        self._number[word] = number
        for key in self._deletions(word, self._stored_depth(word)):
            self._recent.setdefault(_key_hash(key), []).append(number)
        self._recent_words += 1
        if self._recent_words >= self.RECENT_WORDS:
            self._seal_recent()

    def _seal_recent(self) -> None:
        pairs = [(h, n) for h, numbers in self._recent.items() for n in numbers]
        segment = _sorted_segment(
            np.array([h for h, _ in pairs], dtype=np.int64),
            np.array([n for _, n in pairs], dtype=np.int32),
        )
        segments = [*self._segments, segment]
        if len(segments) > self.MAX_SEGMENTS:
            loaded, *since = segments
            segments = [
                loaded,
                _sorted_segment(
                    np.concatenate([keys for keys, _ in since]),
                    np.concatenate([owners for _, owners in since]),
                ),
            ]
        # Segments first: a reader takes the recent words first, then the
        # segments, so a word is always in one or the other.
        self._segments = segments
        self._recent = {}
        self._recent_words = 0

    def to_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The words and every segment's keys, merged into one, as flat arrays."""
        pairs = [(h, n) for h, numbers in self._recent.items() for n in numbers]
        keys, owners = _sorted_segment(
            np.concatenate(
                [k for k, _ in self._segments] + [np.array([h for h, _ in pairs], np.int64)]
            ),
            np.concatenate(
                [o for _, o in self._segments] + [np.array([n for _, n in pairs], np.int32)]
            ),
        )
        return {
            f"{name}.words": pack_strings(self._words),
            f"{name}.keys": keys,
            f"{name}.owners": owners,
        }

    def restore(self, arrays: Mapping[str, np.ndarray], name: str) -> None:
        """Take the index to_arrays saved (its arrays as they are)."""
        self._words = unpack_strings(arrays[f"{name}.words"])
        self._number = {w: i for i, w in enumerate(self._words)}
        self._segments = [(arrays[f"{name}.keys"], arrays[f"{name}.owners"])]
        self._recent = {}
        self._recent_words = 0

    def near(self, token: str, max_edits: int) -> Iterator[str]:
        """Words that may be within max_edits of token (a superset)."""
        hashes = [_key_hash(k) for k in self._deletions(token, max_edits)]
        found: set[int] = set()
        recent = self._recent
        segments = self._segments
        wanted = np.array(hashes, dtype=np.int64)
        for keys, owners in segments:
            lo = np.searchsorted(keys, wanted, "left")
            hi = np.searchsorted(keys, wanted, "right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if b > a:
                    found.update(owners[a:b].tolist())
        if recent:
            for h in hashes:
                found.update(recent.get(h, ()))
        words = self._words
        return (words[i] for i in found)


def _pack_postings(
    postings: Mapping[str, _Growable] | Mapping[str, list[int]], name: str
) -> dict[str, np.ndarray]:
    """Posting lists (word -> ascending fact numbers) as three flat arrays:
    the words, where each one's numbers start, and the numbers."""
    words = sorted(postings)
    lists = [
        docs.view() if isinstance(docs, _Growable) else np.array(docs, dtype=np.int32)
        for docs in (postings[w] for w in words)
    ]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(docs) for docs in lists], out=offsets[1:])
    return {
        **pack_column(words, f"{name}.words"),
        f"{name}.offsets": offsets,
        f"{name}.docs": np.concatenate(lists).astype(np.int32) if lists else np.empty(0, np.int32),
    }


def _unpack_postings(
    arrays: Mapping[str, np.ndarray], name: str
) -> Iterator[tuple[str, np.ndarray]]:
    """(word, its fact numbers) as _pack_postings saved them; the numbers are
    views of the saved array."""
    docs = arrays[f"{name}.docs"]
    offsets = arrays[f"{name}.offsets"].tolist()
    for i, word in enumerate(unpack_strings(arrays[f"{name}.words"])):
        yield word, docs[offsets[i] : offsets[i + 1]]


def _saved_phrased(arrays: Mapping[str, np.ndarray], name: str) -> SavedLookup[list[int]]:
    """Phrasing key -> fact numbers, as _pack_postings saved them, read from
    the arrays when looked up."""
    docs = arrays[f"{name}.docs"]
    offsets = arrays[f"{name}.offsets"].data

    def numbers(i: int) -> list[int]:
        found: list[int] = docs[offsets[i] : offsets[i + 1]].tolist()
        return found

    return SavedLookup(PackedStrings(arrays, f"{name}.words"), numbers)


def _key_hash(key: str) -> int:
    """A typo index key's hash, the same in every process (unlike hash() of a
    str), so the index can be saved: CRC-32 of its bytes, and their count."""
    data = key.encode("utf-8", "surrogatepass")
    return zlib.crc32(data) | len(data) << 32


def _sorted_segment(keys: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], owners[order]


class _Scope:
    """The words of one scope's facts: the curated facts every server sees, or
    one server's own. A question is weighed and matched only against the scopes
    its server sees, so no server's facts change how another's are scored."""

    __slots__ = (
        "asked",
        "described",
        "end",
        "facts",
        "own",
        "phrased",
        "sorted_vocab",
        "typos",
        "version",
    )

    def __init__(self, version: int) -> None:
        self.own: dict[str, _Growable] = {}  # word -> facts that use it
        self.described: dict[str, _Growable] = {}  # word -> facts naming what it describes
        # phrasing key -> facts with that phrasing
        self.phrased: MutableMapping[str, list[int]] = {}
        self.sorted_vocab: list[str] = []
        self.typos = _TypoIndex()
        self.version = version  # a new number whenever a word joins or leaves
        self.facts = 0  # live facts
        self.end = 0  # every fact of this scope is numbered below this
        self.asked = _postings()  # its live facts that have questions

    def df(self, word: str) -> int:
        """How many of this scope's facts a word reaches (0: not in its vocabulary)."""
        own = self.own.get(word)
        described = self.described.get(word)
        return (own.n if own else 0) + (described.n if described else 0)


@dataclass(frozen=True, slots=True)
class _View:
    """The scopes one server sees: the curated one, and its own if it has facts."""

    scopes: tuple[_Scope, ...]

    def df(self, word: str) -> int:
        """How many visible facts a word reaches."""
        n = 0
        for scope in self.scopes:
            n += scope.df(word)
        return n

    @property
    def facts(self) -> int:
        return sum(scope.facts for scope in self.scopes)

    @property
    def version(self) -> tuple[int, ...]:
        return tuple(scope.version for scope in self.scopes)


def scope_of(fact: Fact) -> int:
    """The scope a fact is indexed in: CURATED, or the server it belongs to."""
    return CURATED if fact.guild_id is None else fact.guild_id


class Retriever:
    """An in-memory index over live facts; cheap to update one fact at a time.

    Facts are numbered in the order they are indexed (a new version of a fact
    gets a new number), so every posting list is ascending. Each scope (the
    curated facts, and each server's own) has its own posting lists,
    vocabulary, typo index and phrasing keys. Reading needs no lock: updates
    replace arrays rather than change what a reader may hold.

    `normalizer` reads the curated facts, with the curated lexicon (aliases,
    synonyms, descriptions). A server's own facts are read with only what
    applies everywhere (Lexicon.general) plus that server's aliases
    (`server_aliases`: guild id -> {alias: canonical name}); its questions are
    read like its facts for its own facts, and with the curated lexicon, its
    aliases first, for the curated facts.
    """

    def __init__(
        self,
        normalizer: Normalizer,
        config: RetrievalConfig,
        sources: dict[str, Source] | None = None,
        server_aliases: Mapping[int, Mapping[str, str]] | None = None,
    ) -> None:
        self.normalizer = normalizer
        self.config = config
        self.sources = dict(sources or {})
        general = normalizer.lexicon.general()
        self._server_normalizer = normalizer.scoped(general)  # a server without aliases
        # guild id -> (for its own facts, for the curated facts)
        self._server_normalizers: dict[int, tuple[Normalizer, Normalizer]] = {
            guild_id: (
                normalizer.scoped(general.with_server_aliases(aliases)),
                normalizer.scoped(normalizer.lexicon, rewrites=aliases),
            )
            for guild_id, aliases in (server_aliases or {}).items()
            if aliases
        }
        self.server_aliases = {g: dict(a) for g, a in (server_aliases or {}).items() if a}
        # question token -> the kinds of value it asks for (value_kinds.py).
        # Read as every server's facts are: a source's synonyms may map them
        # to its own content words ("website" to "site").
        self._asking = asking_tokens(self._server_normalizer.tokens)
        required = {kind_token(kind) for kind in REQUIRED_KINDS}
        self._requiring = frozenset(t for t, kinds in self._asking.items() if kinds & required)
        self._reset()

    def _reset(self) -> None:
        self._number: MutableMapping[str, int] = {}  # fact id -> number
        # By fact number: the fact (None once removed), its phrasings joined
        # by "\n", its FactTerms.markers. Lists when built from the facts;
        # read from the saved arrays one fact at a time when restored.
        self._facts: list[Fact | None] | SavedColumn[Fact | None] = []
        self._ids: list[str | None] | SavedColumn[str | None] = []  # (cheap to read)
        self._phrasings: list[str | None] | SavedColumn[str | None] = []
        self._markers: list[frozenset[str]] | SavedColumn[frozenset[str]] = []
        self._lengths = _Growable(np.empty(0, dtype=np.uint32))  # FactTerms.lengths
        self._flags = _Growable(np.empty(0, dtype=np.uint8))
        self._vocab_version = 0  # numbers scopes' versions
        self._semantic = SemanticIndex(default_vectors(), self.normalizer.english.zipf)
        # Closeness in meaning lifts a score at most to just under the answer
        # threshold: it offers a fact, never asserts one.
        self._lift_ceiling = self.config.answer_threshold - 0.01
        self._scopes: dict[int, _Scope] = {CURATED: self._new_scope()}
        # Question words recur: what each stands for in a server's vocabulary
        # is kept until that vocabulary changes (a word added or gone), tagged
        # with the versions of the scopes it was computed for.
        self._expansions: dict[tuple[int, str], tuple[tuple[int, ...], dict[str, float]]] = {}

    def _new_scope(self) -> _Scope:
        self._vocab_version += 1
        return _Scope(self._vocab_version)

    def _view(self, guild_id: int | None) -> _View:
        curated = self._scopes[CURATED]
        own = self._scopes.get(guild_id) if guild_id is not None else None
        return _View((curated, own) if own is not None else (curated,))

    def _visible_scopes(self, guild_id: int | None) -> tuple[int, ...]:
        """The scope keys a server's questions see, curated first."""
        if guild_id is not None and guild_id in self._scopes:
            return (CURATED, guild_id)
        return (CURATED,)

    def vocabulary(self, guild_id: int | None = None) -> list[str]:
        """The words a server's questions are matched against, in order."""
        return sorted(set().union(*(s.sorted_vocab for s in self._view(guild_id).scopes)))

    # -- index maintenance ----------------------------------------------
    def analyse(self, fact: Fact) -> FactTerms:
        """The words, phrasings and flags the index keeps for a fact."""
        norm = self._normalizer_for(fact.guild_id, fact.guild_id)
        phrasings = tuple(" ".join(norm.content_tokens(p)) for p in (fact.text, *fact.questions))
        keys: set[str] = set()
        for question, tokens_of in zip(fact.questions, phrasings[1:], strict=True):
            keys |= phrasing_keys(asked_for(question), tokens_of.split())
        tokens = set(" ".join(phrasings).split())
        for keyword in fact.keywords:
            tokens.update(norm.content_tokens(keyword))
        for day in days_in_ranges(fact.text):
            tokens.update(norm.content_tokens(day))
        described: set[str] = set()
        for token in tokens:
            if norm.is_entity(token):
                described |= norm.description_tokens(token)
            described.update(norm.compound_parts(token))  # "woodshop": "wood shop"
        folded_text = fold(fact.text)
        return FactTerms(
            fact=fact,
            tokens=frozenset(tokens) | value_kinds(fact.text),
            described=frozenset(described - tokens),
            phrasings=phrasings,
            phrasing_keys=frozenset(keys),
            markers=norm.markers(fact.text, tokens)
            | {f"?{a}" for q in fact.questions if (a := asked_for(q))},
            has_number=bool(_QUANTITY.search(folded_text)),
            has_time=bool(_TIMEISH.search(folded_text)),
        )

    def load(self, facts: Iterable[Fact]) -> None:
        """Replace the whole index (in one pass, faster than upserting each)."""
        self._reset()
        words: dict[int, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}
        lengths = array("I")
        flags = bytearray()
        replaced: set[int] = set()
        for fact in facts:
            if fact.id in self._number:  # a later version of the same fact wins
                replaced.add(self._number[fact.id])
                old = self._facts[self._number[fact.id]]
                if old is not None:
                    self._semantic.clear(self._number[fact.id], scope_of(old))
                self._facts[self._number[fact.id]] = None
                self._ids[self._number[fact.id]] = None
                self._phrasings[self._number[fact.id]] = None
            terms = self.analyse(fact)
            number = len(self._facts)
            self._number[fact.id] = number
            self._facts.append(fact)
            self._ids.append(fact.id)
            self._phrasings.append("\n".join(terms.phrasings))
            self._markers.append(terms.markers)
            lengths.append(terms.lengths)
            flags.append(terms.flags)
            key = scope_of(fact)
            self._semantic.append(number, key, terms.tokens)
            scope = self._scopes.get(key)
            if scope is None:
                scope = self._scopes[key] = self._new_scope()
            scope.end = number + 1
            own, described = words.setdefault(key, ({}, {}))
            for token in terms.tokens:
                own.setdefault(token, []).append(number)
            for token in terms.described:
                described.setdefault(token, []).append(number)
            for phrasing in terms.phrasing_keys:
                scope.phrased.setdefault(phrasing, []).append(number)
        for key, lists in words.items():
            scope = self._scopes[key]
            for postings, found in zip((scope.own, scope.described), lists, strict=True):
                for token, numbers in found.items():
                    if replaced:
                        numbers = [n for n in numbers if n not in replaced]
                    if numbers:
                        postings[token] = _postings(numbers)
            if replaced:
                scope.phrased = {
                    phrasing: kept
                    for phrasing, numbers in scope.phrased.items()
                    if (kept := [n for n in numbers if n not in replaced])
                }
            scope.sorted_vocab = sorted(scope.own.keys() | scope.described.keys())
            scope.typos.rebuild(scope.sorted_vocab)
        for number, indexed in enumerate(self._facts):
            if indexed is not None:
                scope = self._scopes[scope_of(indexed)]
                scope.facts += 1
                if indexed.questions:
                    scope.asked.append(number)
        self._lengths = _Growable(np.array(lengths, dtype=np.uint32))
        self._flags = _Growable(np.frombuffer(bytes(flags), dtype=np.uint8).copy())
        if len(self._number) >= FREEZE_MIN_FACTS:
            # The index lives as long as the retriever and has no reference
            # cycles. Left to the cyclic garbage collector, a full collection
            # would walk all of it: some 50 ms per 100,000 facts with every
            # thread stopped, the event loop included. Frozen, it is skipped;
            # freed objects are still freed (by reference counting).
            gc.collect()
            gc.freeze()

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The whole index as flat arrays, for index_file: the facts, what
        analyse found in each, each scope's postings and vectors. `restore`
        rebuilds the same index from them without analysing a fact again.

        Raises ValueError when a fact's text holds a NUL character."""
        facts = list(self._facts)
        markers = ["\n".join(sorted(m)) for m in self._markers]
        if any("\n" in marker for found in self._markers for marker in found):
            raise ValueError("a marker holds a line break")
        arrays = {
            "facts.live": np.array([f is not None for f in facts], dtype=np.uint8),
            **pack_column((fact_record(f) if f is not None else "" for f in facts), "facts"),
            **pack_column((f.id if f is not None else "" for f in facts), "fact_ids"),
            **pack_column((p or "" for p in self._phrasings), "phrasings"),
            **pack_column(markers, "markers"),
        }
        ids = sorted(self._number.items())
        arrays.update(pack_column((fact_id for fact_id, _ in ids), "ids"))
        arrays["ids.numbers"] = np.array([number for _, number in ids], dtype=np.int64)
        arrays["lengths"] = self._lengths.view().copy()
        arrays["flags"] = self._flags.view().copy()
        scopes = list(self._scopes.items())
        arrays["scopes"] = np.array([key for key, _ in scopes], dtype=np.int64)
        arrays["scopes.facts"] = np.array([s.facts for _, s in scopes], dtype=np.int64)
        arrays["scopes.end"] = np.array([s.end for _, s in scopes], dtype=np.int64)
        for i, (_, scope) in enumerate(scopes):
            arrays.update(_pack_postings(scope.own, f"scope{i}.own"))
            arrays.update(_pack_postings(scope.described, f"scope{i}.described"))
            arrays.update(_pack_postings(scope.phrased, f"scope{i}.phrased"))
            arrays.update(scope.typos.to_arrays(f"scope{i}.typos"))
            arrays[f"scope{i}.asked"] = scope.asked.view().copy()
        arrays.update(self._semantic.to_arrays())
        return arrays

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Replace the whole index with the one `to_arrays` saved (the arrays
        are used as they are, e.g. mapped from a file)."""
        self._reset()
        live = arrays["facts.live"].data
        records = PackedStrings(arrays, "facts")
        phrasings = PackedStrings(arrays, "phrasings")
        markers = PackedStrings(arrays, "markers")

        def fact(number: int) -> Fact | None:
            return fact_from_record(records[number]) if live[number] else None

        def phrasing(number: int) -> str | None:
            return phrasings[number] if live[number] else None

        def marker(number: int) -> frozenset[str]:
            found = markers[number]
            return frozenset(found.split("\n")) if found else frozenset()

        ids = PackedStrings(arrays, "fact_ids")

        def fact_id(number: int) -> str | None:
            return ids[number] if live[number] else None

        self._facts = SavedColumn(fact, len(records), REMEMBER_SAVED)
        self._ids = SavedColumn(fact_id, len(records))
        self._phrasings = SavedColumn(phrasing, len(records), REMEMBER_SAVED)
        self._markers = SavedColumn(marker, len(records), REMEMBER_SAVED)
        numbers = arrays["ids.numbers"].data
        self._number = SavedLookup(PackedStrings(arrays, "ids"), numbers.__getitem__)
        self._lengths = _Growable(arrays["lengths"])
        self._flags = _Growable(arrays["flags"])
        self._scopes, self._vocab_version = {}, 0
        for i, key in enumerate(arrays["scopes"].tolist()):
            scope = self._scopes[key] = self._new_scope()
            scope.facts = int(arrays["scopes.facts"][i])
            scope.end = int(arrays["scopes.end"][i])
            scope.own = {w: _Growable(d) for w, d in _unpack_postings(arrays, f"scope{i}.own")}
            scope.described = {
                w: _Growable(d) for w, d in _unpack_postings(arrays, f"scope{i}.described")
            }
            scope.phrased = _saved_phrased(arrays, f"scope{i}.phrased")
            scope.sorted_vocab = sorted(scope.own.keys() | scope.described.keys())
            scope.typos.restore(arrays, f"scope{i}.typos")
            scope.asked = _Growable(arrays[f"scope{i}.asked"])
        self._semantic.restore(arrays)
        if len(self._number) >= FREEZE_MIN_FACTS:
            gc.collect()
            gc.freeze()  # as load does

    def upsert(self, fact: Fact) -> None:
        """Add a fact, or replace the indexed version of it."""
        if fact.id in self._number:
            self.remove(fact.id)
        terms = self.analyse(fact)
        key = scope_of(fact)
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = self._new_scope()  # complete (empty) before it is seen
        number = len(self._facts)
        self._facts.append(fact)
        self._ids.append(fact.id)
        self._phrasings.append("\n".join(terms.phrasings))
        self._markers.append(terms.markers)
        self._semantic.append(number, key, terms.tokens)
        self._lengths.append(terms.lengths)
        self._flags.append(terms.flags)
        for postings, words in ((scope.own, terms.tokens), (scope.described, terms.described)):
            for word in words:
                docs = postings.get(word)
                if docs is None:
                    if not scope.df(word):
                        self._add_word(scope, word)
                    postings[word] = docs = _postings()
                docs.append(number)
        for phrasing in terms.phrasing_keys:
            scope.phrased[phrasing] = [*scope.phrased.get(phrasing, ()), number]
        scope.facts += 1
        scope.end = number + 1
        if fact.questions:
            scope.asked.append(number)
        self._number[fact.id] = number  # last: the fact is searchable once complete

    def remove(self, fact_id: str) -> None:
        number = self._number.pop(fact_id, None)
        if number is None:
            return
        fact = self._facts[number]
        self._facts[number] = None
        self._ids[number] = None
        self._phrasings[number] = None
        assert fact is not None
        self._semantic.clear(number, scope_of(fact))
        terms = self.analyse(fact)
        scope = self._scopes[scope_of(fact)]
        scope.facts -= 1
        scope.asked.discard(number)
        for phrasing in terms.phrasing_keys:
            kept = [n for n in scope.phrased.get(phrasing, ()) if n != number]
            if kept:
                scope.phrased[phrasing] = kept
            else:
                scope.phrased.pop(phrasing, None)
        for postings, words in ((scope.own, terms.tokens), (scope.described, terms.described)):
            for word in words:
                docs = postings.get(word)
                if docs is None:
                    continue
                docs.discard(number)
                if not docs.n:
                    del postings[word]
                    if not scope.df(word):
                        self._drop_word(scope, word)

    def _add_word(self, scope: _Scope, word: str) -> None:
        self._vocab_version += 1
        scope.version = self._vocab_version
        bisect.insort(scope.sorted_vocab, word)
        scope.typos.add(word)

    def _drop_word(self, scope: _Scope, word: str) -> None:
        self._vocab_version += 1
        scope.version = self._vocab_version
        i = bisect.bisect_left(scope.sorted_vocab, word)
        if i < len(scope.sorted_vocab) and scope.sorted_vocab[i] == word:
            del scope.sorted_vocab[i]

    def __len__(self) -> int:
        return len(self._number)

    def __contains__(self, fact_id: str) -> bool:
        return fact_id in self._number

    def facts(self) -> Iterator[Fact]:
        """Every indexed fact, in index order."""
        return (f for f in self._facts if f is not None)

    def example_fact(self, guild_id: int | None, pick: int) -> Fact | None:
        """One of the facts with questions that a server's own facts has (else
        of the curated facts): the pick-th in index order, modulo how many
        there are; None when there are none."""
        own = self._scopes.get(guild_id) if guild_id is not None else None
        for scope in (own, self._scopes[CURATED]):
            if scope is not None and scope.asked.n:
                asked = scope.asked.view()
                return self._facts[int(asked[pick % len(asked)])]
        return None

    # -- asking ----------------------------------------------------------
    def check_question(self, question: str) -> str:
        """The question, stripped; raises InvalidQuestionError if unusable."""
        if not isinstance(question, str) or not fold(question).strip():
            raise InvalidQuestionError("Please ask a question: the message was empty.")
        question = question.strip()
        limit = self.config.max_question_chars
        if len(question) > limit:
            raise InvalidQuestionError(
                f"That question is {len(question):,} characters long; "
                f"please keep it under {limit:,}."
            )
        return question

    def ask(self, question: str, guild_id: int | None = None) -> Answer:
        """Answer one question for one server (None: curated facts only).

        Raises InvalidQuestionError for an empty or over-long question. A
        question with nothing searchable is a normal `unknown` answer.
        """
        started = time.perf_counter()
        question = self.check_question(question)
        answer = self._decide(question, *self._rank(question, guild_id))
        return replace(answer, latency_ms=(time.perf_counter() - started) * 1000)

    def prepare(
        self, question: str, guild_id: int | None = None, facts_guild: int | None = None
    ) -> PreparedQuestion | None:
        """The question as asked in a server (None: curated facts only), to be
        scored against the curated facts (facts_guild None) or the server's own
        (facts_guild == guild_id): its words, their matches in the vocabulary
        the server sees, and weights from the facts it sees. None when it has
        no content words or the server sees no facts."""
        if facts_guild not in (None, guild_id):
            raise ValueError("a server's questions are scored against its own facts only")
        view = self._view(guild_id)
        normalizer = self._normalizer_for(guild_id, facts_guild)
        tokens = normalizer.content_tokens(question)
        n_facts = view.facts
        if not tokens or not n_facts:
            return None
        df = view.df
        max_idf = math.log(1 + n_facts)
        weights: dict[str, float] = {}
        expansions: dict[str, dict[str, float]] = {}
        closest: list[str] = []  # each word as the vocabulary word it most likely is
        for token in tokens:
            expansion = self._expand(token, guild_id)
            expansions[token] = expansion
            best = max(expansion, key=lambda v: (expansion[v], -df(v)), default=None)
            # Only related words (no typo of a known word): the word weighs as unseen.
            if best is not None and expansion[best] >= OWN_SIMILARITY:
                closest.append(best)
                weights[token] = math.log(1 + n_facts / df(best))
                continue
            closest.append(token)
            if token.isascii():
                weights[token] = max_idf * UNKNOWN_WORD_WEIGHT * self._unseen_share(token)
            else:
                weights[token] = max_idf * UNSPLIT_WORD_WEIGHT
        for token in tokens:
            if normalizer.is_generic(token):
                weights[token] *= GENERIC_WORD_WEIGHT
        is_entity = normalizer.is_entity
        # The question as asked, and without the one everyday word it may
        # add ("happen"), each also without its question word, as "meetup
        # venue" is stored.
        plain = [t for t in closest if not normalizer.is_generic(t)]
        if len(plain) < len(closest) - 1:
            plain = closest
        # A question without a question word we know ("whos the secretary")
        # may be asking what any stored phrasing asks.
        asked = asked_for(question)
        keys = {key for a in (asked, "") for w in (closest, plain) for key in phrasing_keys(a, w)}
        if not asked:
            keys |= {key for a in ASKED_FOR_NAMES for key in phrasing_keys(a, closest)}
        return PreparedQuestion(
            question=question,
            tokens=tuple(tokens),
            expansions=tuple((t, tuple(e.items())) for t, e in expansions.items()),
            weights=weights,
            total_weight=sum(weights.values()),
            telling=frozenset(t for t in tokens if not normalizer.is_generic(t)),
            entity_tokens=frozenset(
                t for t, e in expansions.items() if any(is_entity(v) for v in e)
            ),
            qtype=question_type(question),
            query_string=" ".join(tokens),
            words=frozenset(v for e in expansions.values() for v in e),
            phrasing_keys=frozenset(keys),
            markers=normalizer.question_markers(question, tokens),
            asked_word=word
            if (word := normalizer.asked_word(question)) and word in tokens
            else None,
            scope=CURATED if facts_guild is None else facts_guild,
        )

    def _normalizer_for(self, guild_id: int | None, facts_guild: int | None) -> Normalizer:
        """How a server's text (a question, or its own fact) is read for
        comparison with the curated facts (facts_guild None) or its own."""
        scoped = self._server_normalizers.get(guild_id) if guild_id is not None else None
        if facts_guild is None:
            return self.normalizer if scoped is None else scoped[1]
        return self._server_normalizer if scoped is None else scoped[0]

    def _rank(
        self, question: str, guild_id: int | None, need: int = 1
    ) -> tuple[list[_Candidate], bool]:
        """The best candidates visible in this server, best first (at least the
        top `need` exactly as scoring every fact would rank them), and whether
        the question only names things ("tell me about DeNA"): a topic question.

        Each scope the server sees is ranked with the question as read for
        its facts, then the two are merged."""
        need = max(need, self.config.max_facts, self.config.max_suggestions)
        ranked: list[_Candidate] = []
        prepared: dict[int, PreparedQuestion] = {}  # scope -> the question as read for it
        for key in self._visible_scopes(guild_id):
            q = self.prepare(question, guild_id, None if key == CURATED else key)
            if q is None:
                continue
            prepared[key] = q
            phrased = self.phrased(q)
            scans = self._semantic.scans(q.scope)
            size = self._flags.n
            close = self._semantic.closeness(q.telling, q.scope, size) if scans else None
            numbers, coverage, own = self._coverage(q, phrased, close)
            if close is None:
                close = self._semantic.closeness(q.telling, q.scope, size, numbers)
            if not len(numbers):
                continue
            found = self._rerank(q, numbers, coverage, own, need, phrased, close)
            threshold = self.config.answer_threshold
            # In a server with facts of its own, a curated fact answers only a
            # question naming what it is about (or asked as one of its
            # phrasings): "when did this community start?" is the server's.
            guest = key == CURATED and guild_id is not None and guild_id in self._scopes
            for candidate in found[:need]:
                if guest and not candidate.phrased and not q.entity_tokens:
                    candidate.assertable = candidate.lone = False
                if candidate.assertable and not candidate.phrased and candidate.score >= threshold:
                    candidate.assertable = self._explains(q, candidate.number)
            ranked += found
        ranked.sort(key=lambda c: (-c.score, c.fact_id))
        ranked = self._read_top(ranked, need)
        if not ranked:
            return [], any(q.topic for q in prepared.values())
        top = ranked[0]
        if (
            top.lone
            and top.coverage >= LONE_WORD_COVERAGE
            and top.score >= self.config.answer_threshold
            and self._lone_word_tells(prepared[top.scope])
        ):
            # One plain word ("xbox??", "shipping to us hw long") is stated
            # only when it points at one fact well clear of the rest.
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            top.assertable = top.score - runner_up >= LONE_WORD_MARGIN
        return ranked, prepared[top.scope].topic

    def _read_top(self, ranked: list[_Candidate], need: int) -> list[_Candidate]:
        """The ranking with the facts of its first `need` candidates read
        (scoring needs only their numbers), leaving out any removed since."""
        kept: list[_Candidate] = []
        for candidate in ranked:
            if len(kept) < need:
                candidate.bound = self._facts[candidate.number]
                if candidate.bound is None:
                    continue
            kept.append(candidate)
        return kept

    def _lone_word_tells(self, q: PreparedQuestion) -> bool:
        """Whether a lone-word question's word is rare enough in English to
        point at a fact by itself ("xbox", not "off")."""
        return all(self.normalizer.english.zipf(t) <= LONE_WORD_MAX_ZIPF for t in q.telling)

    def phrased(self, q: PreparedQuestion) -> set[int]:
        """Facts of the question's scope that have it as one of their phrasings."""
        scope = self._scopes.get(q.scope)
        if scope is None:
            return set()
        return {n for key in q.phrasing_keys for n in scope.phrased.get(key, ())}

    def _explains(self, q: PreparedQuestion, number: int) -> bool:
        """False when the fact numbered `number` leaves unmatched what the
        question asks for ("channel" in "what TV channel aired it"), or a
        telling word that weighs too much: MAX_UNMATCHED_SHARE of the
        question, MAX_UNSEEN_SHARE for a word no fact uses ("weather" in
        "what's the weather for the ride?" against the ride's fact)."""
        if self._ids[number] is None:  # removed meanwhile
            return True
        expansions = dict(q.expansions)

        def matched(token: str) -> bool:
            return any(
                self._reaches(q.scope, word, number) for word, _ in expansions.get(token, ())
            )

        if q.asked_word is not None and not matched(q.asked_word):
            # "what fraction" is answered by any quantity, "which month" by a time
            flags = int(self._flags.view()[number])
            quantity = q.qtype is QuestionType.NUMBER and flags & _HAS_NUMBER
            if not (quantity or (q.qtype is QuestionType.TIME and flags & _HAS_TIME)):
                return False
        for token in q.telling:
            if token in self._requiring and not matched(token):
                return False  # "how much" of a fact without a price
        for token in q.telling - {q.asked_word}:
            # unseen: no vocabulary word is this one (or a typo of it), only related ones
            seen = any(sim >= OWN_SIMILARITY for _, sim in expansions.get(token, ()))
            limit = MAX_UNMATCHED_SHARE if seen else MAX_UNSEEN_SHARE
            if q.weights[token] > limit * q.total_weight and not matched(token):
                return False
        return True

    def _reaches(self, scope: int, word: str, number: int) -> bool:
        """True when the fact numbered `number` (of that scope) uses the word
        or names what it describes."""
        words = self._scopes[scope]
        for postings in (words.own.get(word), words.described.get(word)):
            if postings is not None and postings.n:
                docs = postings.view()
                i = int(np.searchsorted(docs, number))
                if i < len(docs) and docs[i] == number:
                    return True
        return False

    def _coverage(
        self,
        q: PreparedQuestion,
        phrased: Collection[int] = (),
        close: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Facts of the question's scope that match enough of it to be
        candidates (or have it as a phrasing), the share of the question's
        weight each covers, and the share it covers with its own words (not
        related ones)."""
        scope = self._scopes.get(q.scope)
        if scope is None:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        # Facts indexed while this runs are left out: their number is >= size.
        # A scope's facts are all numbered below scope.end: the curated facts,
        # loaded first, need arrays of their own size, not the whole index's.
        size = min(self._flags.n, scope.end)  # flags: the last of a fact's columns appended
        covered = np.zeros(size)  # summed weight x similarity, question word by word
        related = np.zeros(size)  # the part of it matched by related words only
        telling = np.zeros(size, dtype=np.uint8)  # matched words that are not everyday ones
        named = np.zeros(size, dtype=bool)  # matched a telling word that names an entity
        best: np.ndarray | None = None  # per question word: best similarity per fact
        for token, expansion in q.expansions:
            lists: list[tuple[np.ndarray, float]] = []
            for word, similarity in expansion:
                own = scope.own.get(word)
                if own is not None and own.n:
                    lists.append((_below(own.view(), size), similarity))
                described = scope.described.get(word)
                if described is not None and described.n:
                    lists.append(
                        (_below(described.view(), size), similarity * DESCRIPTION_SIMILARITY)
                    )
            if not lists:
                continue
            weight = q.weights[token]
            counts = token in q.telling
            names = counts and token in q.entity_tokens
            if len(lists) == 1:
                docs, similarity = lists[0]
                covered[docs] += weight * similarity
                if similarity < OWN_SIMILARITY:
                    related[docs] += weight * similarity
                if counts:
                    telling[docs] += 1
                if names:
                    named[docs] = True
                continue
            if sum(len(docs) for docs, _ in lists) <= MERGE_LIMIT:
                # Few postings: merge them (each fact once, at its best
                # similarity) in a handful of numpy calls, however many lists.
                docs, found = _best_per_fact(lists)
                covered[docs] += weight * found
                related[docs] += weight * np.where(found < OWN_SIMILARITY, found, 0.0)
                if counts:
                    telling[docs] += 1
                if names:
                    named[docs] = True
                continue
            if best is None:
                best = np.zeros(size)
            weakest = min(similarity for _, similarity in lists)
            for docs, similarity in lists:
                best[docs] = np.maximum(best[docs], similarity)
            for docs, _ in lists:
                # A fact in several lists gets its best similarity once: the
                # first list adds it and clears it, the others add zero.
                found = best[docs]
                covered[docs] += weight * found
                if weakest < OWN_SIMILARITY:
                    related[docs] += weight * np.where(found < OWN_SIMILARITY, found, 0.0)
                if counts:
                    telling[docs] += found > 0
                if names:
                    named[docs] |= found > 0
                best[docs] = 0.0
        # Everyday words alone say nothing, and one plain word is too little
        # to go on, though one name is enough; a question with only one plain
        # word ("can my kid come to the meetup") gets choices (see lone_word).
        # A server's own facts have one or two phrasings and few keywords, so
        # one telling word is often all a member's words share with the
        # right one: a server small enough to compare every fact's phrasings
        # weighs each fact sharing one ("what's the address" makes a "did you
        # mean" of the fact keyed "address", not nothing).
        keep = (telling >= (1 if self._one_word_enough(q) else 2)) | named
        if phrased:
            keep[[n for n in phrased if n < size]] = True
        lexical = keep
        if close is not None:  # close in meaning only (semantic.py): offered, never asserted
            lexical = keep.copy()
            keep[: len(close)] |= close[:size] >= CANDIDATE_CLOSENESS
        numbers = np.flatnonzero(keep)
        own_coverage = (covered[numbers] - related[numbers]) / q.total_weight
        own_coverage[~lexical[numbers]] = 0.0
        return numbers, covered[numbers] / q.total_weight, own_coverage

    def _one_word_enough(self, q: PreparedQuestion) -> bool:
        """Whether one matched telling word makes a fact a candidate: for a
        lone-word question, or in a server's own scope of at most RERANK_LIMIT
        facts (the curated facts carry many phrasings and aliases)."""
        if q.lone_word:
            return True
        scope = self._scopes.get(q.scope) if q.scope != CURATED else None
        return scope is not None and scope.facts <= RERANK_LIMIT

    def _rerank(
        self,
        q: PreparedQuestion,
        numbers: np.ndarray,
        coverage: np.ndarray,
        own: np.ndarray,
        need: int,
        phrased: set[int],
        close: np.ndarray | None = None,
    ) -> list[_Candidate]:
        flags = self._flags.view()[numbers]
        bonus = _type_adjustments(q.qtype, flags)
        lift = closeness_points(closeness_of(close, numbers)) if close is not None else None
        # The most each candidate can score: phrasing similarity is unknown
        # yet, but bounded by how the phrasings' lengths compare with the
        # question's (see _similarity_bounds).
        upper = (
            _points(
                coverage,
                _similarity_bounds(len(q.query_string), self._lengths.view()[numbers]),
                bonus,
            )
            + _ROUNDING_ROOM
        )
        if lift is None:
            lift = np.zeros(len(numbers))
        upper = lifted(upper, lift, self._lift_ceiling + _ROUNDING_ROOM)
        if phrased:
            upper[np.isin(numbers, list(phrased))] = 100.01
        if len(numbers) > RERANK_LIMIT:
            top = np.argpartition(-upper, RERANK_LIMIT - 1)[:RERANK_LIMIT]
            numbers, coverage, own, flags, bonus, lift, upper = (
                numbers[top], coverage[top], own[top], flags[top], bonus[top], lift[top], upper[top]
            )  # fmt: skip
        order = np.lexsort((numbers, -upper))
        ranked: list[_Candidate] = []
        floor = -math.inf  # the need-th best score so far
        start = 0
        for step in range(len(order)):
            size = RERANK_BATCHES[min(step, len(RERANK_BATCHES) - 1)]
            batch = order[start : start + size]
            start += size
            # Candidates come by falling upper bound: the ones that can still
            # reach the top `need` are a prefix.
            batch = batch[: np.count_nonzero(upper[batch] >= floor)]
            if not len(batch):
                break
            ranked += self._score(
                q,
                numbers[batch],
                coverage[batch],
                own[batch],
                flags[batch],
                bonus[batch],
                phrased,
                lift[batch],
            )
            if len(ranked) >= need:
                floor = heapq.nlargest(need, (c.score for c in ranked))[-1]
        ranked.sort(key=lambda c: (-c.score, c.fact_id))
        return ranked

    def _score(
        self,
        q: PreparedQuestion,
        numbers: np.ndarray,
        coverage: np.ndarray,
        own: np.ndarray,
        flags: np.ndarray,
        bonus: np.ndarray,
        phrased: set[int],
        lift: np.ndarray,
    ) -> list[_Candidate]:
        joined = [self._phrasings[n] for n in numbers.tolist()]
        phrasings = [p.split("\n") if p is not None else [] for p in joined]
        flat = [p for group in phrasings for p in group]
        similarity = phrasing_similarities(q.query_string, flat)
        ids = self._ids
        found = []
        start = 0
        for number, group, cov, own_cov, flag, adjust, points in zip(
            numbers.tolist(),
            phrasings,
            coverage.tolist(),
            own.tolist(),
            flags.tolist(),
            bonus.tolist(),
            lift.tolist(),
            strict=True,
        ):
            sims = similarity[start : start + len(group)]
            start += len(group)
            fact_id = ids[number]
            if fact_id is None:  # removed while this question was being answered
                continue
            best = max(sims)
            index = sims.index(best)
            score, other_case = fact_score(
                q, cov, best, adjust, self._markers[number], phrased=number in phrased
            )
            score = lifted_score(score, points, self._lift_ceiling)
            # A "how many" question is only answered by a fact with a quantity.
            evidence = not other_case and (
                number in phrased
                or (
                    cov >= MIN_ANSWER_COVERAGE
                    and own_cov >= MIN_OWN_COVERAGE
                    and (q.qtype is not QuestionType.NUMBER or bool(flag & _HAS_NUMBER))
                )
            )
            lone = q.lone_word and number not in phrased
            found.append(
                _Candidate(
                    score,
                    fact_id,
                    number,
                    q.scope,
                    group[index],
                    index,
                    cov,
                    evidence and not lone,
                    number in phrased,
                    evidence and lone,
                )
            )
        return found

    def _unseen_share(self, token: str) -> float:
        """The share of an unseen word's weight it keeps, by its frequency."""
        zipf = self.normalizer.english.zipf(token)
        if zipf <= RARE_ZIPF:
            return 1.0
        if zipf >= COMMON_ZIPF:
            return COMMON_UNSEEN_SHARE
        step = (zipf - RARE_ZIPF) / (COMMON_ZIPF - RARE_ZIPF)
        return 1.0 - step * (1.0 - COMMON_UNSEEN_SHARE)

    def _expand(self, token: str, guild_id: int | None = None) -> dict[str, float]:
        """Words of the vocabulary a server sees that this question word may
        stand for, with similarity."""
        key = guild_id if guild_id is not None and guild_id in self._scopes else CURATED
        view = self._view(guild_id)
        version = view.version
        cached = self._expansions.get((key, token))
        if cached is not None and cached[0] == version:
            return cached[1]
        found = self._expand_uncached(token, view)
        if len(self._expansions) >= EXPANSION_MEMO_SIZE:
            self._expansions.clear()
        self._expansions[key, token] = (version, found)
        return found

    def _expand_uncached(self, token: str, view: _View) -> dict[str, float]:
        df = view.df
        found = {token: 1.0} if df(token) else {}
        # Related words the fact base has: the closest kind of relation first,
        # then the words more facts use; at most RELATED_LIMIT of them.
        related = self.normalizer.english.related(token)
        chosen: dict[str, float] = {}
        for words, similarity in (
            (related.same, SAME_SIMILARITY),
            (related.narrower, NARROWER_SIMILARITY),
            (related.broader, BROADER_SIMILARITY),
        ):
            ranked = sorted((w for w in words if w not in chosen and df(w)), key=df)
            for word in reversed(ranked):
                if len(chosen) < RELATED_LIMIT:
                    chosen[word] = similarity
        for word, similarity in chosen.items():
            if found.get(word, 0.0) < similarity:
                found[word] = similarity
        for kind in self._asking.get(token, ()):  # "price" reaches a fact stating one
            if df(kind):
                found[kind] = max(found.get(kind, 0.0), KIND_SIMILARITY)
        if len(token) < 4 or not token.isascii() or token[0].isdigit():
            return found
        max_edits = 2 if len(token) >= 8 else 1
        near = set()
        for scope in view.scopes:
            for word in scope.typos.near(token, max_edits):
                if df(word):
                    edits = OSA.distance(token, word, score_cutoff=max_edits)
                    if edits <= max_edits:
                        near.add((edits, word))
        # A word the fact base knows is most likely meant as written: a name
        # one or two letters off ("Dara" for "Dana") counts for much less.
        unknown = token not in found
        typo = TYPO_SIMILARITY if unknown else KNOWN_WORD_TYPO_SIMILARITY
        for edits, word in sorted(near)[:TYPO_LIMIT]:  # closest first, then in vocabulary order
            if word != token and len(word) >= 4 and not word[0].isdigit():
                found.setdefault(word, typo[edits])
                if unknown:  # "membrship" is "membership", so as near "member" as it
                    for same in self.normalizer.english.related(word).same[:RELATED_LIMIT]:
                        if df(same):
                            found.setdefault(same, typo[edits] * SAME_SIMILARITY)
        if len(token) >= PREFIX_MIN:
            # Words the token starts with, then words that start with it: in
            # vocabulary order, as both come there.
            for end in range(PREFIX_MIN, len(token)):
                stem = token[:end]
                if df(stem):
                    found[stem] = max(found.get(stem, 0.0), PREFIX_SIMILARITY)
            longer: set[str] = set()
            for scope in view.scopes:
                vocab = scope.sorted_vocab
                i = bisect.bisect_right(vocab, token)
                while i < len(vocab) and vocab[i].startswith(token):
                    longer.add(vocab[i])
                    i += 1
            for word in sorted(longer):
                found[word] = max(found.get(word, 0.0), PREFIX_SIMILARITY)
        return found

    def _decide(self, question: str, ranked: list[_Candidate], topic: bool) -> Answer:
        cfg = self.config
        if not ranked:
            return Answer(question=question, status=Status.UNKNOWN, confidence=0.0)
        top = ranked[0]
        if top.score >= cfg.answer_threshold and top.assertable:
            margin = cfg.related_margin * (TOPIC_MARGIN_FACTOR if topic else 1)
            floor = max(cfg.answer_threshold, top.score - margin)
            chosen = [c for c in ranked[: cfg.max_facts] if c.score >= floor and c.assertable]
            return Answer(
                question=question,
                status=Status.ANSWER,
                confidence=top.score,
                facts=tuple(
                    ScoredFact(c.fact, c.score, citation_for(c.fact, self.sources)) for c in chosen
                ),
            )
        if top.score >= cfg.suggest_threshold:
            suggestions = tuple(
                Suggestion(
                    question=_suggestion_text(c.fact, c.phrasing_index),
                    fact_id=c.fact.id,
                    score=c.score,
                )
                for c in ranked[: cfg.max_suggestions]
                if c.score >= cfg.suggest_threshold
            )
            return Answer(
                question=question,
                status=Status.SUGGEST,
                confidence=top.score,
                suggestions=suggestions,
            )
        return Answer(question=question, status=Status.UNKNOWN, confidence=top.score)

    def answer_with(self, fact_id: str, question: str, guild_id: int | None = None) -> Answer:
        """The answer for a chosen "did you mean" fact.

        Raises FactNotFoundError if the fact is gone or not visible here.
        """
        number = self._number.get(fact_id)
        fact = self._facts[number] if number is not None else None
        if fact is None or fact.guild_id not in (None, guild_id):
            raise FactNotFoundError(f"no fact with id {fact_id!r}")
        scored = ScoredFact(fact, 100.0, citation_for(fact, self.sources))
        return Answer(question=question, status=Status.ANSWER, confidence=100.0, facts=(scored,))

    def explain(self, question: str, guild_id: int | None = None, limit: int = 5) -> list[str]:
        """Debug lines: the top candidates with their scores."""
        question = self.check_question(question)
        return [
            f"{c.score:5.1f} cov={c.coverage:.2f}{'' if c.assertable else ' (weak)'} "
            f"{c.fact_id}: {c.phrasing}"
            for c in self._rank(question, guild_id, need=limit)[0][:limit]
        ]

    def ranked_ids(self, question: str, guild_id: int | None = None) -> list[tuple[str, float]]:
        """(fact id, score) of the best candidates, best first (benchmarks, tests)."""
        return [(c.fact_id, c.score) for c in self._rank(question, guild_id)[0]]


def _similarity_bounds(query_length: int, lengths: np.ndarray) -> np.ndarray:
    """The most phrasing similarity can be for facts whose non-empty phrasings
    are between `shortest` and `longest` characters (packed as in
    FactTerms.lengths): the token set ratio is at most 100, and the token sort
    ratio at most 200 * min(a, b) / (a + b) for strings of lengths a and b, as
    their Indel distance is at least the difference in length."""
    shortest = (lengths & 0xFFFF).astype(np.float64)
    longest = (lengths >> 16).astype(np.float64)
    closest = np.clip(query_length, shortest, longest)
    bounds: np.ndarray = 50 + 100 * np.minimum(query_length, closest) / np.maximum(
        query_length + closest, 1
    )
    return bounds


def _best_per_fact(lists: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, np.ndarray]:
    """The facts in any of the posting lists, ascending, each with the best
    similarity of the lists it is in."""
    docs = np.concatenate([d for d, _ in lists])
    sims = np.repeat([s for _, s in lists], [len(d) for d, _ in lists])
    order = np.lexsort((-sims, docs))
    docs, sims = docs[order], sims[order]
    first = np.empty(len(docs), dtype=bool)
    first[:1] = True
    np.not_equal(docs[1:], docs[:-1], out=first[1:])
    return docs[first], sims[first]


def _below(numbers: np.ndarray, size: int) -> np.ndarray:
    """The ascending fact numbers under size."""
    if numbers[-1] < size:
        return numbers
    return numbers[: int(np.searchsorted(numbers, size))]


# Phrasing similarity is the mean of these rapidfuzz ratios.
_SIMILARITY_SCORERS = (fuzz.token_set_ratio, fuzz.token_sort_ratio)


def phrasing_similarities(query: str, phrasings: list[str]) -> list[float]:
    """How close the question is to each phrasing, 0-100: the mean of
    rapidfuzz's token set and token sort ratios (in C++, for all at once)."""
    if not phrasings:
        return []
    total = np.zeros(len(phrasings))
    for scorer in _SIMILARITY_SCORERS:
        total += process.cdist([query], phrasings, scorer=scorer, dtype=np.float64, workers=1)[0]
    similarities: list[float] = (total / len(_SIMILARITY_SCORERS)).tolist()
    return similarities


def phrasing_similarity(a: str, b: str) -> float:
    """phrasing_similarities for one phrasing."""
    return sum(scorer(a, b) for scorer in _SIMILARITY_SCORERS) / len(_SIMILARITY_SCORERS)


class FactScorer:
    """The retriever's score for one question against one fact, on its own.

    A rapidfuzz scorer: `process.extract(question, {fact_id: retriever.analyse(fact)},
    scorer=FactScorer(retriever), processor=None, limit=1)` scores every fact
    exactly as the retriever would (same words, weights, typo matches and
    phrasing similarity) and returns the best: the exhaustive linear scan the
    retriever's candidate search is measured against. A fact that would not be
    a candidate scores -1, below rapidfuzz's default cutoff of 0. Like
    rapidfuzz's own scorers it may return early (with -1) when a fact cannot
    beat `score_cutoff`, which `extractOne` raises as it goes.
    """

    def __init__(self, retriever: Retriever, guild_id: int | None = None) -> None:
        self.retriever = retriever
        self.guild_id = guild_id
        self._question: str | None = None
        self._prepared: dict[int | None, PreparedQuestion | None] = {}  # by facts' guild

    def _prepare(self, question: str, facts_guild: int | None) -> PreparedQuestion | None:
        if question != self._question:
            self._prepared = {}
            self._question = question
        if facts_guild not in self._prepared:
            self._prepared[facts_guild] = self.retriever.prepare(
                question, self.guild_id, facts_guild
            )
        return self._prepared[facts_guild]

    def __call__(
        self, question: str, terms: FactTerms, *, score_cutoff: float | None = None, **_: object
    ) -> float:
        if terms.fact.guild_id is not None and terms.fact.guild_id != self.guild_id:
            return -1.0
        q = self._prepare(question, terms.fact.guild_id)
        if q is None:
            return -1.0
        phrased = not q.phrasing_keys.isdisjoint(terms.phrasing_keys)
        closeness = self.retriever._semantic.closeness_to(q.telling, terms.tokens)
        close = closeness >= CANDIDATE_CLOSENESS and self.retriever._semantic.scans(
            scope_of(terms.fact)
        )
        if (
            not (phrased or close)
            and q.words.isdisjoint(terms.tokens)
            and q.words.isdisjoint(terms.described)
        ):
            return -1.0
        hits: dict[str, float] = {}
        for token, expansion in q.expansions:
            for word, similarity in expansion:
                if word in terms.tokens:
                    here = similarity
                elif word in terms.described:
                    here = similarity * DESCRIPTION_SIMILARITY
                else:
                    continue
                if here > hits.get(token, 0.0):
                    hits[token] = here
        telling = [t for t in hits if t in q.telling]
        weak = not telling or (
            len(telling) == 1
            and telling[0] not in q.entity_tokens
            and not self.retriever._one_word_enough(q)
        )
        if weak and not (phrased or close):
            return -1.0
        coverage = sum(q.weights[t] * s for t, s in hits.items()) / q.total_weight
        adjust = _type_adjustment(q.qtype, terms.flags)
        lift = float(closeness_points(closeness))
        ceiling = self.retriever._lift_ceiling
        if (
            score_cutoff
            and not phrased
            and float(lifted(_points(coverage, 100.0, adjust), lift, ceiling)) + _ROUNDING_ROOM
            <= score_cutoff
        ):
            return -1.0  # cannot beat the best so far
        similarity = max(phrasing_similarity(q.query_string, p) for p in terms.phrasings)
        score = fact_score(q, coverage, similarity, adjust, terms.markers, phrased=phrased)[0]
        return float(lifted(score, lift, ceiling))


def phrasing_keys(asked: str, tokens: Iterable[str]) -> set[str]:
    """How a phrasing is looked up: what it asks for ("where", see asked_for)
    and its content words in any order. A question with the same key as one
    of a fact's phrasings asks what that phrasing asks."""
    words = " ".join(sorted(set(tokens)))
    return {f"{asked}|{words}"} if words else set()


def fact_score(
    q: PreparedQuestion,
    coverage: float,
    similarity: float,
    adjustment: float,
    markers: frozenset[str],
    *,
    phrased: bool,
) -> tuple[float, bool]:
    """The retriever's score of one fact for one question, 0-100 (the one place
    it is computed), and whether the fact is about another case than the
    question (then it is never asserted).

    COVERAGE_WEIGHT of the score is for the share of the question's word weight
    the fact covers (`coverage`, 0-1), the rest for its closest phrasing
    (`similarity`, 0-100), plus the question-type `adjustment`. A fact that has
    the question as a phrasing scores at least PHRASING_MATCH_SCORE (the closer
    match first when two do); otherwise one naming another year, number, month
    or place loses MISMATCH_PENALTY, and one whose questions ask for something
    else loses ASKED_PENALTY.
    """
    score = _points(coverage, similarity, adjustment)
    other_case = bool(q.markers) and mismatched(q.markers, markers)
    if phrased:
        # asked as the fact's own phrasing, but of another case ("number
        # one" of the no. 2 fact): still first, never stated
        score = (
            PHRASING_MATCH_SCORE + (100 - PHRASING_MATCH_SCORE) * max(0.0, min(100.0, score)) / 100
        )
    elif other_case:
        score -= MISMATCH_PENALTY
    if not phrased and asks_otherwise(q.markers, markers):
        score -= ASKED_PENALTY
    return max(0.0, min(100.0, score)), other_case


def _points(coverage: _Points, similarity: _Points, adjustment: _Points) -> _Points:
    """fact_score before the phrasing and marker rules and clamping; also for
    numpy arrays of many facts (the rerank's upper bounds)."""
    points: _Points = (
        100 * COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * similarity + adjustment
    )
    return points


# Points for a fact of the kind the question asks for (a quantity, a time),
# and against the others: question type -> (the fact flag, with it, without it).
_TYPE_POINTS = {
    QuestionType.NUMBER: (_HAS_NUMBER, 3.0, -5.0),
    QuestionType.TIME: (_HAS_TIME, 3.0, -5.0),
}


def _type_adjustment(qtype: QuestionType, flags: int) -> float:
    """The _TYPE_POINTS of one fact."""
    if qtype not in _TYPE_POINTS:
        return 0.0
    flag, matching, other = _TYPE_POINTS[qtype]
    return matching if flags & flag else other


def _type_adjustments(qtype: QuestionType, flags: np.ndarray) -> np.ndarray:
    """_type_adjustment for many facts at once."""
    if qtype not in _TYPE_POINTS:
        return np.zeros(len(flags))
    flag, matching, other = _TYPE_POINTS[qtype]
    return np.where(flags & flag, matching, other)


def _suggestion_text(fact: Fact, phrasing_index: int) -> str:
    """A question to offer: the closest of the fact's phrasings when it reads as a
    question, else its first (main) question, else the fact text itself."""
    questions = fact.questions
    if phrasing_index >= 1 and questions[phrasing_index - 1].rstrip().endswith("?"):
        return questions[phrasing_index - 1]
    if questions:
        return questions[0]
    text = fact.text
    return text if len(text) <= 90 else text[:89].rstrip() + "…"
