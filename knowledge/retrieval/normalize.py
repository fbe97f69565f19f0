"""Turn questions and fact strings into comparable tokens.

Steps: NFKC, casefold, drop zero-width and control characters, fold curly
quotes, replace alias phrases by their canonical name, split into tokens,
map synonyms, and tell content words from question and filler words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

from ..errors import FactFileError
from ..tomlfile import read_toml
from .lexicon import EnglishLexicon, default_english
from .value_kinds import currency_markers

# Characters that render as nothing (or as a join) and only get in the way.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"),
    None,
)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "`": "'"})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+", re.UNICODE)
# ASCII text needs no NFKC and has no invisible characters: controls become
# spaces and the backquote a straight quote, exactly as the general path does.
_ASCII_FOLD = str.maketrans({**{chr(i): " " for i in range(32)}, "\x7f": " ", "`": "'"})
_WORD_RUN = re.compile(r"\w+")
# Discord syntax that is never a question word: mentions (user, role,
# channel), custom emoji, timestamps, links (a markdown link keeps its text),
# @everyone/@here, and bare ids (17+ digits). Matched on folded text.
_DISCORD_SYNTAX = re.compile(
    r"<(?:@[!&]?|#|/[^:>]*:|a?:\w+:|t:)\d+(?::\w)?>"
    r"|\[([^\]]*)\]\(\s*<?https?://[^)\s]*>?\s*\)"
    r"|<?\b(?:https?://|www\.)[^\s<>]+>?"
    r"|@(?:everyone|here)\b"
    r"|(?<!\d)\d{17,}(?!\d)"
)
_ID = re.compile(r"\d{17}")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Question words and filler that say nothing about the topic.
STOPWORDS = _words(
    """
    a an the and or but nor so yet of in on at to for from by with about as into onto
    over under after before during since until than then there here this that these
    those such is are was were be been being am do does did done doing have has had
    having will would shall should can could may might must i me my we us our you your
    he him his she her it its they them their what whats which who whom whose when
    where why how many much any some all each every other another same just also very
    really too quite only even up tell know say said explain please pls plz thanks
    thank hey hi hello yo lol lmao haha guys guy bro dude ok okay um uh like wanna
    gonna gotta anyone someone somebody if not no yes get got give gave go going went
    come came one ones thing things stuff kind sort way ever again still actually
    basically exactly number amount s t d ll re ve m factbot bot quick q question
    questions ty thx tysm gm gn omg wow hmm hiii hii sup sorry dumb silly wondering
    wonder curious anybody idk dunno btw tbh imo fyi rn ngl anyway anyways honestly
    seriously totally maybe perhaps probably something anything everything nothing
    """
)


# Common words that do carry some meaning but are too everyday to identify a
# topic on their own ("time", "day", "good"): they count for less, and a match
# on such words alone is never enough to answer.
GENERIC_WORDS = _words(
    """
    time date day week month today tomorrow yesterday tonight morning night hour minute now
    later soon ago while world life hand part place case point home house room man men
    woman women child children kid friend family head eye face word name side work job
    problem way end lot bit good bad great best better big small large little long
    short high low old young right left nice cool fun happy sad real true false
    different important sure free full whole easy hard make made take took see saw look
    want need use used find found think thought feel seem try call keep let put mean
    help turn show move live believe hold bring happen sit stand meet set understand
    watch follow stop appear wait stay remain carry eat catch choose listen people
    person thing
    """
)


class QuestionType(StrEnum):
    """What kind of answer a question asks for."""

    NUMBER = "number"
    TIME = "time"
    PERSON = "person"
    OTHER = "other"


_NUMBER_Q = re.compile(
    r"\b(how\s+(many|much|big|large|popular)|number\s+of|what\s+(percent|percentage|fraction|"
    r"share|proportion)|how\s+(high|low)"
    r"|what(?:'?s|\s+(?:is|was|were|are))\s+the\s+(?:[\w-]+\s+){0,5}?"
    r"(?:number(?!\s+(?:\d|one|two|three|four|five|six|seven|eight|nine|ten)\b)|figure|count|tally))\b"
)
_TIME_Q = re.compile(r"\b(when|what\s+(month|year|day|date|time)|which\s+(month|year|day))\b")
_PERSON_Q = re.compile(r"\b(who|whom|whose)\b")


@dataclass(frozen=True)
class Lexicon:
    """Alias phrases, synonyms and entity descriptions, from the repo's TOML files."""

    aliases: dict[str, str] = field(default_factory=dict)  # alias phrase -> canonical token
    synonyms: dict[str, str] = field(default_factory=dict)  # word or phrase -> canonical word
    descriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # token -> phrases

    @classmethod
    def load(cls, aliases_path: Path, synonyms_path: Path | None = None) -> Lexicon:
        """Read the aliases file (and the synonyms file).

        Raises FactFileError naming the file when one is malformed.
        """
        aliases: dict[str, str] = {}
        for canonical, variants in _read_table(aliases_path, "aliases").items():
            token = canonical_token(canonical)
            if not token:
                raise FactFileError(f"{aliases_path}: alias key {canonical!r} has no letters")
            for phrase in (canonical, *variants):
                key = fold(phrase).strip()
                if key:
                    aliases[key] = token
        descriptions = cls.load_descriptions(aliases_path)
        synonyms = cls.load_synonyms(synonyms_path) if synonyms_path is not None else {}
        return cls(aliases=aliases, synonyms=synonyms, descriptions=descriptions)

    @staticmethod
    def load_synonyms(path: Path) -> dict[str, str]:
        """word or phrase -> canonical word, from a `[synonyms]` table of lists;
        phrases in an optional `[fillers]` table map to nothing (they are dropped)."""
        return _synonym_map(
            _read_table(path, "synonyms"), _read_table(path, "fillers", required=False)
        )

    @staticmethod
    def load_descriptions(path: Path) -> dict[str, tuple[str, ...]]:
        """canonical token -> descriptive phrases, from an optional `[descriptions]` table."""
        return _description_map(_read_table(path, "descriptions", required=False))

    @staticmethod
    def file_entries(
        aliases_path: Path, synonyms_path: Path | None = None
    ) -> dict[str, dict[str, list[str]]]:
        """The descriptions, synonyms and fillers tables as written in the files
        (kind -> canonical -> phrases), for the build to store with the aliases.

        Raises FactFileError naming the file when one is malformed."""
        entries = {"description": _read_table(aliases_path, "descriptions", required=False)}
        if synonyms_path is not None:
            entries["synonym"] = _read_table(synonyms_path, "synonyms")
            entries["filler"] = _read_table(synonyms_path, "fillers", required=False)
        return entries

    @classmethod
    def from_entries(
        cls, aliases: dict[str, str], entries: Mapping[str, Mapping[str, Sequence[str]]]
    ) -> Lexicon:
        """The lexicon a build stored: its alias table and its entries (see file_entries)."""
        return cls(
            aliases=dict(aliases),
            synonyms=_synonym_map(entries.get("synonym", {}), entries.get("filler", {})),
            descriptions=_description_map(entries.get("description", {})),
        )

    def general(self) -> Lexicon:
        """What applies to every server's facts: the phrases that only frame a
        question ("tell me about"). Aliases, synonyms and descriptions belong
        to the facts they were written for (see Retriever)."""
        return Lexicon(synonyms={k: v for k, v in self.synonyms.items() if not v})

    def with_server_aliases(self, aliases: Mapping[str, str]) -> Lexicon:
        """This lexicon plus a server's aliases (alias -> canonical name), each
        read as one name, as the curated aliases are."""
        added: dict[str, str] = {}
        for alias, canonical in aliases.items():
            token = canonical_token(canonical)
            if token:
                added.setdefault(fold(canonical).strip(), token)
                added[fold(alias).strip()] = token
        return replace(self, aliases={**self.aliases, **added})


