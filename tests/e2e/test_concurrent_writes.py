"""Many writers at once through the real bot: nothing lost, nobody told "locked".

50 admin writes (25 adds and 25 edits through the /fact forms) and 200
questions (/ask and mentions) arrive together, while other processes write to
the same file (`python -m knowledge fact add`) and take an online backup
(`python -m knowledge backup`). Every one is answered, every change and every
question is in the database, and no "database is locked" appears anywhere.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore
from tests.discord_double import DiscordDouble
from tests.factories import admin_fact

from .harness import BotProcess, Users, bot_config, read_rows

pytestmark = pytest.mark.asyncio

CONFIG = bot_config(ask_rate=100000)
TOPICS = ["How big is GREE", "When did LinkedIn launch in Japan", "Who runs Mobage", "What is mixi"]


def distinct_texts(count: int, seed: int) -> list[str]:
    """Facts made of unrelated made-up words, so none looks like a duplicate."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    word = lambda: "".join(rng.choice(syllables) for _ in range(3))  # noqa: E731
    return [f"The {word()} {word()} of {word()} keeps {word()} {word()}." for _ in range(count)]


async def test_50_admin_writes_and_200_questions_at_once_lose_nothing(tmp_path):
    db = tmp_path / "factbot.db"
    async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
        ids = double.ids
        store = FactStore.open(db)
        build(store)
        old_texts = distinct_texts(25, seed=25)
        for n in range(25):
            store.add_fact(
                admin_fact(
                    f"club-note-{n}",
                    old_texts[n],
                    questions=(f"what does club note {n} say?",),
                    guild_id=ids.guild,
                    citation_note="Club notice board",
                ),
                actor="setup",
            )
        store.close()
        bot = BotProcess(double, tmp_path / "work", CONFIG, db_path=db)
        async with bot.running():
            users = Users(double, bot)
            admin = users.admin.at(ids.facts_channel)
            add_forms = [admin.slash("fact add") for _ in range(25)]
            edit_forms = [
                admin.slash("fact edit", {"fact_id": f"club-note-{n}"}) for n in range(25)
            ]
            handles = await asyncio.gather(*add_forms, *edit_forms)
            forms = await asyncio.gather(*[h.response(timeout=20) for h in handles])

            new_texts = distinct_texts(50, seed=50)
            terminal_texts = distinct_texts(3, seed=3)
            added = set(new_texts[:25])
            edited = {f"club-note-{n}": new_texts[25 + n] for n in range(25)}
            texts = sorted(added) + [edited[f"club-note-{n}"] for n in range(25)]
            submits = [
                admin.send_form(
                    form, fact=text, **({"source": "Club garden plan"} if i < 25 else {})
                )
                for i, (form, text) in enumerate(zip(forms, texts, strict=True))
            ]
            questions = [f"{TOPICS[n % 4]} (asker {n})?" for n in range(200)]
            asks = [users.member.slash("ask", {"question": q}) for q in questions[:150]]
            mentions = [users.role_admin.post_mention(q) for q in questions[150:]]
            # The other processes first: they need a moment to start up before they write.
            others = [
                bot.run("knowledge", "backup", str(tmp_path / "online-backup.db")),
                *(
                    bot.add_fact_from_terminal(ids.guild, text, "https://example.org/terminal note")
                    for text in terminal_texts
                ),
            ]
            elsewhere = asyncio.gather(*others)
            await asyncio.sleep(0.3)
            results = await asyncio.gather(*submits, *asks, *mentions)
            submitted, asked = results[:50], results[50:200]
            for code, output in await elsewhere:
                assert code == 0, output
                assert "locked" not in output, output
            saved = await asyncio.gather(*[h.reply(timeout=30) for h in submitted])
            answers = await asyncio.gather(*[h.reply(timeout=30) for h in asked])
            mention_replies = [await users.role_admin.next_message(timeout=30) for _ in range(50)]
        assert [m.content.split(" `")[0] for m in saved] == ["Added"] * 25 + ["Updated"] * 25
        assert all(a.embeds for a in answers) and len(mention_replies) == 50
        assert double.violations == [], double.violations
    assert "database is locked" not in bot.log and "Traceback" not in bot.log, bot.log

    assert read_rows(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
    facts = {
        r["id"]: r["text"]
        for r in read_rows(db, "select id, text from facts where origin = 'admin'")
    }
    assert added <= set(facts.values())
    assert all(facts[fact_id] == text for fact_id, text in edited.items())
    assert set(terminal_texts) <= set(facts.values())
    by_discord = (
        "select action, count(*) n from audit_log where actor like 'discord:%' group by action"
    )
    counts = {r["action"]: r["n"] for r in read_rows(db, by_discord)}
    assert (counts.get("create"), counts.get("update")) == (25, 25)
    logged = [r["question"] for r in read_rows(db, "select question from question_log")]
    assert sorted(logged) == sorted(questions)

    backup = FactStore.open(tmp_path / "online-backup.db")
    try:
        assert backup.read("pragma integrity_check")[0]["integrity_check"] == "ok"
        assert backup.fact_counts()["curated"] > 50
    finally:
        backup.close()
