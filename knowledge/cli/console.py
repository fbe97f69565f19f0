"""The local console: ask questions at a prompt, through the bot's own pipeline."""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from ..errors import FactNotFoundError, InvalidQuestionError, StoreError
from ..models import ResponseKind, Status
from ..service import KnowledgeBase
from .text_output import format_answer, format_response

BANNER = (
    "FactBot local console. Ask a question and press Enter.\n"
    'After a "did you mean", type its number to see that answer. '
    "Type 'quit' (or press Ctrl-D) to leave."
)


def run_console(
    kb: KnowledgeBase,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    guild_id: int | None = None,
) -> None:
    """Read messages until end of input and answer them as the bot would in
    server `guild_id` (follow-ups included); answers are logged like the bot's."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    counts = kb.store.fact_counts()
    print(BANNER, file=stdout)
    print(
        f"{counts['curated'] + counts['admin']} facts loaded from {kb.store.name}.\n", file=stdout
    )
    suggestions: list[str] = []
    while True:
        if interactive:
            stdout.write("ask> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if question.lower() in {"quit", "exit", ":q"}:
            break
        if not question:
            continue
        if question.isdigit() and 1 <= int(question) <= len(suggestions):
            try:
                picked = kb.retriever.answer_with(
                    suggestions[int(question) - 1], question, guild_id
                )
            except FactNotFoundError as exc:
                print(f"{exc}\n", file=stdout)
                continue
            print(format_answer(picked) + "\n", file=stdout)
            continue
        with contextlib.suppress(StoreError):  # else: answer from the index it has
            kb.sync()  # what other processes (a running bot, `fact add`) changed meanwhile
        try:
            response = kb.respond(question, guild_id=guild_id, user_id="console", via="console")
        except InvalidQuestionError as exc:
            print(f"{exc}\n", file=stdout)
            continue
        answer = response.answer
        suggestions = (
            [s.fact_id for s in answer.suggestions]
            if response.kind is ResponseKind.ANSWER
            and answer is not None
            and answer.status is Status.SUGGEST
            else []
        )
        print(format_response(question, response) + "\n", file=stdout)
