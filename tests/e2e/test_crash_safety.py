"""Nothing confirmed is lost when the bot is killed mid-write.

The real bot (`python -m bot`) runs against the Discord double while admins add
and edit facts through the /fact forms and users ask with /ask and mentions.
At a random moment it gets SIGKILL. Then the database must pass
`PRAGMA integrity_check`, hold every change whose confirmation reached the
user, and hold every other change either whole or not at all: a fact row with
all its questions, keywords and audit entry, or none of them. The bot is
restarted on the same file (so start-up after a crash is exercised) and must
answer, including with the facts it confirmed before it died.

The moments are drawn from a seeded RNG; the seed is printed, and
FACTBOT_CRASH_SEED=<seed> replays a failing run's choices.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore
from tests.discord_double import DiscordDouble

from .harness import BotProcess, User, Users, bot_config, embed_text

pytestmark = pytest.mark.asyncio

ROUNDS = 24
UNLIMITED = bot_config(ask_rate=100000)
SPREAD_S = 0.3  # the burst's actions start over this long
KILL_WITHIN_S = 0.35  # SIGKILL lands this long after the burst starts, at most
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


@dataclass(frozen=True)
class Draft:
    """What the admin typed; the bot must store exactly this, or nothing."""

    text: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]

    @classmethod
    def random(cls, rng: random.Random) -> Draft:
        w = [word(rng) for _ in range(7)]
        return cls(
            text=f"The {w[0]} {w[1]} of {w[2]} keeps {w[3]} {w[4]} in {w[5]} {w[6]}.",
            questions=(f"What does the {w[0]} {w[1]} of {w[2]} keep?", f"{w[0]} {w[1]} {w[3]}"),
            keywords=(f"{w[0]} {w[1]}", w[2]),
        )

    def fields(self) -> dict[str, str]:
        return {
            "fact": self.text,
            "alternate": "\n".join(self.questions),
            "aliases": "\n".join(self.keywords),
        }


@dataclass
class Ledger:
    """What was attempted and what users were told, across every round."""

    drafts: dict[str, Draft] = field(default_factory=dict)  # text -> draft
    adds: dict[int, Draft] = field(default_factory=dict)  # modal-submit interaction -> draft
    edits: dict[int, tuple[str, Draft]] = field(default_factory=dict)  # ... -> (fact id, draft)
    asks: dict[int, str] = field(default_factory=dict)  # /ask interaction or message -> question
    allowed: dict[str, set[str]] = field(default_factory=dict)  # fact id -> acceptable texts
    confirmed_asks: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # this round's, reply never seen
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + n

    def collect(self, double: DiscordDouble) -> set[str]:
        """Read the confirmations that reached the double; returns the texts of
        this round's adds that were not confirmed."""
        told = {}
        for message in double.sent_messages:
            key = message.interaction_id
            if key is None and message.payload.get("message_reference"):
                key = int(message.payload["message_reference"]["message_id"])
            told.setdefault(key, message)
        lost_adds = set()
        for key, draft in self.adds.items():
            message = told.get(key)
            if message and message.content.startswith("Added `"):
                fact_id = message.content.split("`")[1]
                self.allowed[fact_id] = {draft.text}
                self.count("adds confirmed")
            else:
                lost_adds.add(draft.text)
                self.count("adds not confirmed")
        for key, (fact_id, draft) in self.edits.items():
            message = told.get(key)
            if message and message.content.startswith("Updated `"):
                self.allowed[fact_id] = {draft.text}
                self.count("edits confirmed")
            else:
                self.allowed[fact_id].add(draft.text)  # either version is whole
                self.count("edits not confirmed")
        for key, question in self.asks.items():
            if key in told:
                self.confirmed_asks.add(question)
                self.count("questions answered")
            else:
                self.unanswered.add(question)
                self.count("questions not answered")
        self.adds, self.edits, self.asks = {}, {}, {}
        return lost_adds


