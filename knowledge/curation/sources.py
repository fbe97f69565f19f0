"""Source documents: text files with TOML metadata beside them."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import CitationError, FactFileError
from ..models import Source
from ..tomlfile import read_toml

REQUIRED_METADATA = ("id", "title", "publisher", "date", "url", "fact_paragraphs")
_QUOTE_CHARS = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}


def load_sources(directory: Path) -> dict[str, Source]:
    """Read every `NAME.toml` + `NAME.txt` pair in a directory.

    Raises FactFileError naming the file for missing metadata, a missing text,
    an id that does not match the file name, or too few paragraphs.
    """
    sources: dict[str, Source] = {}
    for meta_path in sorted(directory.glob("*.toml")):
        source = load_source(meta_path)
        sources[source.id] = source
    return sources


def load_source(meta_path: Path) -> Source:
    meta = read_toml(meta_path)
    missing = [key for key in REQUIRED_METADATA if not meta.get(key)]
    if missing:
        raise FactFileError(f"{meta_path}: missing {', '.join(missing)}")
    if meta["id"] != meta_path.stem:
        raise FactFileError(f"{meta_path}: id {meta['id']!r} must match the file name")
    text_path = meta_path.with_suffix(".txt")
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactFileError(f"{text_path}: cannot read the source text: {exc}") from None
    paragraphs = split_paragraphs(text)
    count = meta["fact_paragraphs"]
    if not isinstance(count, int) or not 1 <= count <= len(paragraphs):
        raise FactFileError(
            f"{meta_path}: fact_paragraphs must be 1..{len(paragraphs)}, not {count!r}"
        )
    return Source(
        id=meta["id"],
        title=str(meta["title"]),
        publisher=str(meta["publisher"]),
        date=str(meta["date"]),
        url=str(meta["url"]),
        paragraphs=tuple(paragraphs[:count]),
        attribution=str(meta.get("attribution", "")),
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; inner line breaks are kept."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [block.strip() for block in blocks if block.strip()]


def find_quote(paragraph: str, quote: str) -> str | None:
    """Return the paragraph's own text for `quote`, or None if it is not there.

    Verbatim means verbatim, except that straight and curly quotes match each
    other and any run of white space matches any other run.
    """
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(
        "".join(_QUOTE_CHARS.get(ch, re.escape(ch)) for ch in word) for word in words
    )
    match = re.search(pattern, paragraph)
    return match.group(0) if match else None


def verified_quote(source: Source, paragraph: int, quote: str, where: str) -> str:
    """The exact source text of a quote; raises CitationError if it is not there."""
    if not 1 <= paragraph <= len(source.paragraphs):
        raise CitationError(
            f"{where}: paragraph {paragraph} is not in {source.id} "
            f"(it has paragraphs 1-{len(source.paragraphs)})"
        )
    found = find_quote(source.paragraphs[paragraph - 1], quote)
    if found is None:
        raise CitationError(
            f"{where}: quote not found verbatim in {source.id} paragraph {paragraph}: {quote!r}"
        )
    return found
