"""Every running bot picks up what other processes change in the shared
database, without a restart: another shard's /fact and /factbot commands, and
`python -m knowledge` in a terminal."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.discord_double import DiscordDouble

from .harness import FAST, BotProcess, Users, assert_clean_log, embed_text, new_fact_id

pytestmark = pytest.mark.asyncio

PROPAGATION_SECONDS = 2.0  # what issue 13 asks for
GREE = "gree-mobage-town-over-20-million-users-each"


async def answered_within(user, question: str, phrase: str, *, present: bool = True) -> float:
    """Ask `question` again and again until the answer holds `phrase` (or, with
    present=False, no longer does). Fails unless a question sent within
    PROPAGATION_SECONDS of now got that answer; returns when it was sent."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        sent = loop.time() - start
        text = embed_text(await user.ask(question))
        if (phrase in text) == present:
            return sent
        assert sent <= PROPAGATION_SECONDS, f"still {'not ' if present else ''}answered: {text}"
        await asyncio.sleep(0.1)


async def status_json(process: BotProcess) -> dict:
    """`python -m bot status --json` of `process` (healthy or not)."""
    code, output = await process.run("bot", "status", "--json")
    status = json.loads(output)
    assert code == (0 if status["healthy"] else 1), output
    return status


async def index_caught_up(process: BotProcess, seq: int) -> float:
    """Seconds until `process` reports (in `python -m bot status`) that its index
    applied change `seq`; fails past PROPAGATION_SECONDS."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        index = (await status_json(process))["index"]
        if index["applied_change"] >= seq:
            return loop.time() - start
        assert loop.time() - start <= PROPAGATION_SECONDS, index
        await asyncio.sleep(0.1)


def latest_change(process: BotProcess, kind: str, key: int | str) -> int:
    return process.count(
        "select max(seq) from changes where kind = ? and key = ?", [kind, str(key)]
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """The bots' database: "" for an SQLite file, else a new PostgreSQL database."""
    return request.getfixturevalue("pg_database")("empty") if request.param != "sqlite" else ""


def shard_process(
    double: DiscordDouble, home, guild_id: int, db_url: str, sharing: BotProcess | None = None
) -> BotProcess:
    """A bot process running the shard (of two) that serves `guild_id`, on the
    database of `sharing` when given."""
    config = FAST + f"shard_count = 2\nshard_ids = [{double.shard_of(guild_id)}]\n"
    if sharing is None:
        return BotProcess(double, home, config, db_url=db_url)
    return BotProcess(double, home, config, db_path=sharing.db_path, db_url=db_url)


async def test_two_shard_processes_on_one_database_see_each_others_changes(tmp_path, db_url):
    async with DiscordDouble.with_default_world(shard_count=2) as double:
        ids = double.ids
        first = shard_process(double, tmp_path / "a", ids.guild, db_url)
        second = shard_process(double, tmp_path / "b", ids.guild2, db_url, first)
        assert double.shard_of(ids.guild) != double.shard_of(ids.guild2)
        await asyncio.gather(first.start(), second.start())
        try:
            users = Users(double, first)
            in_guild2 = users.member.at(ids.guild2_channel, ids.guild2)
            assert "20 million" in embed_text(await in_guild2.ask("how big is GREE?"))

            # The owner edits a curated fact (every server's) through the first
            # process; the second answers with the new text.
            form = await users.owner.open_form("fact edit", {"fact_id": GREE})
            reply = await users.owner.submit(
                form,
                fact="GREE and Mobage Town each had over 21 million users in 2011.",
            )
            assert reply.content.startswith("Updated"), reply.content
            await answered_within(in_guild2, "how big is GREE?", "21 million")

            # An admin's /fact add and /factbot autoanswer on the first shard reach
            # the second process's index (Discord sends a server's events to one
            # shard only, so the second reports it in `python -m bot status`).
            added = await users.admin.add_fact(
                fact="The Fact Club quiz night is every Thursday at 9 pm.",
                alternate="When is quiz night?",
                source="https://example.org/club Club calendar",
            )
            fact_id = new_fact_id(added)
            await index_caught_up(second, latest_change(first, "fact", fact_id))
            switched = await users.admin.command(
                "factbot autoanswer", {"channel": ids.facts_channel, "state": "on"}
            )
            assert "now **on**" in switched.content
            await index_caught_up(second, latest_change(first, "settings", ids.guild))
            status = await status_json(second)
            assert status["index"]["behind"] == 0, status
            # Either process's status shows the other's index too.
            others = (await status_json(first))["other_processes"]
            assert [(o["shard_ids"], o["behind"]) for o in others] == [(status["shard_ids"], 0)], (
                others
            )
        finally:
            await first.stop()
            await second.stop()
        assert first.db_path.exists() == (not db_url)  # the file, or only the server
        assert_clean_log(first)
        assert_clean_log(second)


