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
import sqlite3
import sys

import pytest

from knowledge.curation.build import build
from knowledge.models import Fact
from knowledge.store import FactStore
from tests.discord_double import DiscordDouble

from .harness import REPO, BotProcess, fill

pytestmark = pytest.mark.asyncio

CONFIG = "[bot]\nask_rate = 100000\nask_per_seconds = 1\nsync_commands_on_start = true\n"
TOPICS = ["How big is GREE", "When did LinkedIn launch in Japan", "Who runs Mobage", "What is mixi"]


async def run_module(args: list[str], env: dict) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=str(REPO),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(proc.communicate(), 60))[0].decode()
    return proc.returncode, output


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
                Fact(
                    id=f"club-note-{n}",
                    text=old_texts[n],
                    source_id=None,
                    paragraph=None,
                    quote="",
                    questions=(f"what does club note {n} say?",),
                    origin="admin",
                    guild_id=ids.guild,
                    citation_note="Club notice board",
                ),
                actor="setup",
            )
        store.close()
        bot = BotProcess(double, tmp_path / "work", CONFIG, db_path=db)
        await bot.start()
        try:
            g, ch, admin = ids.guild, ids.facts_channel, ids.admin
            add_forms = [double.slash_command(g, ch, admin, "fact add") for _ in range(25)]
            edit_forms = [
                double.slash_command(g, ch, admin, "fact edit", {"fact_id": f"club-note-{n}"})
                for n in range(25)
            ]
            handles = await asyncio.gather(*add_forms, *edit_forms)
            forms = await asyncio.gather(*[h.response(timeout=20) for h in handles])

            new_texts = distinct_texts(50, seed=50)
            terminal_texts = distinct_texts(3, seed=3)
            added = set(new_texts[:25])
            edited = {f"club-note-{n}": new_texts[25 + n] for n in range(25)}
            texts = sorted(added) + [edited[f"club-note-{n}"] for n in range(25)]
            submits = [
                double.submit_modal(
                    g,
                    ch,
                    admin,
                    form.data["custom_id"],
                    fill(form, fact=text, **({"source": "Club garden plan"} if i < 25 else {})),
                )
                for i, (form, text) in enumerate(zip(forms, texts, strict=True))
            ]
            questions = [f"{TOPICS[n % 4]}? (asker {n})" for n in range(200)]
            asks = [
                double.slash_command(g, ids.general_channel, ids.member, "ask", {"question": q})
                for q in questions[:150]
            ]
            mentions = [
                double.send_message(
                    g, ids.general_channel, ids.role_admin, f"<@{ids.bot}> {q}", [ids.bot]
                )
                for q in questions[150:]
            ]
            # The other processes first: they need a moment to start up before they write.
            others = [
                run_module(["knowledge", "backup", str(tmp_path / "online-backup.db")], bot.env),
                *(
                    run_module(
                        [
                            "knowledge",
                            "fact",
                            "add",
                            "--guild",
                            str(g),
                            "--text",
                            text,
                            "--citation",
                            "https://example.org/terminal note",
                        ],
                        bot.env,
                    )
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
            mention_replies = [
                await double.wait_for_message(channel_id=ids.general_channel, timeout=30)
                for _ in range(50)
            ]
        finally:
            await bot.stop()
        assert [m.content.split(" `")[0] for m in saved] == ["Added"] * 25 + ["Updated"] * 25
        assert all(a.embeds for a in answers) and len(mention_replies) == 50
        assert double.violations == [], double.violations
    assert "database is locked" not in bot.log and "Traceback" not in bot.log, bot.log

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        facts = dict(conn.execute("select id, text from facts where origin = 'admin'"))
        assert added <= set(facts.values())
        assert all(facts[fact_id] == text for fact_id, text in edited.items())
        assert set(terminal_texts) <= set(facts.values())
        updates = conn.execute(
            "select count(*) from audit_log where action = 'update' and actor like 'discord:%'"
        ).fetchone()[0]
        creates = conn.execute(
            "select count(*) from audit_log where action = 'create' and actor like 'discord:%'"
        ).fetchone()[0]
        assert (creates, updates) == (25, 25)
        logged = [r[0] for r in conn.execute("select question from question_log")]
        assert sorted(logged) == sorted(questions)
    finally:
        conn.close()

    backup = FactStore.open(tmp_path / "online-backup.db")
    try:
        assert backup.read("pragma integrity_check")[0]["integrity_check"] == "ok"
        assert backup.fact_counts()["curated"] > 50
    finally:
        backup.close()
