"""The permission matrix: every admin command for every kind of user."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from .harness import modal_inputs, new_fact_id

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFUSED = "Only server admins"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(double, users):
    """Fact Keepers becomes the admin role; the admin adds one server fact."""
    admin = users.admin
    await admin.command("factbot admin-role", {"role": double.ids.fact_keepers_role})
    form = await admin.open_form("fact add")
    assert len(modal_inputs(form)) == 5
    added = await admin.submit(
        form,
        fact="The Fact Club bake sale is on June 3.",
        alternate="When is the bake sale?",
        source="Club calendar",
    )
    return new_fact_id(added)


@pytest.fixture(scope="module")
def people(users):
    return {
        "member": users.member,
        "admin_by_permission": users.admin,
        "admin_by_role": users.role_admin,
        "owner": users.owner,
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
async def test_admin_commands(double, people, setup, who, command, options):
    opts = options(setup)
    if "channel" in opts:
        opts["channel"] = double.ids.facts_channel
    callback = await (await people[who].slash(command, opts)).response(timeout=10)
    if who == "member":
        assert callback.ephemeral and REFUSED in callback.content
        return
    if command in ("fact add", "fact edit"):
        assert callback.type == 9  # the form opens
    else:
        assert callback.type in (4, 5)  # a message, or "thinking" then one
        assert REFUSED not in callback.content


@pytest.mark.parametrize("who", ["member", "admin_by_permission", "admin_by_role", "owner"])
async def test_only_the_owner_may_edit_a_curated_fact(people, who):
    handle = await people[who].slash("fact edit", {"fact_id": "phones-went-down-march-11"})
    callback = await handle.response(timeout=10)
    if who == "owner":
        assert callback.type == 9
    else:
        assert callback.ephemeral and (
            REFUSED in callback.content or "only the bot owner" in callback.content
        )


async def test_another_servers_admin_cannot_see_or_touch_this_servers_fact(users, setup):
    other_admin = users.other_admin
    for command in ("fact show", "fact edit", "fact remove", "fact history"):
        reply = await other_admin.command(command, {"fact_id": setup})
        assert reply.ephemeral and "no fact with id" in reply.content, (command, reply.content)
    exported = await other_admin.command("fact export")
    assert setup not in {f["id"] for f in json.loads(exported.files[0][1])["facts"]}
    assert await other_admin.autocomplete("fact show", "fact_id", "bake") == []


async def test_a_member_cannot_submit_an_admins_form(bot, users):
    form = await users.admin.open_form("fact add")
    before = bot.count("select count(*) from facts")
    # the form's own check refuses the member
    reply = await users.member.submit(form, fact="Forged fact", source="x")
    assert reply.ephemeral and REFUSED in reply.content, reply.content
    assert bot.count("select count(*) from facts") == before