async def test_a_shard_killed_leaves_the_other_answering_and_writing(tmp_path, db_url):
    # SIGKILL of one shard process, mid-run: the other keeps answering, takes
    # an admin's change, and the killed one's restart sees it.
    async with DiscordDouble.with_default_world(shard_count=2) as double:
        ids = double.ids
        first = shard_process(double, tmp_path / "a", ids.guild2, db_url)
        second = shard_process(double, tmp_path / "b", ids.guild, db_url, first)
        await asyncio.gather(first.start(), second.start())
        try:
            users = Users(double, second)
            assert first.proc is not None
            first.proc.kill()
            assert await first.proc.wait() == -9
            assert "20 million" in embed_text(await users.member.ask("how big is GREE?"))
            added = await users.admin.add_fact(
                fact="The Fact Club quiz night is every Thursday at 9 pm.",
                alternate="When is quiz night?",
                source="https://example.org/club Club calendar",
            )
            assert added.content.startswith("Added"), added.content
            await answered_within(users.member, "when is quiz night?", "Thursday")
            restarted = shard_process(double, tmp_path / "c", ids.guild2, db_url, first)
            await restarted.start()
            try:
                await index_caught_up(restarted, latest_change(second, "fact", new_fact_id(added)))
            finally:
                await restarted.stop()
            assert_clean_log(restarted)
        finally:
            await first.stop()
            await second.stop()
        assert_clean_log(second)


BOOK_SWAP = "when is the fact club book swap?"


async def book_swap_from_terminal(process: BotProcess, member, guild_id: int) -> str:
    """`python -m knowledge fact add` of the book swap, answered by the running
    bot within PROPAGATION_SECONDS; the new fact's id."""
    code, output = await process.add_fact_from_terminal(
        guild_id,
        "The Fact Club book swap is on the first Sunday of each month.",
        "https://example.org/club Club calendar",
        "--question",
        "When is the book swap?",
    )
    assert code == 0, output
    await answered_within(member, BOOK_SWAP, "first Sunday")
    return output.split()[1]


async def test_terminal_fact_commands_reach_the_running_bot_on_postgres(tmp_path, pg_database):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path, FAST, db_url=pg_database("empty"))
        async with process.running():
            member = Users(double, process).member
            fact_id = await book_swap_from_terminal(process, member, double.ids.guild)
            code, output = await process.run("knowledge", "fact", "remove", fact_id)
            assert code == 0, output
            await answered_within(member, BOOK_SWAP, "first Sunday", present=False)
        assert not process.db_path.exists()  # the bot and the terminal used the server
        assert_clean_log(process)


async def test_terminal_changes_reach_the_running_bot(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path, FAST)
        async with process.running():
            member = Users(double, process).member
            question = BOOK_SWAP
            fact_id = await book_swap_from_terminal(process, member, double.ids.guild)

            backup = tmp_path / "before-remove.db"
            code, output = await process.run("knowledge", "backup", str(backup))
            assert code == 0, output
            code, output = await process.run("knowledge", "fact", "remove", fact_id)
            assert code == 0, output
            await answered_within(member, question, "first Sunday", present=False)

            # A restore while the bot runs: it reloads the restored database.
            code, output = await process.run("knowledge", "restore", str(backup))
            assert code == 0 and "kept as" in output, output
            await answered_within(member, question, "first Sunday")
        assert_clean_log(process)


async def test_a_bulk_import_from_the_terminal_reaches_the_running_bot(tmp_path):
    records = [
        {
            "id": f"swap-{n:04d}",
            "text": f"Book swap table {n} holds the Quillon {n} novels.",
            "questions": [f"Where are the Quillon {n} novels?"],
            "citation": "https://example.org/club Club calendar",
        }
        for n in range(3000)  # more than /fact import takes: two batches
    ]
    path = tmp_path / "swap.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    async with DiscordDouble.with_default_world() as double:
        ids = double.ids
        process = BotProcess(double, tmp_path, FAST)
        async with process.running():
            member = Users(double, process).member
            code, output = await process.run(
                "knowledge", "fact", "import", str(path), "--guild", str(ids.guild), "--apply"
            )
            assert code == 0 and "Applied: 3000 added" in output, output
            await answered_within(member, "where are the quillon 2999 novels?", "table 2999")
            assert process.count("select count(*) from changes where kind = 'facts'") == 2
        assert_clean_log(process)