def read_only(db: Path) -> sqlite3.Connection:
    # Read-only, so the -wal the crash left stays for the restarted bot to recover.
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def check_database(db: Path, ledger: Ledger, lost_adds: set[str], where: str) -> None:
    conn = read_only(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", where
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], where
        facts = {
            r["id"]: r["text"] for r in conn.execute("select * from facts where origin = 'admin'")
        }
        for fact_id, text in facts.items():
            check_fact_is_whole(conn, fact_id, text, ledger, where)
        for fact_id, allowed in ledger.allowed.items():
            assert fact_id in facts, f"{where}: confirmed fact {fact_id} is missing"
            assert facts[fact_id] in allowed, f"{where}: {fact_id} has {facts[fact_id]!r}"
            ledger.allowed[fact_id] = {facts[fact_id]}  # what the next round builds on
        for fact_id, text in facts.items():
            if fact_id not in ledger.allowed:
                assert text in lost_adds, f"{where}: {fact_id} appeared from nowhere"
                ledger.allowed[fact_id] = {text}  # an unconfirmed add that made it, whole
                ledger.count("unconfirmed adds found whole")
        logged = [dict(r) for r in conn.execute("select * from question_log order by id")]
        questions = {r["question"] for r in logged}
        missing = ledger.confirmed_asks - questions
        assert not missing, f"{where}: answered questions missing from the log: {missing}"
        ledger.count("unanswered questions found logged", len(ledger.unanswered & questions))
        ledger.unanswered.clear()
        for row in logged:
            assert row["asked_at"] and row["status"] in ("answer", "suggest", "unknown"), row
            assert isinstance(json.loads(row["fact_ids"]), list), row
            assert isinstance(json.loads(row["scores"]), list), row
    finally:
        conn.close()


def check_fact_is_whole(
    conn: sqlite3.Connection, fact_id: str, text: str, ledger: Ledger, where: str
) -> None:
    """The fact is exactly a draft an admin submitted, with all its questions,
    keywords and an unbroken audit trail ending in this version."""
    draft = ledger.drafts.get(text)
    assert draft is not None, f"{where}: {fact_id} holds text nobody submitted: {text!r}"
    questions = tuple(
        r[0]
        for r in conn.execute(
            "select question from fact_questions where fact_id = ? order by position", [fact_id]
        )
    )
    keywords = tuple(
        r[0]
        for r in conn.execute(
            "select keyword from fact_keywords where fact_id = ? order by position", [fact_id]
        )
    )
    assert (questions, keywords) == (draft.questions, draft.keywords), f"{where}: {fact_id}"
    audit = conn.execute(
        "select action, before, after from audit_log where fact_id = ? order by id", [fact_id]
    ).fetchall()
    assert audit and audit[0]["action"] == "create", f"{where}: {fact_id} audit {audit}"
    for previous, entry in itertools.pairwise(audit):
        assert entry["action"] == "update" and entry["before"] == previous["after"], where
    last = json.loads(audit[-1]["after"])
    assert (last["text"], tuple(last["questions"]), tuple(last["keywords"])) == (
        text,
        draft.questions,
        draft.keywords,
    ), f"{where}: {fact_id}: the audit log does not end at the stored version"


async def add_fact(admin: User, ledger: Ledger, draft: Draft, delay: float) -> None:
    await asyncio.sleep(delay)
    form = await admin.open_form("fact add")
    handle = await admin.send_form(
        form, source="https://example.org/crash-test Crash test", **draft.fields()
    )
    ledger.adds[handle.id] = draft
    await handle.reply(timeout=10)


async def edit_fact(admin: User, ledger: Ledger, fact_id: str, draft: Draft, delay: float) -> None:
    await asyncio.sleep(delay)
    form = await admin.open_form("fact edit", {"fact_id": fact_id})
    handle = await admin.send_form(form, **draft.fields())
    ledger.edits[handle.id] = (fact_id, draft)
    await handle.reply(timeout=10)


async def ask_slash(asker: User, ledger: Ledger, question: str, delay: float) -> None:
    await asyncio.sleep(delay)
    handle = await asker.slash("ask", {"question": question})
    ledger.asks[handle.id] = question
    await handle.reply(timeout=10)


async def ask_mention(asker: User, ledger: Ledger, question: str, delay: float) -> None:
    await asyncio.sleep(delay)
    sent = await asker.post_mention(question)
    ledger.asks[int(sent["id"])] = question


