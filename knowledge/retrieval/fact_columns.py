"""Facts as columns of flat arrays (for the saved index), and back.

A slot may be empty (None): a fact the retriever numbered and later dropped.
Strings are packed by index_file.pack_strings; a tuple of strings is a count
per fact and the strings of every fact in one column; a value that may be
None has a mask beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..models import Fact
from .index_file import pack_strings, unpack_strings

_TEXTS = ("id", "text", "quote", "origin", "citation_note")
_LISTS = ("questions", "keywords")


def fact_columns(facts: Sequence[Fact | None], prefix: str) -> dict[str, np.ndarray]:
    """The facts (None for an empty slot) as arrays named prefix.*.

    Raises ValueError when a string holds a NUL character."""
    live = [f for f in facts if f is not None]
    columns = {f"{prefix}.live": np.array([f is not None for f in facts], dtype=np.uint8)}
    for name in _TEXTS:
        columns[f"{prefix}.{name}"] = pack_strings(getattr(f, name) for f in live)
    for name in _LISTS:
        columns.update(pack_groups([getattr(f, name) for f in live], f"{prefix}.{name}"))
    columns[f"{prefix}.source_id"] = pack_strings(f.source_id or "" for f in live)
    for name in ("source_id", "paragraph", "guild_id"):
        columns[f"{prefix}.{name}.null"] = np.array(
            [getattr(f, name) is None for f in live], dtype=np.uint8
        )
    for name in ("paragraph", "guild_id"):
        columns[f"{prefix}.{name}"] = np.array(
            [getattr(f, name) or 0 for f in live], dtype=np.int64
        )
    return columns


def facts_from_columns(columns: Mapping[str, np.ndarray], prefix: str) -> list[Fact | None]:
    """The facts fact_columns stored, empty slots as None."""
    texts = {name: unpack_strings(columns[f"{prefix}.{name}"]) for name in _TEXTS}
    lists = {name: unpack_groups(columns, f"{prefix}.{name}") for name in _LISTS}
    source_ids = unpack_strings(columns[f"{prefix}.source_id"])
    nulls = {
        name: columns[f"{prefix}.{name}.null"].astype(bool).tolist()
        for name in ("source_id", "paragraph", "guild_id")
    }
    paragraphs = columns[f"{prefix}.paragraph"].tolist()
    guild_ids = columns[f"{prefix}.guild_id"].tolist()
    live = [
        Fact(
            id=texts["id"][i],
            text=texts["text"][i],
            source_id=None if nulls["source_id"][i] else source_ids[i],
            paragraph=None if nulls["paragraph"][i] else paragraphs[i],
            quote=texts["quote"][i],
            questions=lists["questions"][i],
            keywords=lists["keywords"][i],
            origin=texts["origin"][i],
            guild_id=None if nulls["guild_id"][i] else guild_ids[i],
            citation_note=texts["citation_note"][i],
        )
        for i in range(len(source_ids))
    ]
    found = iter(live)
    return [next(found) if used else None for used in columns[f"{prefix}.live"].tolist()]


def pack_groups(groups: Sequence[Sequence[str]], name: str) -> dict[str, np.ndarray]:
    """Groups of strings as two arrays: `name.count` (strings per group) and
    `name` (every group's strings, packed).

    Raises ValueError when a string holds a NUL character."""
    return {
        f"{name}.count": np.array([len(g) for g in groups], dtype=np.int32),
        name: pack_strings(s for g in groups for s in g),
    }


def unpack_groups(columns: Mapping[str, np.ndarray], name: str) -> list[tuple[str, ...]]:
    """The groups pack_groups stored, as tuples."""
    flat = unpack_strings(columns[name])
    found = []
    start = 0
    for count in columns[f"{name}.count"].tolist():
        found.append(tuple(flat[start : start + count]))
        start += count
    return found