def _synonym_map(
    synonyms: Mapping[str, Sequence[str]], fillers: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for canonical, variants in synonyms.items():
        for word in variants:
            found[_phrase_key(word)] = fold(canonical).strip()
    for phrases in fillers.values():
        for phrase in phrases:
            found[_phrase_key(phrase)] = ""
    return found


def _description_map(table: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    return {canonical_token(name): tuple(phrases) for name, phrases in table.items()}


def _read_table(path: Path, table: str, *, required: bool = True) -> dict[str, list[str]]:
    data = read_toml(path)
    entries = data.get(table)
    if entries is None and not required:
        return {}
    if not isinstance(entries, dict):
        raise FactFileError(f"{path}: needs a [{table}] table")
    for key, value in entries.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FactFileError(f"{path}: [{table}] {key!r} must be a list of strings")
    return entries


def _phrase_key(phrase: str) -> str:
    """A phrase as it appears in folded text, where a possessive 's is dropped."""
    folded = fold(phrase).replace("'s ", " ").replace("'s", " ")
    return " ".join(folded.split())


def fold(text: str) -> str:
    """NFKC, casefold, no invisible or control characters, straight quotes."""
    if text.isascii():  # the common case, ten times faster and the same result
        return text.translate(_ASCII_FOLD).lower()
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return text.casefold()


def canonical_token(name: str) -> str:
    """The single token a canonical name becomes: 'google+' -> 'googleplus'."""
    name = fold(name).replace("+", "plus").replace("&", "and")
    return "".join(_TOKEN.findall(name))


GENERAL_SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "general_synonyms.toml"


@cache
def general_synonyms() -> dict[str, str]:
    """Everyday abbreviations and variants ("vc", "pw", "wi-fi") -> one word,
    for every server's facts and questions (knowledge/data/general_synonyms.toml)."""
    return Lexicon.load_synonyms(GENERAL_SYNONYMS_PATH)


class Normalizer:
    """Tokenises text the same way for facts and questions: irregular forms
    become their lemma ("bought" -> buy) from the English lexicon."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        english: EnglishLexicon | None = None,
        rewrites: Mapping[str, str] | None = None,
    ) -> None:
        self.lexicon = lexicon or Lexicon()
        self.english = english if english is not None else default_english()
        # Phrases read as other words before anything else: a server's aliases
        # when its questions are compared with facts that do not know them.
        self._rewrites = {_phrase_key(k): fold(v).strip() for k, v in (rewrites or {}).items()}
        self._rewrite_re = _PhraseReplacer(self._rewrites)
        self._alias_re = _PhraseReplacer(self.lexicon.aliases)
        self._canonical = set(self.lexicon.aliases.values())
        synonyms = {**general_synonyms(), **self.lexicon.synonyms}  # a source's own win
        phrases = {k: v for k, v in synonyms.items() if " " in k or "-" in k}
        self._phrase_re = _PhraseReplacer(phrases)
        self._phrases = phrases
        self._word_synonyms = {stem(k): stem(v) for k, v in synonyms.items() if k not in phrases}
        self._words: dict[str, str] = {}  # memo for _word: token -> stemmed, mapped word
        self._compounds: dict[str, tuple[str, ...]] = {}  # memo for compound_parts
        # As words become tokens: "found" is "find", and "founded" is not everyday.
        self._generic = frozenset(self.english.lemma(w) or stem(w) for w in GENERIC_WORDS)

    def tokens(self, text: str) -> list[str]:
        """All tokens, aliases resolved, synonyms mapped, light stemming applied."""
        folded = fold(text)
        if (
            "<" in folded
            or "@" in folded
            or "/" in folded
            or "www." in folded
            or _ID.search(folded)
        ):
            folded = _DISCORD_SYNTAX.sub(_syntax_replacement, folded)
        folded = folded.replace("'s ", " ").replace("'s", " ")
        if "-" in folded:
            folded = _LETTER_PREFIX.sub(r"\1", folded)  # "e-bike" is "ebike"
        if self._rewrites:
            folded = self._rewrite_re.sub(lambda m: f" {self._rewrites[_key(m)]} ", folded)
        folded = self._alias_re.sub(lambda m: f" {self.lexicon.aliases[_key(m)]} ", folded)
        folded = self._phrase_re.sub(lambda m: f" {self._phrases[_key(m)]} ", folded)
        words = self._words
        found = []
        for token in _TOKEN.findall(folded):
            word = words.get(token)
            if word is None:
                if len(words) >= _WORD_MEMO_SIZE:
                    words.clear()
                word = words[token] = self._word(token)
            found.append(word)
        return found

    def content_tokens(self, text: str) -> list[str]:
        """Tokens that carry meaning: no stopwords, no duplicates, order kept.
        A stopword that is also a month ("may") is kept where the text uses it
        as one ("in May", "May 2011")."""
        month = ("ay" in text or "AY" in text) and "may" in text.lower() and _MAY.search(fold(text))
        keep = _MONTH_MAY if month else frozenset()
        seen: dict[str, None] = {}
        for token in self.tokens(text):
            if (token not in STOPWORDS or token in keep) and token not in seen:
                seen[token] = None
        return list(seen)

    def scoped(self, lexicon: Lexicon, rewrites: Mapping[str, str] | None = None) -> Normalizer:
        """A normalizer with another lexicon (and rewrites), the same English lexicon."""
        return Normalizer(lexicon, self.english, rewrites)

    def is_entity(self, token: str) -> bool:
        """True for a canonical name from the alias table (mixi, googleplus, ...)."""
        return token in self._canonical

    def description_tokens(self, token: str) -> set[str]:
        """Content tokens of the phrases that describe an entity."""
        found: set[str] = set()
        for phrase in self.lexicon.descriptions.get(token, ()):
            found.update(self.content_tokens(phrase))
        return found

    def markers(self, text: str, tokens: Iterable[str] | None = None) -> frozenset[str]:
        """What pins a statement to one case: its years ("y2011"), other
        numbers ("n412"), months ("mmarch") and places ("posaka"), from its
        tokens (content_tokens(text) unless given). Two texts about the same
        thing with different markers of one kind are about different cases
        (see `mismatched`)."""
        places = self.english.places
        found: set[str] = set()
        for token in self.content_tokens(text) if tokens is None else tokens:
            if token[0].isdigit():
                value = token.replace(",", "")
                if "." in value:
                    value = value.rstrip("0").rstrip(".")
                found.add(("y" if _YEAR.fullmatch(value) else "n") + value)
            elif token in _MONTHS:
                found.add(f"m{token}")
            elif token in places:
                found.add(f"p{token}")
        folded = fold(text)
        if "may" in text.lower() and _MAY.search(folded):  # "may" is a stopword
            found.add("mmay")
        for rank in _RANK.finditer(folded):
            value = rank[1] or rank[2]
            found.add(f"r{_SMALL_NUMBERS.get(value, value)}")
        return frozenset(found | currency_markers(text))

    def asked_word(self, question: str) -> str | None:
        """The thing a "what/which ..." question asks for, as a token: the last
        of the (up to two) words after the question word, before any stopword
        ("what TV channel aired it" -> channel). None when there is none, or
        when it only says which kind of answer ("what time", "which year")."""
        match = _WHAT_NOUN.search(fold(question))
        if match is None:
            return None
        words = []
        for word in match.group(1).split()[:2]:
            if word in STOPWORDS:
                break
            words.append(word)
        tokens = self.content_tokens(" ".join(words)) if words else []
        return tokens[-1] if tokens and not self.is_generic(tokens[-1]) else None

    def question_markers(self, question: str, tokens: Iterable[str]) -> frozenset[str]:
        """A question's markers (from its content tokens), and what it asks
        for ("?when", see asked_for)."""
        asked = asked_for(question)
        return self.markers(question, tokens) | ({f"?{asked}"} if asked else set())

    def compound_parts(self, token: str) -> tuple[str, ...]:
        """The two common words a closed compound the lexicon does not know
        is made of ("woodshop" -> wood, shop; "makerspac" -> maker, spac),
        as tokens; () for any other token."""
        known = self._compounds.get(token)
        if known is not None:
            return known
        if len(self._compounds) >= _WORD_MEMO_SIZE:
            self._compounds.clear()
        parts = self._compounds[token] = self._split_compound(token)
        return parts

    def _split_compound(self, token: str) -> tuple[str, ...]:
        zipf = self.english.zipf
        if len(token) < 7 or not token.isalpha() or zipf(token) or token in self._canonical:
            return ()
        best: tuple[float, tuple[str, ...]] = (0.0, ())
        for i in range(3, len(token) - 2):
            head, tail = token[:i], token[i:]
            if head in STOPWORDS or tail in STOPWORDS:
                continue
            common = min(zipf(head), zipf(tail))
            if common >= COMPOUND_PART_ZIPF and common > best[0]:
                best = (common, (head, tail))
        return best[1]

    def is_generic(self, token: str) -> bool:
        """True for an everyday word (see GENERIC_WORDS)."""
        return token in self._generic

    def _word(self, token: str) -> str:
        if token in self._canonical or token in STOPWORDS or token[0].isdigit():
            return token
        if token in self._word_synonyms:  # "sat" is Saturday before it is "sit"
            return self._word_synonyms[token]
        if token.endswith("in") and len(token) >= 5:
            spelled = stem(f"{token}g")  # "parkin" is "parking", as said
            zipf = self.english.zipf
            if zipf(spelled) >= zipf(stem(token)) + DROPPED_G_ZIPF:
                return self._word_synonyms.get(spelled, spelled)
        stemmed = self.english.lemma(token) or stem(token)
        return self._word_synonyms.get(stemmed, stemmed)


_WORD_MEMO_SIZE = 200_000
COMPOUND_PART_ZIPF = 3.5  # each word of a split compound is at least this common
# "nothin" is read as "nothing" when that is this much more common (Zipf scale)
DROPPED_G_ZIPF = 1.8
_LETTER_PREFIX = re.compile(r"\b([a-z])-(?=[a-z]{2})")


def _syntax_replacement(match: re.Match[str]) -> str:
    return f" {match.group(1) or ''} "  # a markdown link's text stays


def _key(match: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", match.group(0).strip())


class _PhraseReplacer:
    """Replaces phrases as one regex alternation of all of them (longest first)
    would, but tries only the phrases that can occur in the text at hand.

    A phrase can only match where its first word does: for an ASCII phrase that
    starts with a letter or digit (so must start a word), that word is one of
    the text's word runs; for any other phrase, its text up to the first space
    is a substring. Dropping alternatives that cannot match anywhere leaves what
    `re.sub` does unchanged, and a regex over a handful of phrases is much
    faster than one over all of them.
    """

    def __init__(self, phrases: dict[str, str]) -> None:
        self._order = {p: i for i, p in enumerate(sorted(phrases, key=len, reverse=True))}
        self._by_word: dict[str, list[str]] = {}
        self._by_substring: list[tuple[str, str]] = []
        for phrase in self._order:
            first_word = _WORD_RUN.match(phrase)
            if phrase.isascii() and phrase[0].isalnum() and first_word:
                self._by_word.setdefault(first_word.group(0), []).append(phrase)
            else:
                self._by_substring.append((phrase.split(" ", 1)[0], phrase))

    def sub(self, replace: Callable[[re.Match[str]], str], text: str) -> str:
        found = [p for needle, p in self._by_substring if needle in text]
        if self._by_word:
            for word in set(_WORD_RUN.findall(text)):
                found += self._by_word.get(word, ())
        if not found:
            return text
        found.sort(key=self._order.__getitem__)
        return _alternation(tuple(found)).sub(replace, text)


@lru_cache(maxsize=4096)
def _alternation(ordered: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_alias_pattern(p) for p in ordered))


def _alias_pattern(phrase: str) -> str:
    escaped = re.escape(phrase).replace(r"\ ", r"\s+")
    if phrase.isascii():
        # Whole words only, but let a phrase end in punctuation such as "g+".
        left = r"(?<![\w])" if phrase[0].isalnum() else ""
        right = r"(?![\w])" if phrase[-1].isalnum() else r"(?![\w+])"
        return f"{left}{escaped}{right}"
    return escaped


def stem(token: str) -> str:
    """A light, predictable stemmer: plurals, common verb endings, final e."""
    if len(token) <= 3 or not token.isascii():
        return token
    base = _strip_suffix(token)
    if len(base) > 4 and base.endswith("e") and not base.endswith("ee"):
        base = base[:-1]
    return base


def _strip_suffix(token: str) -> str:
    for suffix, replacement, min_stem in (
        ("ies", "y", 3),
        ("sses", "ss", 2),
        ("ing", "", 3),
        ("ed", "", 4),
        ("es", "", 4),
        ("ly", "", 4),
        ("s", "", 3),
    ):
        if token.endswith(suffix) and len(token) - len(suffix) >= min_stem:
            base = token[: len(token) - len(suffix)] + replacement
            if suffix == "s" and token.endswith(("ss", "us", "is")):
                return token
            if suffix == "es" and not token.endswith(("ches", "shes", "xes", "zes", "sses")):
                return token[:-1]
            return base
    return token


_QUESTION_START = re.compile(
    r"^\W*(who|whom|whose|what|whats|when|where|which|why|how|is|are|was|were|does|do|did|"
    r"can|could|will|would|has|have|had|should|tell me|anyone know|any idea)\b"
)


def looks_like_question(text: str) -> bool:
    """True for a message that reads as a question (a question mark, or a
    question word first). Used where the bot answers unprompted."""
    folded = fold(text).strip()
    return bool(folded) and ("?" in folded or bool(_QUESTION_START.match(folded)))


def question_type(text: str) -> QuestionType:
    """Guess what kind of answer the question wants."""
    folded = fold(text)
    if _NUMBER_Q.search(folded):
        return QuestionType.NUMBER
    if _TIME_Q.search(folded):
        return QuestionType.TIME
    if _PERSON_Q.search(folded):
        return QuestionType.PERSON
    return QuestionType.OTHER


_MONTHS = _words(
    "january february march april june july august september october november december"
)
_MAY = re.compile(r"\b(?:in|of|since|until|by) may\b|\bmay \d")
_MONTH_MAY = frozenset({"may"})
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


_SMALL_NUMBERS = {
    word: str(value)
    for value, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}
# "number one", "no. 2", "#3" (not "no one")
_RANK = re.compile(
    rf"\bnumber\s+(\d{{1,2}}|{'|'.join(_SMALL_NUMBERS)})\b|(?:\bno\.?|#)\s*(\d{{1,2}})\b"
)


def mismatched(question: frozenset[str], fact: frozenset[str]) -> bool:
    """True when the question names a year, number, month or place and the
    fact names others of that kind but not the question's."""
    for kind in _marker_kinds(question):
        ours = {m for m in fact if m[0] == kind}
        if ours and ours.isdisjoint(question):
            return True
    return False


@lru_cache(maxsize=1024)
def _marker_kinds(question: frozenset[str]) -> frozenset[str]:
    """The kinds of a question's markers, what it asks for aside (a
    question's markers are compared with many facts)."""
    return frozenset(m[0] for m in question) - {"?"}


_WHAT_NOUN = re.compile(r"\b(?:what|which)\s+((?:[^\W\d_][\w'+-]*\s*){1,3})")
_ASKED_FOR = re.compile(
    r"\b(?:(how\s+(?:many|much))|((?:what|which)\s+(?:time|day|date|year|month))|"
    r"((?:what|which)\s+(?:place|city|country|town|address|location))|"
    r"(who|whom|whose|whos)|(when|whens)|(where|wheres)|(why)|(how|hows)|(what|whats|which))\b"
)
_ASKED_FOR_NAMES = ("how many", "when", "where", "who", "when", "where", "why", "how", "what")
ASKED_FOR_NAMES = frozenset(_ASKED_FOR_NAMES)
_SPECIFIC_ASKS = frozenset({"?how many", "?when", "?where", "?who"})


def asks_otherwise(question: frozenset[str], fact: frozenset[str]) -> bool:
    """True when the question asks who, when, where or how many, and every
    stored question of the fact asks one of the others (markers "?who")."""
    asked = question & _SPECIFIC_ASKS
    if not asked:
        return False
    stored = {m for m in fact if m[0] == "?"}
    return bool(stored) and stored <= _SPECIFIC_ASKS and stored.isdisjoint(asked)


def asked_for(text: str) -> str:
    """What a question asks for, from its first question word: "who", "what",
    "when" ("what year" too), "where", "why", "how", "how many"; "" for none."""
    match = _ASKED_FOR.search(fold(text))
    if match is None:
        return ""
    return _ASKED_FOR_NAMES[match.lastindex - 1 if match.lastindex else 0]
