"""How close in meaning a question is to each fact, from static word vectors.

A text's vector is the mean of its words' vectors, each weighted by how rare
the word is in English (smooth inverse frequency: an everyday word says
little); closeness is the cosine of two such vectors. Facts' vectors are
computed once, when they are indexed, and questions are compared with every
fact of their scope in one matrix product.

Closeness is only a hint: it adds a few points to a fact's score and can make
a fact a candidate that shares too few words with the question to be one,
but it never covers a question word, so a fact that only means the same (no
lexical evidence) is offered as "did you mean", never asserted.

The vectors are generated from GloVe by scripts/make_vectors.py
(knowledge/data/lexicon/vectors.npz, licence in NOTICE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

import numpy as np

from ..errors import FactFileError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "vectors.npz"
# Smooth inverse frequency: a word of probability p weighs SIF / (SIF + p), so
# "the" counts for almost nothing and a rare word fully.
SIF = 1e-3
# A fact this close to the question is a candidate even with few shared words.
CANDIDATE_CLOSENESS = 0.8
# Closeness above FLOOR adds up to POINTS to the score, in proportion.
FLOOR, POINTS = 0.4, 20.0
# A scope with more facts than this is not scanned for candidates (one matrix
# product would cost too much per question): closeness only adds points to
# the facts that share words with the question.
SCAN_LIMIT = 20_000
_UNIT = 127.0 * 127.0  # the dot product of two stored unit vectors


class WordVectors:
    """Unit vectors of English words, keyed as the normaliser sees words."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.row = {word: i for i, word in enumerate(words)}
        self.vectors = vectors.astype(np.float32) / 127.0
        self.dims = int(vectors.shape[1]) if vectors.ndim == 2 else 0

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> WordVectors:
        """Read a table written by scripts/make_vectors.py.

        Raises FactFileError naming the file when it is missing or malformed.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                words = bytes(data["words"]).decode("utf-8").split("\n")
                vectors = data["vectors"]
        except (OSError, KeyError, ValueError, UnicodeDecodeError) as exc:
            raise FactFileError(f"{path}: cannot read the word vectors: {exc}") from None
        if vectors.dtype != np.int8 or vectors.ndim != 2 or len(vectors) != len(words):
            raise FactFileError(f"{path}: malformed word vectors")
        return cls(words, vectors)

    def text_vector(self, words: Iterable[str], zipf: Callable[[str], float]) -> np.ndarray:
        """The unit mean of the words' vectors, weighted by rarity (`zipf`:
        a word's Zipf frequency, 0 when unknown); zeros when no word has one."""
        rows, weights = [], []
        for word in sorted(set(words)):  # in one order, so equal texts get equal vectors
            row = self.row.get(word)
            if row is not None:
                rows.append(row)
                weights.append(SIF / (SIF + 10 ** (zipf(word) - 9)))
        if not rows:
            return np.zeros(self.dims, dtype=np.float32)
        total: np.ndarray = np.einsum(
            "i,ij->j", np.array(weights, dtype=np.float32), self.vectors[rows]
        )
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else total


@cache
def default_vectors() -> WordVectors:
    """The packaged table, read once per process (it never changes)."""
    return WordVectors.load()


def closeness_points(closeness: np.ndarray | float) -> np.ndarray:
    """The points closeness adds to a fact's score (see FLOOR, POINTS)."""
    return POINTS * np.clip((np.asarray(closeness) - FLOOR) / (1 - FLOOR), 0.0, 1.0)


def lifted(score: np.ndarray | float, points: np.ndarray | float, ceiling: float) -> np.ndarray:
    """A score raised by `points`, but never to more than `ceiling`; a score
    already above the ceiling is kept as it is (for one or many facts)."""
    score, points = np.asarray(score), np.asarray(points)
    raised: np.ndarray = np.where(score < ceiling, np.minimum(score + points, ceiling), score)
    return raised


def lifted_score(score: float, points: float, ceiling: float) -> float:
    """`lifted` for one fact, in plain floats (the same arithmetic)."""
    return score if score >= ceiling else min(score + points, ceiling)


