"""Grade FactBot on a question set (JSON lines, as in the dev set), asking
every question through the same pipeline the bot uses (KnowledgeBase.respond).

Each line: {"id", "kind", "q", and "any": [...] or "all": [...]}. An answerable
item is right when the text of the facts shown contains one of `any` (or all of
`all`), ignoring case; "one click away" when a "did you mean" choice's fact
does; "don't know" when no fact is asserted; and wrong when another fact is.
Kinds `oos` and `near_miss` are right when nothing is asserted (status
`unknown`, or `suggest`, which asserts no fact). Kind `smalltalk` is right
when the reply is small talk, which states no fact. Kind `followup` has a
"context" list: earlier questions by the same person in the same channel,
asked first.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FactFileError, InvalidQuestionError
from ..models import Answer, Response, ResponseKind, Status

if TYPE_CHECKING:
    from ..service import KnowledgeBase

ABSTAIN_KINDS = frozenset({"oos", "near_miss"})
SMALL_TALK_KINDS = frozenset({"smalltalk"})
KIND_ORDER = (
    "direct",
    "paraphrase",
    "typo",
    "alias",
    "keywords",
    "noise",
    "topic",
    "chat",
    "embedded",
    "followup",
    "oos",
    "near_miss",
    "smalltalk",
)
RIGHT, ONE_CLICK, DONT_KNOW, WRONG = "right", "one click", "don't know", "wrong"
OUTCOMES = (RIGHT, ONE_CLICK, DONT_KNOW, WRONG)
EVAL_CHANNEL = 0  # every item is asked by its own person, in this channel


@dataclass(frozen=True)
class EvalItem:
    id: str
    kind: str
    question: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    context: tuple[str, ...] = ()  # earlier questions by the same person


@dataclass
class EvalResult:
    item: EvalItem
    response: Response | None
    outcome: str

    @property
    def correct(self) -> bool:
        return self.outcome == RIGHT

    @property
    def answer(self) -> Answer | None:
        return self.response.answer if self.response is not None else None


@dataclass
class EvalReport:
    results: list[EvalResult] = field(default_factory=list)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (right, total), in KIND_ORDER."""
        return {k: (c[RIGHT], sum(c.values())) for k, c in self.outcomes_by_kind().items()}

    def outcomes_by_kind(self) -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self.results:
            counts[r.item.kind][r.outcome] += 1
        order = {k: i for i, k in enumerate(KIND_ORDER)}
        return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))

    def _chosen(self, group: str) -> list[EvalResult]:
        return [r for r in self.results if group == "overall" or _group(r.item.kind) == group]

    def group_outcomes(self, group: str) -> Counter[str]:
        """Outcomes for "answerable", "abstain", "smalltalk" or "overall"."""
        return Counter(r.outcome for r in self._chosen(group))

    def group(self, answerable: bool) -> tuple[int, int]:
        chosen = self._chosen("answerable" if answerable else "abstain")
        return sum(r.correct for r in chosen), len(chosen)

    @property
    def overall(self) -> tuple[int, int]:
        return sum(r.correct for r in self.results), len(self.results)

    def table(self) -> str:
        header = f"{'kind':<12}{'correct':>9}{'total':>7}{'accuracy':>10}"
        header += "".join(f"{o:>12}" for o in OUTCOMES[1:])
        lines = [header]
        for kind, counts in self.outcomes_by_kind().items():
            lines.append(_row(kind, counts))
        lines.append("-" * len(header))
        for label in ("answerable", "abstain", "smalltalk", "overall"):
            counts = self.group_outcomes(label)
            if counts or label != "smalltalk":
                lines.append(_row(label, counts))
        return "\n".join(lines)


def _group(kind: str) -> str:
    if kind in ABSTAIN_KINDS:
        return "abstain"
    if kind in SMALL_TALK_KINDS:
        return "smalltalk"
    return "answerable"


def _row(label: str, counts: Counter[str]) -> str:
    right, total = counts[RIGHT], sum(counts.values())
    line = f"{label:<12}{right:>9}{total:>7}{_pct(right, total):>10}"
    return line + "".join(f"{counts[o]:>12}" for o in OUTCOMES[1:])


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}%" if total else "-"


def load_items(path: Path) -> list[EvalItem]:
    """Raises FactFileError naming the file and line for a malformed line."""
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FactFileError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            kind = str(raw["kind"])
            expected_any = tuple(str(s) for s in raw.get("any", ()))
            expected_all = tuple(str(s) for s in raw.get("all", ()))
            context = raw.get("context", [])
            if not isinstance(context, list):
                raise TypeError('"context" must be a list of questions')
            item = EvalItem(
                str(raw["id"]),
                kind,
                str(raw["q"]),
                expected_any,
                expected_all,
                tuple(str(c) for c in context),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise FactFileError(f"{path}: line {number}: not a valid item ({exc})") from None
        if _group(kind) == "answerable" and not (item.any or item.all):
            raise FactFileError(f"{path}: line {number}: answerable item needs `any` or `all`")
        items.append(item)
    return items


def _matches(item: EvalItem, texts: list[str]) -> bool:
    shown = " ".join(texts).casefold()
    if item.all:
        return all(s.casefold() in shown for s in item.all)
    return any(s.casefold() in shown for s in item.any)


def grade(item: EvalItem, response: Response | None, fact_text: Callable[[str], str]) -> str:
    """The outcome of one item; fact_text(fact_id) is a "did you mean" choice's text."""
    answer = response.answer if response is not None else None
    asserted = answer is not None and answer.status is Status.ANSWER
    group = _group(item.kind)
    if group == "smalltalk":
        if response is not None and response.kind is ResponseKind.SMALL_TALK:
            return RIGHT
        return WRONG if asserted else DONT_KNOW
    if group == "abstain":
        return WRONG if asserted else RIGHT
    if answer is None:
        return DONT_KNOW
    if asserted:
        shown = [sf.fact.text for sf in answer.facts[:3]]
        return RIGHT if _matches(item, shown) else WRONG
    if answer.status is Status.SUGGEST:
        offered = [fact_text(s.fact_id) for s in answer.suggestions]
        if any(_matches(item, [text]) for text in offered):
            return ONE_CLICK
    return DONT_KNOW


def evaluate(
    kb: KnowledgeBase,
    items: list[EvalItem],
    *,
    guild_id: int | None = None,
    fact_text: Callable[[str], str] | None = None,
) -> EvalReport:
    """Ask every item as its own person (so no context leaks between items),
    its "context" questions first, as the server `guild_id`."""
    text_of = fact_text or _fact_text(kb)
    report = EvalReport()
    for number, item in enumerate(items):

        def ask(message: str, user: str = f"eval-{number}") -> Response:
            return kb.respond(
                message,
                guild_id=guild_id,
                channel_id=EVAL_CHANNEL,
                user_id=user,
                via="eval",
                log=False,
            )

        response: Response | None
        try:
            for earlier in item.context:
                ask(earlier)
            response = ask(item.question)
        except InvalidQuestionError:
            response = None
        report.results.append(EvalResult(item, response, grade(item, response, text_of)))
    return report


def _fact_text(kb: KnowledgeBase) -> Callable[[str], str]:
    texts = {f.id: f.text for f in kb.retriever.facts()}
    return lambda fact_id: texts.get(fact_id, "")
