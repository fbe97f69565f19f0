"""The add/edit form's fields as text and back, losing nothing.

A form field is one string of at most a few thousand characters. Questions and
keywords go one per line; inside one, a line break is written `\\n` and a
backslash `\\\\`, so every list comes back exactly as it went in (a keyword may
hold commas: "Tokyo, Japan"). A fact whose fields don't fit is not shown cut
short: `form_fields` refuses it, pointing to export and import. An edit takes
from the form only the fields the admin changed; the others keep what is stored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import KnowledgeError
from ..models import Fact
from .curator import FactDraft


@dataclass(frozen=True)
class FormFields:
    """The five fields of the form, as the admin sees and submits them."""

    text: str = ""
    questions: str = ""
    keywords: str = ""
    source: str = ""
    quote: str = ""


# The most each field holds (Discord allows up to 4,000 characters in one).
FIELD_CHARS = {"text": 1000, "questions": 4000, "keywords": 4000, "source": 300, "quote": 1000}


class FormTooLongError(KnowledgeError):
    """A fact's field does not fit in the form; it is not shown cut short."""


_ESCAPE = re.compile(r"\\(\\|n)")


def encode_lines(items: Iterable[str]) -> str:
    """One item per line: backslashes doubled, line breaks inside an item as `\\n`."""
    return "\n".join(item.replace("\\", "\\\\").replace("\n", "\\n") for item in items)


def decode_lines(text: str) -> tuple[str, ...]:
    """The items of `encode_lines` (the inverse, exactly). Typed text decodes the
    same way: blank lines are skipped, and a backslash before anything but `n` or
    another backslash is kept as typed."""
    items = []
    for line in (text or "").split("\n"):
        line = line.removesuffix("\r")
        if line.strip():
            items.append(_ESCAPE.sub(lambda m: "\n" if m[1] == "n" else "\\", line))
    return tuple(items)


def form_fields(fact: Fact | None = None, *, question: str | None = None) -> FormFields:
    """What the form shows: a fact's values (an edit) or blanks (an add), with
    `question` first among the questions. Raises FormTooLongError if a field
    of the fact would not fit (Discord would refuse it; cutting it would lose data)."""
    questions = [question] if question else []
    if fact is None:
        return FormFields(questions=encode_lines(questions))
    fields = FormFields(
        text=fact.text,
        questions=encode_lines([*questions, *fact.questions]),
        keywords=encode_lines(fact.keywords),
        source=form_source(fact),
        quote=fact.quote,
    )
    for name, limit in FIELD_CHARS.items():
        value = getattr(fields, name)
        if len(value) > limit:
            raise FormTooLongError(
                f"`{fact.id}`'s {name} take {len(value):,} characters in the form, which holds "
                f"{limit:,}, so it can't be edited there without losing some. Nothing was "
                "changed: use /fact export, edit the file and /fact import it (or "
                f"`python -m knowledge fact edit {fact.id}`)."
            )
    return fields


def form_source(fact: Fact) -> str:
    """The source field for an existing fact (the inverse of `parse_source`)."""
    return f"{fact.source_id} {fact.paragraph}" if fact.source_id else fact.citation_note


_PARAGRAPH = re.compile(r"[0-9]{1,4}")  # ASCII digits: "¹".isdigit() is true, int("¹") fails


def parse_source(source: str, source_ids: Iterable[str]) -> tuple[str | None, int | None, str]:
    """(source id, paragraph, citation) from the source field: "SOURCE-ID PARAGRAPH"
    (or just the paragraph number when there is one source), else a free-text citation."""
    known = list(source_ids)
    words = source.replace("¶", " ").split()
    if len(words) == 2 and words[0] in known and _PARAGRAPH.fullmatch(words[1]):
        return words[0], int(words[1]), ""
    if len(words) == 1 and _PARAGRAPH.fullmatch(words[0]) and len(known) == 1:
        return known[0], int(words[0]), ""
    return None, None, source.strip()


def draft_from_form(
    submitted: FormFields,
    *,
    shown: FormFields,
    base: Fact | None,
    source_ids: Iterable[str],
) -> FactDraft:
    """The draft a submitted form asks for. Adding (`base` None), every field
    comes from the form; editing, only the fields that differ from what the
    form `shown`, the rest stay exactly as `base` has them."""
    draft = FactDraft.from_fact(base) if base is not None else FactDraft(text="")

    def changed(name: str) -> bool:
        return base is None or getattr(submitted, name) != getattr(shown, name)

    changes: dict[str, object] = {}
    if changed("text"):
        changes["text"] = submitted.text
    if changed("questions"):
        changes["questions"] = decode_lines(submitted.questions)
    if changed("keywords"):
        changes["keywords"] = decode_lines(submitted.keywords)
    if changed("source"):
        source_id, paragraph, citation = parse_source(submitted.source, source_ids)
        changes |= {"source_id": source_id, "paragraph": paragraph, "citation": citation}
    if changed("quote"):
        changes["quote"] = submitted.quote.strip()
    return dataclasses.replace(draft, **changes)  # type: ignore[arg-type]
