"""Answers as plain text, for the CLI and the local console."""

from __future__ import annotations

import textwrap

from ..models import Answer, Citation, Status

UNKNOWN_TEXT = "I don't know that one. Nothing in the fact base answers it."


def format_answer(answer: Answer, *, width: int = 88) -> str:
    lines = [f"Q: {answer.question}"]
    if answer.status is Status.ANSWER:
        lines.append(f"Answer (confidence {answer.confidence:.0f}/100):")
        for scored in answer.facts:
            lines.extend(_wrap(f"• {scored.fact.text}", width, "  ", "    "))
            lines.extend(format_citation(scored.citation, width=width, indent="    "))
            lines.append(f"    [fact {scored.fact.id}, score {scored.score:.0f}]")
    elif answer.status is Status.SUGGEST:
        lines.append("I'm not sure. Did you mean:")
        for number, suggestion in enumerate(answer.suggestions, start=1):
            lines.extend(_wrap(f"{number}. {suggestion.question}", width, "  ", "     "))
    else:
        lines.append(UNKNOWN_TEXT)
    return "\n".join(lines)


def format_citation(citation: Citation, *, width: int = 88, indent: str = "") -> list[str]:
    where = ", ".join(
        part
        for part in (
            f"“{citation.source_title}”",
            citation.publisher,
            citation.date,
            f"¶{citation.paragraph}" if citation.paragraph else "",
        )
        if part
    )
    lines = _wrap(f"Source: {where}", width, indent, indent + "  ")
    if citation.quote:
        lines.extend(_wrap(f"Quote: “{citation.quote}”", width, indent, indent + "  "))
    if citation.url:
        lines.append(f"{indent}Link: {citation.url}")
    return lines


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first]
