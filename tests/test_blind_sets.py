"""The blind question sets guard against regressions.

Each set was written by someone who had read only the article, or only a fact
pack's plain text (docs/evaluation.md). Their first measurements are recorded
there; the floors below are the figures they had when they came into the repo,
so a change may move a question between outcomes only by making things better:
no fewer answered right, no more answered wrong or out-of-scope ones asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.curation.curator import Curator
from knowledge.retrieval.evaluation import RIGHT, WRONG, evaluate, load_items

BLIND = Path(__file__).parent / "data" / "blind"
PACK_SERVER = 7_000_000_000_000_000_001

# set, fact pack (None: the article alone), answerable right at least, answerable
# wrong at most, out-of-scope and near misses declined at least, small talk at least
FLOORS = [
    ("article_blind_a.jsonl", None, 50, 2, 20, 12),
    ("article_blind_b.jsonl", None, 46, 3, 20, 12),
    ("article_blind_c.jsonl", None, 51, 3, 20, 12),
    ("article_blind_d.jsonl", None, 45, 4, 20, 12),
    ("faq_questions_a.jsonl", "faq_pack_a.json", 48, 1, 20, 12),
    ("faq_questions_b.jsonl", "faq_pack_b.json", 46, 2, 21, 12),
    ("faq_questions_c.jsonl", "faq_pack_c.json", 37, 5, 20, 12),
    ("faq_questions_d.jsonl", "faq_pack_d.json", 37, 0, 18, 12),
    ("article_blind_e.jsonl", None, 42, 4, 21, 12),
    ("article_blind_f.jsonl", None, 47, 2, 22, 11),
    ("faq_questions_e.jsonl", "faq_pack_e.json", 36, 2, 21, 11),
    ("faq_questions_f.jsonl", "faq_pack_f.json", 35, 1, 20, 12),
]


@pytest.mark.parametrize(
    ("questions", "pack", "right", "wrong", "declined", "small_talk"),
    FLOORS,
    ids=[row[0] for row in FLOORS],
)
def test_blind_set_does_not_regress(kb, questions, pack, right, wrong, declined, small_talk):
    guild_id = None
    if pack is not None:
        guild_id = PACK_SERVER
        curator = Curator(kb)
        plan = curator.plan_import((BLIND / pack).read_bytes(), guild_id=guild_id, is_owner=True)
        assert not plan.rejected
        curator.apply_import(plan, actor="test")
    report = evaluate(kb, load_items(BLIND / questions), guild_id=guild_id)
    answerable = report.group_outcomes("answerable")
    assert answerable[RIGHT] >= right
    assert answerable[WRONG] <= wrong
    assert report.group_outcomes("abstain")[RIGHT] >= declined
    assert report.group_outcomes("smalltalk")[RIGHT] >= small_talk
