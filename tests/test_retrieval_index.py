"""The retrieval index at scale: incremental updates, the typo index, pruned
reranking against the exhaustive scan, and readers racing writers."""

from __future__ import annotations

import gc
import json
import random
import re
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

from rapidfuzz import process

from knowledge.config import RetrievalConfig
from knowledge.models import Fact
from knowledge.retrieval import retriever as retrieval
from knowledge.retrieval.normalize import (
    _INVISIBLE,
    _QUOTES,
    Lexicon,
    Normalizer,
    _alias_pattern,
    fold,
)
from knowledge.retrieval.retriever import FactScorer, Retriever
from tests.factories import admin_fact

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    json.loads(line)["q"]
    for line in (REPO / "tests/data/article_questions.jsonl").read_text().splitlines()
]


def retriever_for(curated, facts) -> Retriever:
    retriever = Retriever(Normalizer(curated.lexicon), RetrievalConfig(), curated.sources)
    retriever.load(facts)
    return retriever


def top(retriever: Retriever, question: str, guild_id: int | None = None):
    return retriever.ranked_ids(question, guild_id)[:3]


def scan_top(retriever: Retriever, question: str, guild_id: int | None = None):
    """The best fact by scoring every fact on its own (the naive scan)."""
    choices = {f.id: retriever.analyse(f) for f in sorted(retriever.facts(), key=lambda f: f.id)}
    found = process.extract(
        question, choices, scorer=FactScorer(retriever, guild_id), processor=None, limit=1
    )
    return (found[0][2], found[0][1]) if found else None


def synthetic_facts(n: int, seed: int = 1) -> list[Fact]:
    rng = random.Random(seed)
    names = ["Zentrix", "Moravia", "Quellon", "Brightwave", "Tanaka", "Olivetti", "Sapporo"]
    things = ["users", "members", "downloads", "stores", "employees", "subscribers"]
    places = ["Japan", "Brazil", "Kenya", "Norway", "Chile", "Osaka", "Texas"]
    facts = []
    for i in range(n):
        name, thing, place = rng.choice(names), rng.choice(things), rng.choice(places)
        count = rng.randint(2, 90)
        facts.append(
            admin_fact(
                f"syn-{i:05d}",
                f"{name} had {count} million {thing} in {place} in {rng.randint(1990, 2024)}.",
                questions=(f"How many {thing} did {name} have in {place}?",),
                keywords=(name.lower(),),
            )
        )
    return facts


def test_incremental_updates_rank_like_a_fresh_index(curated):
    rng = random.Random(5)
    facts = {f.id: f for f in curated.facts}
    live = retriever_for(curated, facts.values())
    for step in range(120):
        fact = rng.choice(sorted(facts.values(), key=lambda f: f.id))
        action = rng.random()
        if action < 0.3:
            live.remove(fact.id)
            del facts[fact.id]
        else:
            new_id = fact.id if action < 0.6 else f"admin-{step}"
            words = fact.text.split()
            rng.shuffle(words)
            edited = replace(fact, id=new_id, text=" ".join(words) + f" quokka{step}")
            live.upsert(edited)
            facts[new_id] = edited
    fresh = retriever_for(curated, facts.values())
    assert len(live) == len(fresh) == len(facts)
    for question in [*QUESTIONS, "quokka17", "quokkas"]:
        assert top(live, question) == top(fresh, question), question


def test_removed_fact_is_never_a_candidate_and_its_words_leave_the_vocabulary(curated):
    retriever = retriever_for(curated, curated.facts)
    fact = replace(curated.facts[0], id="only-wombat", text="Wombats dig burrows in Tasmania.")
    retriever.upsert(fact)
    assert top(retriever, "where do wombats dig burrows")[0][0] == "only-wombat"
    assert top(retriever, "where do wombbats dig")[0][0] == "only-wombat"  # typo
    retriever.remove("only-wombat")
    assert "only-wombat" not in retriever
    assert all(fid != "only-wombat" for fid, _ in top(retriever, "wombats burrows tasmania"))
    assert "wombat" not in retriever._expand("wombbat")


def test_typo_index_finds_words_added_after_loading_in_every_segment(curated, monkeypatch):
    monkeypatch.setattr(retrieval._TypoIndex, "RECENT_WORDS", 50)
    monkeypatch.setattr(retrieval._TypoIndex, "MAX_SEGMENTS", 3)
    retriever = retriever_for(curated, curated.facts)
    added = [f"zorblax{i:04d}" for i in range(260)]  # sealed five times, merged twice
    for i, word in enumerate(added):
        fact = replace(curated.facts[0], id=f"w{i}", text=f"The {word} gadget is green.")
        retriever.upsert(fact)
    assert len(retriever._scopes[retrieval.CURATED].typos._segments) <= 3
    assert 0 < retriever._scopes[retrieval.CURATED].typos._recent_words < 50
    for word in (added[0], added[60], added[123], added[249], added[-1]):
        typo = word[:3] + word[4] + word[3] + word[5:]  # a transposition
        assert word in retriever._expand(typo)


