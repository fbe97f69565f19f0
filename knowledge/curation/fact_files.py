"""Curated fact files: parse, validate and verify every citation.

A fact file is TOML with a top-level `source` and a list of `[[facts]]`
tables; see knowledge/data/facts/ for the format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FactFileError
from ..models import Fact, Source
from ..tomlfile import read_toml
from .sources import verified_quote

FACT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
# Every field a fact record may have; any other (a typo such as "question") is
# refused rather than silently dropped.
FACT_FIELDS = ("id", "text", "questions", "keywords", "source", "paragraph", "quote", "citation")


@dataclass(frozen=True)
class FactLimits:
    text: int = 1000
    questions: int = 20
    question_chars: int = 200
    keywords: int = 20
    keyword_chars: int = 60


MAX_CITATION_CHARS = 300
CURATED_LIMITS = FactLimits()
ADMIN_LIMITS = FactLimits(questions=10)  # what server admins may submit


def load_fact_files(directory: Path, sources: Mapping[str, Source]) -> list[Fact]:
    """Every fact in every `*.toml` file of a directory, all verified.

    Raises FactFileError (or CitationError) naming the file and fact id on the
    first problem: a missing field, an unknown source, a wrong quote, a
    duplicate id.
    """
    facts: list[Fact] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        for fact in load_fact_file(path, sources):
            if fact.id in seen:
                raise FactFileError(
                    f"{path}: fact {fact.id!r}: duplicate id (also in {seen[fact.id]})"
                )
            seen[fact.id] = path
            facts.append(fact)
    return facts


def load_fact_file(path: Path, sources: Mapping[str, Source]) -> list[Fact]:
    data = read_toml(path)
    default_source = data.get("source")
    records = data.get("facts")
    if not isinstance(records, list) or not records:
        raise FactFileError(f"{path}: needs at least one [[facts]] table")
    facts = []
    ids: set[str] = set()
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise FactFileError(f"{path}: fact #{number} must be a table")
        record = {"source": default_source, **record}
        fact = parse_fact(record, sources, where=f"{path}: fact {record.get('id', f'#{number}')!r}")
        if fact.id in ids:
            raise FactFileError(f"{path}: fact {fact.id!r}: duplicate id")
        ids.add(fact.id)
        facts.append(fact)
    return facts


def parse_fact(
    record: Mapping[str, Any],
    sources: Mapping[str, Source],
    *,
    where: str,
    origin: str = "curated",
    guild_id: int | None = None,
    limits: FactLimits = CURATED_LIMITS,
) -> Fact:
    """Validate one fact record and return it with its quote verified.

    A fact cites either a source (`source`, `paragraph`, `quote`) or, for facts
    from elsewhere, a free-text `citation` (a URL and a note). Raises
    FactFileError or CitationError with `where` in the message.
    """
    unknown = [key for key in record if key not in FACT_FIELDS]
    if unknown:
        raise FactFileError(
            f"{where}: unknown field {str(unknown[0])!r} (a fact has {', '.join(FACT_FIELDS)})"
        )
    fact_id = _text(record, "id", where, limit=80)
    if not FACT_ID.match(fact_id):
        raise FactFileError(
            f"{where}: id must be lowercase letters, digits and dashes (2-80 characters)"
        )
    text = _text(record, "text", where, limit=limits.text)
    questions = _text_list(record, "questions", where, limits.questions, limits.question_chars)
    keywords = _text_list(record, "keywords", where, limits.keywords, limits.keyword_chars)
    source_id = _optional_text(record, "source", where)
    citation_note = _optional_text(record, "citation", where)
    if len(citation_note) > MAX_CITATION_CHARS:
        raise FactFileError(
            f"{where}: citation is {len(citation_note)} characters; the limit is {MAX_CITATION_CHARS}"
        )
    if source_id:
        source = sources.get(source_id)
        if source is None:
            raise FactFileError(f"{where}: unknown source {source_id!r}")
        paragraph = record.get("paragraph")
        if not isinstance(paragraph, int) or isinstance(paragraph, bool):
            raise FactFileError(f"{where}: paragraph must be a whole number")
        quote = verified_quote(
            source, paragraph, _text(record, "quote", where, limit=limits.text), where
        )
    elif citation_note:
        paragraph, quote = None, _optional_text(record, "quote", where)
        if len(quote) > limits.text:
            raise FactFileError(
                f"{where}: quote is {len(quote)} characters; the limit is {limits.text}"
            )
    else:
        raise FactFileError(f"{where}: needs a source (with paragraph and quote) or a citation")
    return Fact(
        id=fact_id,
        text=text,
        source_id=source_id or None,
        paragraph=paragraph,
        quote=quote,
        questions=questions,
        keywords=keywords,
        origin=origin,
        guild_id=guild_id,
        citation_note=citation_note,
    )


# Unicode's control characters (category Cc) but line breaks and tabs, and
# surrogates (Cs): one pass of a compiled pattern, fast enough for 100,000 facts.
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Strip control characters (keeping line breaks), lone surrogates (which
    cannot be stored) and outer white space."""
    return _UNSTORABLE.sub("", value).strip()


def _optional_text(record: Mapping[str, Any], key: str, where: str) -> str:
    """A field that may be left out (or null, or empty); if given, it must be text."""
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FactFileError(f"{where}: {key} must be text, not {_kind(value)}")
    return clean_text(value)


def _kind(value: Any) -> str:
    names = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _text(record: Mapping[str, Any], key: str, where: str, *, limit: int) -> str:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise FactFileError(f"{where}: {key} must be text, not {_kind(value)}")
    if not isinstance(value, str) or not clean_text(value):
        raise FactFileError(f"{where}: {key} is missing or empty")
    value = clean_text(value)
    if len(value) > limit:
        raise FactFileError(f"{where}: {key} is {len(value)} characters; the limit is {limit}")
    return value


def _text_list(
    record: Mapping[str, Any], key: str, where: str, max_items: int, max_chars: int
) -> tuple[str, ...]:
    value = record.get(key)
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FactFileError(f"{where}: {key} must be a list of strings")
    items = tuple(dict.fromkeys(c for c in map(clean_text, value) if c))
    if len(items) > max_items:
        raise FactFileError(f"{where}: {key} has {len(items)} entries; the limit is {max_items}")
    for item in items:
        if len(item) > max_chars:
            raise FactFileError(
                f"{where}: {key} entry is {len(item)} characters; the limit is {max_chars}"
            )
    return items
