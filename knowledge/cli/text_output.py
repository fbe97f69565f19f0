"""Answers as plain text, for the CLI and the local console."""

from __future__ import annotations

import textwrap
from typing import Any

from ..models import Answer, Citation, Response, ResponseKind, Status

UNKNOWN_TEXT = "I don't know that one. Nothing in the fact base answers it."
NOTHING_TEXT = "There is no question in that message: only mentions, links or emoji."


def format_response(message: str, response: Response, *, width: int = 88) -> str:
    """What the bot would say to a message, as text."""
    if response.kind is ResponseKind.SMALL_TALK:
        lines = [f"Q: {message.strip()[:200]}", *_wrap(response.small_talk, width, "", "")]
        if response.example:
            lines.append(f"Try asking, for example: “{response.example}”")
        return "\n".join(lines)
    if response.kind is ResponseKind.NOTHING or response.answer is None:
        return f"Q: {message.strip()[:200]}\n{NOTHING_TEXT}"
    text = format_answer(response.answer, width=width)
    if response.context_question:
        text += f"\n  (following up on “{response.context_question}”)"
    return text


def response_json(message: str, response: Response) -> dict[str, Any]:
    """The CLI's `--json` shape: the answer's, or the small-talk reply."""
    if response.kind is ResponseKind.ANSWER and response.answer is not None:
        found = response.answer.to_json()
        if response.context_question:
            found["context_question"] = response.context_question
        return found
    return {
        "question": message[:200],
        "status": response.kind.value,
        "reply": response.small_talk,
        "example": response.example,
    }


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