def test_typo_matches_are_the_closest_vocabulary_words_in_vocabulary_order(curated):
    retriever = retriever_for(curated, curated.facts)
    vocabulary = retriever.vocabulary()
    rng = random.Random(3)
    for word in rng.sample([w for w in vocabulary if len(w) >= 4 and w.isalpha()], 60):
        i = rng.randrange(len(word))
        token = word[:i] + "q" + word[i + 1 :]
        max_edits = 2 if len(token) >= 8 else 1
        expected = process.extract(
            token, vocabulary, scorer=retrieval.OSA.distance, score_cutoff=max_edits, limit=8
        )
        typos = {
            w: retrieval.TYPO_SIMILARITY[int(d)]
            for w, d, _ in expected
            if w != token and len(w) >= 4 and not w[0].isdigit()
        }
        found = retriever._expand_uncached(token, retriever._view(None))
        assert [w for w in found if w in typos] == list(typos), token
        assert all(found[w] >= s for w, s in typos.items())  # a shared prefix may add


def test_retriever_agrees_with_the_exhaustive_scan_on_the_article(curated):
    retriever = retriever_for(curated, curated.facts)
    for question in QUESTIONS:
        ranked = top(retriever, question)
        best = scan_top(retriever, question)
        assert (ranked[0] if ranked else None) == best, question


def test_pruned_reranking_finds_the_scan_best_among_many_tied_candidates(curated, monkeypatch):
    monkeypatch.setattr(retrieval, "RERANK_LIMIT", 40)
    facts = synthetic_facts(3000)
    retriever = retriever_for(curated, facts)
    questions = [
        "how many users did zentrix have in japan",
        "moravia members",
        "brightwave downloads in kenya",
        "quellon subscribers norway",
        "How many employees did Olivetti have in Chile?",
    ]
    for question in questions:
        q = retriever.prepare(question)
        assert q is not None
        numbers, *_ = retriever._coverage(q)
        assert len(numbers) > retrieval.RERANK_LIMIT  # pruning is exercised
        assert top(retriever, question)[0] == scan_top(retriever, question), question


def test_admin_facts_stay_in_their_server_in_the_scan_and_the_index(curated):
    facts = [*curated.facts, *(replace(f, guild_id=7) for f in synthetic_facts(50))]
    retriever = retriever_for(curated, facts)
    question = "how many users did zentrix have in japan"
    assert top(retriever, question, 7)[0] == scan_top(retriever, question, 7)
    assert top(retriever, question, 7)[0][0].startswith("syn-")
    assert all(not fid.startswith("syn-") for fid, _ in top(retriever, question, 8))
    assert scan_top(retriever, question, 8) == (top(retriever, question, 8) or [None])[0]


def test_asking_while_facts_are_added_and_removed_never_fails(curated):
    retriever = retriever_for(curated, [*curated.facts, *synthetic_facts(500)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask_forever():
        try:
            while not stop.is_set():
                for question in QUESTIONS[:20]:
                    retriever.ask(question)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    readers = [threading.Thread(target=ask_forever) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for i, fact in enumerate(synthetic_facts(300, seed=9)):
            retriever.upsert(replace(fact, id=f"race-{i}"))
            retriever.remove(f"syn-{i:05d}")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert len(retriever) == len(curated.facts) + 500


def _slow_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return text.casefold()


def test_fold_fast_path_equals_the_general_one():
    samples = ["".join(chr(i) for i in range(128)), "Plain ASCII `quote`\tand\nlines", "ＦＢ ’s"]
    for text in samples:
        assert fold(text) == _slow_fold(text)


def test_phrase_replacement_equals_one_regex_over_every_phrase(curated):
    lexicon: Lexicon = curated.lexicon
    normalizer = Normalizer(lexicon)
    ordered = sorted(lexicon.aliases, key=len, reverse=True)
    full = re.compile("|".join(_alias_pattern(p) for p in ordered))
    rng = random.Random(2)
    pieces = [*lexicon.aliases, "the", "+", "'s", " ", "-", ".", "x", "_", "é", "g+x"]
    texts = [*QUESTIONS]
    for _ in range(3000):
        texts.append("".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(5)))
    for text in texts:
        folded = fold(text)
        expected = full.sub(lambda m: f"<{m.group(0)}>", folded)
        assert normalizer._alias_re.sub(lambda m: f"<{m.group(0)}>", folded) == expected


def test_a_large_index_is_kept_out_of_the_garbage_collectors_way(curated, monkeypatch):
    monkeypatch.setattr(retrieval, "FREEZE_MIN_FACTS", 50)
    gc.unfreeze()
    try:
        retriever_for(curated, curated.facts)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
