"""Grade the retriever on a question set (JSON lines, as in the dev set).

Each line: {"id", "kind", "q", and "any": [...] or "all": [...]}. An answerable
item is right when the text of the facts shown contains one of `any` (or all of
`all`), ignoring case. Kinds `oos` and `near_miss` are right only when nothing
is asserted: status `unknown`, or `suggest` (which asserts no fact).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FactFileError, InvalidQuestionError
from ..models import Answer, Status
from .retriever import Retriever

ABSTAIN_KINDS = frozenset({"oos", "near_miss"})
KIND_ORDER = (
    "direct",
    "paraphrase",
    "typo",
    "alias",
    "keywords",
    "noise",
    "topic",
    "oos",
    "near_miss",
)


@dataclass(frozen=True)
class EvalItem:
    id: str
    kind: str
    question: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()


@dataclass
class EvalResult:
    item: EvalItem
    answer: Answer | None
    correct: bool


@dataclass
class EvalReport:
    results: list[EvalResult] = field(default_factory=list)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in self.results:
            counts[r.item.kind][0] += r.correct
            counts[r.item.kind][1] += 1
        order = {k: i for i, k in enumerate(KIND_ORDER)}
        return {
            k: (v[0], v[1]) for k, v in sorted(counts.items(), key=lambda kv: order.get(kv[0], 99))
        }

    def group(self, answerable: bool) -> tuple[int, int]:
        chosen = [r for r in self.results if (r.item.kind not in ABSTAIN_KINDS) == answerable]
        return sum(r.correct for r in chosen), len(chosen)

    @property
    def overall(self) -> tuple[int, int]:
        return sum(r.correct for r in self.results), len(self.results)

    def table(self) -> str:
        lines = [f"{'kind':<12}{'correct':>9}{'total':>7}{'accuracy':>10}"]
        for kind, (right, total) in self.by_kind().items():
            lines.append(f"{kind:<12}{right:>9}{total:>7}{_pct(right, total):>10}")
        lines.append("-" * 38)
        for label, (right, total) in (
            ("answerable", self.group(True)),
            ("abstain", self.group(False)),
            ("overall", self.overall),
        ):
            lines.append(f"{label:<12}{right:>9}{total:>7}{_pct(right, total):>10}")
        return "\n".join(lines)


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
            item = EvalItem(str(raw["id"]), kind, str(raw["q"]), expected_any, expected_all)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise FactFileError(f"{path}: line {number}: not a valid item ({exc})") from None
        if kind not in ABSTAIN_KINDS and not (item.any or item.all):
            raise FactFileError(f"{path}: line {number}: answerable item needs `any` or `all`")
        items.append(item)
    return items


def grade(item: EvalItem, answer: Answer | None) -> bool:
    if item.kind in ABSTAIN_KINDS:
        return answer is None or answer.status is not Status.ANSWER
    if answer is None or answer.status is not Status.ANSWER:
        return False
    shown = " ".join(sf.fact.text for sf in answer.facts[:3]).casefold()
    if item.all:
        return all(s.casefold() in shown for s in item.all)
    return any(s.casefold() in shown for s in item.any)


def evaluate(retriever: Retriever, items: list[EvalItem]) -> EvalReport:
    report = EvalReport()
    for item in items:
        try:
            answer: Answer | None = retriever.ask(item.question)
        except InvalidQuestionError:
            answer = None
        report.results.append(EvalResult(item, answer, grade(item, answer)))
    return report
