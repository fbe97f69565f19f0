"""/fact alias: a server's admins teach FactBot their own names for things; the
names apply to that server's questions and facts only, and are audited."""

from __future__ import annotations

import pytest

from .harness import embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFUSED = "Only server admins"
SERVER_ONLY = "only in a server"
BLUE_SITE = "how many users did the blue site have in japan?"
DM_CHANNEL = 1_100_000_000_900_000_011


def alias_rows(bot) -> list[dict]:
    return bot.rows("select guild_id, alias, canonical from server_aliases order by rowid")


async def test_a_member_cannot_add_list_or_remove_aliases(bot, users):
    before = alias_rows(bot)
    for name, options in (
        ("fact alias add", {"name": "the blue site", "canonical": "Facebook"}),
        ("fact alias list", {}),
        ("fact alias remove", {"name": "the blue site"}),
    ):
        reply = await users.member.command(name, options)
        assert reply.ephemeral and REFUSED in reply.content, (name, reply.content)
        dm = await users.admin.at(DM_CHANNEL, guild=None).command(name, options)
        assert SERVER_ONLY in dm.content, (name, dm.content)
    assert alias_rows(bot) == before
    assert bot.count("select count(*) from audit_log where action like 'alias-%'") == 0


async def test_an_admins_alias_answers_that_servers_questions_only(bot, users):
    before = await users.member.ask(BLUE_SITE)
    assert "11 million" not in embed_text(before)
    reply = await users.admin.command(
        "fact alias add", {"name": "The Blue Site", "canonical": "Facebook"}
    )
    assert reply.ephemeral and "the blue site" in reply.content and "Facebook" in reply.content
    assert reply.allowed_mentions is not None
    answer = await users.member.ask(BLUE_SITE)
    assert "11 million" in embed_text(answer)
    elsewhere = await users.other_admin.ask(BLUE_SITE)
    assert "11 million" not in embed_text(elsewhere)
    (row,) = bot.rows("select * from audit_log where action = 'alias-add'")
    assert row["guild_id"] == users.admin.guild and row["actor"] == f"discord:{users.admin.id}"
    assert "Facebook" in row["after"]


async def test_each_server_lists_only_its_own_aliases(users):
    listed = await users.admin.command("fact alias list")
    assert "the blue site → Facebook" in listed.content
    other = await users.other_admin.command("fact alias list")
    assert "blue site" not in other.content and "no aliases" in other.content


async def test_another_servers_admin_cannot_remove_this_servers_alias(bot, users):
    reply = await users.other_admin.command("fact alias remove", {"name": "the blue site"})
    assert reply.ephemeral and "no alias" in reply.content
    assert [r["alias"] for r in alias_rows(bot)] == ["the blue site"]


async def test_removing_an_alias_stops_it_and_is_audited(bot, users):
    reply = await users.admin.command("fact alias remove", {"name": "THE BLUE SITE"})
    assert reply.ephemeral and "Removed" in reply.content and "Facebook" in reply.content
    assert alias_rows(bot) == []
    assert "11 million" not in embed_text(await users.member.ask(BLUE_SITE))
    assert bot.count("select count(*) from audit_log where action = 'alias-remove'") == 1


async def test_a_malformed_alias_gets_a_clear_refusal(bot, users):
    for options, expected in (
        ({"name": "!!!", "canonical": "Facebook"}, "letter or digit"),
        ({"name": "facebook", "canonical": "Facebook"}, "must differ"),
    ):
        reply = await users.admin.command("fact alias add", options)
        assert reply.ephemeral and expected in reply.content, reply.content
    assert alias_rows(bot) == []