def actor_of(users: Users, action) -> User:
    """Who does what: admins edit in #facts, users ask in #general."""
    if action in (add_fact, edit_fact):
        return users.admin.at(users.double.ids.facts_channel)
    return users.member if action is ask_slash else users.role_admin


def plan_burst(rng: random.Random, ledger: Ledger, round_no: int) -> list[tuple]:
    """This round's actions, drawn up front so the seed alone replays them."""
    actions: list[tuple] = []
    for _ in range(rng.randint(3, 6)):
        draft = Draft.random(rng)
        ledger.drafts[draft.text] = draft
        actions.append((add_fact, draft))
    editable = sorted(ledger.allowed)
    for fact_id in rng.sample(editable, min(len(editable), rng.randint(1, 3))):
        draft = Draft.random(rng)
        ledger.drafts[draft.text] = draft
        actions.append((edit_fact, fact_id, draft))
    topics = ["How big is GREE", "When did LinkedIn launch in Japan", "What is mixi", "zebra"]
    for i in range(rng.randint(10, 30)):
        question = f"{rng.choice(topics)} (round {round_no} question {i})?"
        actions.append((rng.choice([ask_slash, ask_slash, ask_mention]), question))
    rng.shuffle(actions)
    return [(*action, rng.uniform(0, SPREAD_S)) for action in actions]


async def check_bot_answers(double: DiscordDouble, ledger: Ledger, rng: random.Random) -> None:
    """After a restart the bot answers, from the article and from admin facts."""
    member = Users(double).member
    checks = [("How many users does GREE have?", "20 million")]
    if ledger.allowed:
        fact_id = rng.choice(sorted(ledger.allowed))
        (text,) = ledger.allowed[fact_id]
        checks.append((ledger.drafts[text].questions[0], text))
    for question, expected in checks:
        reply = await member.ask(question)
        assert expected in embed_text(reply), (question, embed_text(reply))


async def test_sigkill_during_writes_loses_nothing_confirmed_and_leaves_nothing_half_written(
    tmp_path,
):
    seed = int(os.environ.get("FACTBOT_CRASH_SEED") or secrets.randbits(32))
    print(f"crash test seed {seed} (replay: FACTBOT_CRASH_SEED={seed})")
    rng = random.Random(seed)
    db = tmp_path / "factbot.db"
    store = FactStore.open(db)
    build(store)
    store.close()
    ledger = Ledger()
    started = time.monotonic()
    for round_no in range(ROUNDS):
        where = f"seed {seed}, round {round_no}"
        async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
            bot = BotProcess(double, tmp_path / f"round-{round_no}", UNLIMITED, db_path=db)
            async with bot.running():
                await check_bot_answers(double, ledger, rng)
                plan = plan_burst(rng, ledger, round_no)
                kill_after = rng.uniform(0.02, KILL_WITHIN_S)
                users = Users(double, bot)
                tasks = [
                    asyncio.create_task(fn(actor_of(users, fn), ledger, *args))
                    for fn, *args in plan
                ]
                await asyncio.sleep(kill_after)
                bot.proc.kill()
                await bot.proc.wait()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            code = bot.exit_code
            assert code == -9, f"{where}: the bot exited by itself ({code}):\n{bot.log}"
            assert "Traceback" not in bot.log and "database is locked" not in bot.log, bot.log
            assert double.violations == [], double.violations
            lost_adds = ledger.collect(double)
        check_database(db, ledger, lost_adds, where)
    elapsed = time.monotonic() - started
    print(f"{ROUNDS} kills in {elapsed:.1f} s: {ledger.stats}")
    stats = ledger.stats
    assert stats.get("adds confirmed", 0) and stats.get("edits confirmed", 0), stats
    cut_short = ("adds not confirmed", "edits not confirmed", "questions not answered")
    assert sum(stats.get(what, 0) for what in cut_short), f"no kill landed mid-burst: {stats}"
    # The restarted bot still opens the file the last kill left, and answers.
    async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
        bot = BotProcess(double, tmp_path / "after", UNLIMITED, db_path=db)
        async with bot.running():
            await check_bot_answers(double, ledger, rng)
        assert bot.exit_code in (0, -15)