def closeness_of(close: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """close[numbers], 0 for facts indexed after `close` was computed."""
    found = np.zeros(len(numbers))
    known = numbers < len(close)
    found[known] = close[numbers[known]]
    return found


class _ScopeVectors:
    """One scope's facts' vectors, in fact-number order."""

    __slots__ = ("matrix", "n", "numbers")

    def __init__(self, dims: int) -> None:
        self.matrix = np.zeros((0, dims), dtype=np.float32)
        self.numbers = np.zeros(0, dtype=np.int64)
        self.n = 0

    def append(self, number: int, vector: np.ndarray) -> None:
        if self.n == len(self.numbers):
            size = max(16, self.n + (self.n >> 1))
            matrix = np.zeros((size, self.matrix.shape[1]), dtype=np.float32)
            matrix[: self.n] = self.matrix[: self.n]
            numbers = np.zeros(size, dtype=np.int64)
            numbers[: self.n] = self.numbers[: self.n]
            self.matrix, self.numbers = matrix, numbers  # copies: readers keep theirs
        self.matrix[self.n] = vector
        self.numbers[self.n] = number
        self.n += 1


class SemanticIndex:
    """Facts' vectors by scope (the curated facts, each server's own), so a
    question is compared only with the facts its server sees.

    Like the retriever's other columns each scope only grows at the end; a
    removed fact's vector is cleared. Readers take the arrays as they are:
    growing copies into new arrays, so what a reader holds stays valid.
    """

    def __init__(self, vectors: WordVectors, zipf: Callable[[str], float]) -> None:
        self.words = vectors
        self.zipf = zipf
        self._scopes: dict[int, _ScopeVectors] = {}

    def vector(self, words: Iterable[str]) -> np.ndarray:
        """The text's vector in steps of 1/127, stored as whole numbers: their
        dot products are exact in float32, so the index and the exhaustive
        scan (closeness_to) get the very same closeness."""
        return np.round(self.words.text_vector(words, self.zipf) * 127)

    def append(self, number: int, scope: int, words: Iterable[str]) -> None:
        """Index the vector of fact `number` (numbers only grow), in `scope`."""
        vectors = self._scopes.get(scope)
        if vectors is None:
            vectors = self._scopes[scope] = _ScopeVectors(self.words.dims)
        vectors.append(number, self.vector(words))

    def clear(self, number: int, scope: int) -> None:
        """Forget a removed fact's vector."""
        vectors = self._scopes.get(scope)
        if vectors is None:
            return
        row = int(np.searchsorted(vectors.numbers[: vectors.n], number))
        if row < vectors.n and vectors.numbers[row] == number:
            vectors.matrix[row] = 0.0

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every scope's vectors as flat arrays (see Retriever.to_arrays)."""
        arrays: dict[str, np.ndarray] = {
            "vectors.scopes": np.array(list(self._scopes), dtype=np.int64)
        }
        for i, vectors in enumerate(self._scopes.values()):
            arrays[f"vectors{i}.matrix"] = vectors.matrix[: vectors.n]
            arrays[f"vectors{i}.numbers"] = vectors.numbers[: vectors.n]
        return arrays

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Take the vectors to_arrays saved (the arrays are used as they are)."""
        self._scopes = {}
        for i, scope in enumerate(arrays["vectors.scopes"].tolist()):
            vectors = self._scopes[scope] = _ScopeVectors(self.words.dims)
            vectors.matrix = arrays[f"vectors{i}.matrix"]
            vectors.numbers = arrays[f"vectors{i}.numbers"]
            vectors.n = len(vectors.numbers)

    def scans(self, scope: int) -> bool:
        """True when a question is compared with every fact of the scope (up
        to SCAN_LIMIT of them); in a larger one only with its candidates."""
        vectors = self._scopes.get(scope)
        return vectors is None or vectors.n <= SCAN_LIMIT

    def closeness(
        self, words: Iterable[str], scope: int, size: int, only: np.ndarray | None = None
    ) -> np.ndarray:
        """The cosine between the question's words and each of the first
        `size` facts (by number), or only the ascending fact numbers `only`
        (of this scope); 0 for the others and facts of other scopes."""
        found = np.zeros(size)
        vectors = self._scopes.get(scope)
        question = self.vector(words)
        if vectors is None or not question.any():
            return found
        numbers = vectors.numbers[: vectors.n]
        end = int(np.searchsorted(numbers, size))
        rows: slice | np.ndarray = slice(0, end)
        if only is not None:
            wanted = only[only < size]
            at = np.searchsorted(numbers[:end], wanted)
            inside = at < end
            at, wanted = at[inside], wanted[inside]
            rows = at[numbers[at] == wanted]
        # einsum, not BLAS: one thread, however many cores the machine shares
        found[numbers[rows]] = np.einsum("ij,j->i", vectors.matrix[rows], question)
        found /= _UNIT  # in float64, as closeness_to
        return found

    def closeness_to(self, words: Iterable[str], fact_words: Iterable[str]) -> float:
        """The cosine between a question's words and one fact's."""
        question, fact = self.vector(words), self.vector(fact_words)
        return float(np.einsum("j,j->", fact, question)) / _UNIT
