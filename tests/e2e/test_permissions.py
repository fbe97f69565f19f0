"""The permission matrix: every admin command for every kind of user."""

from __future__ import annotations

import json
import sqlite3

import pytest
import pytest_asyncio

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFUSED = "Only server admins"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(bot, double):
    """Fact Keepers becomes the admin role; the admin adds one server fact."""
    ids = double.ids
    await (
        await double.slash_command(
            ids.guild,
            ids.general_channel,
            ids.admin,
            "factbot admin-role",
            {"role": ids.fact_keepers_role},
        )
    ).reply(timeout=10)
    form = await (
        await double.slash_command(ids.guild, ids.general_channel, ids.admin, "fact add")
    ).response(timeout=10)
    fields = {
        c["custom_id"]: v
        for c, v in zip(
            [c for row in form.data["components"] for c in row["components"]],
            [
                "The Fact Club bake sale is on June 3.",
                "When is the bake sale?",
                "",
                "Club calendar",
                "",
            ],
            strict=True,
        )
        if v
    }
    added = await (
        await double.submit_modal(
            ids.guild, ids.general_channel, ids.admin, form.data["custom_id"], fields
        )
    ).reply(timeout=10)
    return added.content.split("`")[1]


def users(double):
    ids = double.ids
    return {
        "member": ids.member,
        "admin_by_permission": ids.admin,
        "admin_by_role": ids.role_admin,
        "owner": ids.owner,
    }


ADMIN_COMMANDS = [
    ("fact add", lambda f: {}),
    ("fact edit", lambda f: {"fact_id": f}),
    ("fact show", lambda f: {"fact_id": f}),
    ("fact history", lambda f: {"fact_id": f}),
    ("fact list", lambda f: {}),
    ("fact search", lambda f: {"query": "bake sale"}),
    ("fact unanswered", lambda f: {}),
    ("fact export", lambda f: {}),
    ("fact remove", lambda f: {"fact_id": f}),
    ("factbot autoanswer", lambda f: {"channel": 0, "state": "off"}),
]


@pytest.mark.parametrize("who", ["member", "admin_by_permission", "admin_by_role", "owner"])
@pytest.mark.parametrize(("command", "options"), ADMIN_COMMANDS, ids=[c for c, _ in ADMIN_COMMANDS])
async def test_admin_commands(bot, double, setup, who, command, options):
    ids = double.ids
    opts = options(setup)
    if "channel" in opts:
        opts["channel"] = ids.facts_channel
    handle = await double.slash_command(
        ids.guild, ids.general_channel, users(double)[who], command, opts
    )
    callback = await handle.response(timeout=10)
    if who == "member":
        assert callback.ephemeral and REFUSED in callback.content
        return
    if command in ("fact add", "fact edit"):
        assert callback.type == 9  # the form opens
    else:
        assert callback.type in (4, 5)  # a message, or "thinking" then one
        assert REFUSED not in callback.content


@pytest.mark.parametrize("who", ["member", "admin_by_permission", "admin_by_role", "owner"])
async def test_only_the_owner_may_edit_a_curated_fact(bot, double, who):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        users(double)[who],
        "fact edit",
        {"fact_id": "phones-went-down-march-11"},
    )
    callback = await handle.response(timeout=10)
    if who == "owner":
        assert callback.type == 9
    else:
        assert callback.ephemeral and (
            REFUSED in callback.content or "only the bot owner" in callback.content
        )


async def test_another_servers_admin_cannot_see_or_touch_this_servers_fact(bot, double, setup):
    ids = double.ids
    for command in ("fact show", "fact edit", "fact remove", "fact history"):
        handle = await double.slash_command(
            ids.guild2, ids.guild2_channel, ids.other_admin, command, {"fact_id": setup}
        )
        reply = await handle.reply(timeout=10)
        assert reply.ephemeral and "no fact with id" in reply.content, (command, reply.content)
    exported = await (
        await double.slash_command(ids.guild2, ids.guild2_channel, ids.other_admin, "fact export")
    ).reply(timeout=10)
    assert setup not in {f["id"] for f in json.loads(exported.files[0][1])["facts"]}
    handle = await double.autocomplete(
        ids.guild2, ids.guild2_channel, ids.other_admin, "fact show", {"fact_id": "bake"}, "fact_id"
    )
    assert (await handle.response(timeout=10)).data["choices"] == []


async def test_a_member_cannot_submit_an_admins_form(bot, double):
    ids = double.ids
    form = await (
        await double.slash_command(ids.guild, ids.general_channel, ids.admin, "fact add")
    ).response(timeout=10)
    text_input = form.data["components"][0]["components"][0]["custom_id"]
    source_input = form.data["components"][3]["components"][0]["custom_id"]
    before = sqlite3.connect(bot.db_path).execute("select count(*) from facts").fetchone()
    handle = await double.submit_modal(
        ids.guild,
        ids.general_channel,
        ids.member,
        form.data["custom_id"],
        {text_input: "Forged fact", source_input: "x"},
    )
    reply = await handle.reply(timeout=10)  # the form's own check refuses the member
    assert reply.ephemeral and REFUSED in reply.content, reply.content
    assert sqlite3.connect(bot.db_path).execute("select count(*) from facts").fetchone() == before
