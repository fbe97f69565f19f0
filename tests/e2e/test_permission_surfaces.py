"""Every admin surface for every kind of user.

Each /fact and /factbot subcommand, each button and menu of the curation views,
the form, the vote and pick buttons and autocomplete, tried by a plain member,
an admin by permission, an admin by role, the bot owner, an admin of another
server and somebody in a DM, plus component presses forged onto other messages.
A refusal is a private reply and the database exactly as it was.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import pytest_asyncio

from .harness import User, button, custom_ids, embed_text, new_fact_id, select_menu

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFUSED = "Only server admins"
SERVER_ONLY = "only in a server"
NOT_FOUND = "no fact with id"
DM_CHANNEL = 1_100_000_000_900_000_001
DM_OWNER_CHANNEL = 1_100_000_000_900_000_002
TABLES = (
    "facts",
    "fact_questions",
    "fact_keywords",
    "audit_log",
    "question_log",
    "feedback",
    "guild_settings",
    "auto_answer_channels",
)
ALL_ACTORS = ("member", "admin", "role_admin", "owner", "other_admin", "dm_admin", "dm_owner")
GUILD_ADMINS = ("admin", "role_admin", "owner")


@pytest.fixture(scope="module")
def actors(users) -> dict[str, User]:
    return {
        "member": users.member,
        "admin": users.admin,  # Manage Server
        "role_admin": users.role_admin,  # Fact Keepers
        "owner": users.owner,  # the application's owner
        "other_admin": users.other_admin,
        "dm_admin": users.admin.at(DM_CHANNEL, guild=None),
        "dm_owner": users.owner.at(DM_OWNER_CHANNEL, guild=None),
    }


# -- database -----------------------------------------------------------------------
def snapshot(bot) -> dict[str, list]:
    return {t: bot.rows(f"select * from {t} order by rowid") for t in TABLES}


def is_removed(bot, fact_id: str) -> bool:
    (row,) = bot.rows("select deleted_at from facts where id = ?", [fact_id])
    return row["deleted_at"] is not None


# -- acting -----------------------------------------------------------------------------
async def outcome(handle):
    """The modal callback (type 9), or the message that answers the interaction."""
    callback = await handle.response(timeout=10)
    if callback.type == 9:
        return callback
    if callback.type == 5:  # "thinking", then a follow-up
        return await handle.reply(timeout=10)
    return next(m for m in handle.messages() if m.kind == "response")


async def barrier(users) -> None:
    """Wait until the bot has handled every event dispatched before this one."""
    await users.member.command("help")


def assert_refused(reply, text: str = REFUSED) -> None:
    assert reply.ephemeral and text in reply.content, reply.content


def assert_refused_and_unchanged(bot, before, reply, who: str, to_other_admin: str) -> None:
    """A member is refused as no admin, `other_admin` with `to_other_admin`, anybody
    in a DM as outside a server; and the database is as it was."""
    expected = {"member": REFUSED, "other_admin": to_other_admin}.get(who, SERVER_ONLY)
    assert_refused(reply, expected)
    assert snapshot(bot) == before


def copy_of(double, message, actor: User) -> dict:
    """The same components on another message, where the forger can press them."""
    if actor.guild is None:
        double.world.ensure_dm_channel(actor.channel, actor.id)
    return double.add_message(
        actor.channel, double.ids.bot, "forged", components=message.components
    )


async def add_fact(actor: User, text: str, question: str = "") -> str:
    reply = await actor.add_fact(fact=text, alternate=question, source="Club calendar")
    assert reply.content.startswith("Added `"), reply.content
    return new_fact_id(reply)


async def remove_fact(actor: User, fact_id: str) -> None:
    confirm = await actor.command("fact remove", {"fact_id": fact_id})
    done = await actor.press(confirm, button(confirm, "Remove"))
    assert "Removed" in done.content, done.content


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(double, actors):
    """Fact Keepers is the admin role; Fact Club has a live and a removed fact, the
    other server a fact of its own, and there are unanswered questions to review."""
    admin = actors["admin"]
    await admin.command("factbot admin-role", {"role": double.ids.fact_keepers_role})
    fact = await add_fact(admin, "The Fact Club bake sale is on June 3.", "When is the bake sale?")
    removed = await add_fact(admin, "The Fact Club picnic is cancelled this year.")
    await remove_fact(admin, removed)
    other = await add_fact(
        actors["other_admin"], "The Fact Club rivals meet on Fridays in the lobby."
    )
    for question in ("Who won the chess tournament?", "What is the club's favourite colour?"):
        await actors["member"].ask(question)
    return SimpleNamespace(fact=fact, removed=removed, other=other)


# -- slash commands that change nothing by themselves ----------------------------------
def import_file(double, actor: User) -> str:
    facts = [{"id": "club-raffle-prize", "text": "The raffle prize is a bicycle.", "citation": "x"}]
    channel = actor.channel if actor.guild else double.ids.general_channel
    return double.upload_attachment(channel, "facts.json", json.dumps({"facts": facts}).encode())


NO_CHANGE = [
    ("fact add", lambda w, d, a: {}),
    ("fact edit", lambda w, d, a: {"fact_id": w.fact}),
    ("fact show", lambda w, d, a: {"fact_id": w.fact}),
    ("fact history", lambda w, d, a: {"fact_id": w.fact}),
    ("fact list", lambda w, d, a: {}),
    ("fact search", lambda w, d, a: {"query": "bake sale"}),
    ("fact unanswered", lambda w, d, a: {}),
    ("fact export", lambda w, d, a: {}),
    ("fact remove", lambda w, d, a: {"fact_id": w.fact}),  # asks first
    ("fact import", lambda w, d, a: {"file": import_file(d, a)}),  # a dry run first
]
BY_ID = {"fact edit", "fact show", "fact history", "fact remove"}


@pytest.mark.parametrize("who", ALL_ACTORS)
@pytest.mark.parametrize(("command", "options"), NO_CHANGE, ids=[c for c, _ in NO_CHANGE])
async def test_commands_that_only_show_or_ask(bot, double, actors, world, who, command, options):
    actor = actors[who]
    before = snapshot(bot)
    result = await outcome(await actor.slash(command, options(world, double, actor)))
    if who == "member":
        assert_refused(result)
    elif who.startswith("dm_"):
        assert_refused(result, SERVER_ONLY)
    elif who == "other_admin" and command in BY_ID:
        assert_refused(result, NOT_FOUND)  # another server's fact is as good as missing
    elif command in ("fact add", "fact edit"):
        assert result.type == 9  # the form opens
    else:
        text = embed_text(result)
        assert REFUSED not in text
        shown = text + "".join(f[1].decode() for f in result.files)
        if who == "other_admin":  # allowed in its own server, and sees only that
            assert world.fact not in shown and "June 3" not in shown
            assert "chess" not in shown
        elif command in ("fact show", "fact search", "fact export"):
            assert world.fact in shown or "bake sale" in shown
    assert snapshot(bot) == before


# -- slash commands that change something --------------------------------------------
@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_restore(bot, actors, world, who):
    actor = actors[who]
    if not is_removed(bot, world.removed):
        await remove_fact(actors["admin"], world.removed)
    before = snapshot(bot)
    reply = await actor.command("fact restore", {"fact_id": world.removed})
    if who in GUILD_ADMINS:
        assert "Restored" in reply.content and not is_removed(bot, world.removed)
        return
    assert_refused_and_unchanged(bot, before, reply, who, NOT_FOUND)


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_autoanswer(bot, double, actors, world, who):
    actor, ids = actors[who], double.ids
    before = snapshot(bot)
    # Everyone names Fact Club's #facts, the other server's admin included.
    reply = await actor.command("factbot autoanswer", {"channel": ids.facts_channel, "state": "on"})
    row = "select guild_id from auto_answer_channels where channel_id = ?"
    if who in GUILD_ADMINS:
        assert "now **on**" in reply.content
        assert bot.rows(row, [ids.facts_channel]) == [{"guild_id": ids.guild}]
        off = await actor.command(
            "factbot autoanswer", {"channel": ids.facts_channel, "state": "off"}
        )
        assert "now **off**" in off.content and bot.rows(row, [ids.facts_channel]) == []
        return
    assert_refused_and_unchanged(bot, before, reply, who, "pick one from Discord")


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_admin_role(bot, double, actors, world, who):
    actor, ids = actors[who], double.ids
    before = snapshot(bot)
    role = ids.guild2_admins_role if who == "other_admin" else ids.fact_keepers_role
    reply = await actor.command("factbot admin-role", {"role": role})
    setting = "select admin_role_id, updated_by from guild_settings where guild_id = ?"
    if who in GUILD_ADMINS:
        assert "can now administer" in reply.content
        assert bot.rows(setting, [ids.guild]) == [
            {"admin_role_id": ids.fact_keepers_role, "updated_by": f"discord:{actor.id}"}
        ]
        return
    if who == "other_admin":  # its own server's setting, and only that
        assert "can now administer" in reply.content
        assert bot.rows(setting, [ids.guild2])[0]["admin_role_id"] == ids.guild2_admins_role
        (own,) = [r for r in before["guild_settings"] if r["guild_id"] == ids.guild]
        assert bot.rows(setting, [ids.guild]) == [
            {"admin_role_id": own["admin_role_id"], "updated_by": own["updated_by"]}
        ]
        return
    assert_refused(reply, REFUSED if who == "member" else SERVER_ONLY)
    assert snapshot(bot) == before


# -- buttons of the curation views ------------------------------------------------------
PRESSERS = ("member", "role_admin", "owner", "other_admin", "dm_admin")  # not the opener


async def assert_only_the_opener_may_press(bot, users, actors, message, which: dict) -> None:
    """Everybody but the admin who opened the view is refused on the message itself,
    and a forged copy of the button on another message does nothing at all."""
    before = snapshot(bot)
    for name in PRESSERS:
        assert_refused(await actors[name].press(message, which))
    forged = []
    for name in ("member", "other_admin", "dm_admin"):
        copy = copy_of(users.double, message, actors[name])
        forged.append(await actors[name].click(copy, which))
    await barrier(users)
    assert [h.messages() for h in forged] == [[], [], []]
    assert not any(h.acknowledged for h in forged)
    assert snapshot(bot) == before


async def near_duplicate_prompt(admin: User, text: str):
    warned = await admin.add_fact(fact=text, source="Club calendar")
    assert "already has" in embed_text(warned)
    return warned


async def test_save_anyway_and_cancel(bot, users, actors, world):
    admin = actors["admin"]
    warned = await near_duplicate_prompt(admin, "The Fact Club bake sale is on June 3!")
    for label in ("Save anyway", "Cancel"):
        await assert_only_the_opener_may_press(bot, users, actors, warned, button(warned, label))
    count = bot.count("select count(*) from facts")
    saved = await admin.press(warned, button(warned, "Save anyway"))
    assert "Added `" in saved.content
    assert bot.count("select count(*) from facts") == count + 1

    warned = await near_duplicate_prompt(admin, "The Fact Club bake sale is on June 3!!")
    before = snapshot(bot)
    cancelled = await admin.press(warned, button(warned, "Cancel"))
    assert "nothing changed" in cancelled.content and snapshot(bot) == before


async def test_remove_confirmation(bot, users, actors, world):
    admin = actors["admin"]
    target = await add_fact(admin, "The Fact Club lantern walk starts at the pier.")
    confirm = await admin.command("fact remove", {"fact_id": target})
    for label in ("Remove", "Cancel"):
        await assert_only_the_opener_may_press(bot, users, actors, confirm, button(confirm, label))
    assert not is_removed(bot, target)
    done = await admin.press(confirm, button(confirm, "Remove"))
    assert "Removed" in done.content and is_removed(bot, target)


async def test_an_admin_who_loses_the_role_cannot_finish(bot, double, actors, world):
    admin, role_admin = actors["admin"], actors["role_admin"]
    target = await add_fact(admin, "The Fact Club kite day is in April.")
    confirm = await role_admin.command("fact remove", {"fact_id": target})
    await admin.command("factbot admin-role")  # cleared
    try:
        assert_refused(await role_admin.press(confirm, button(confirm, "Remove")))
        assert not is_removed(bot, target)
    finally:
        await admin.command("factbot admin-role", {"role": double.ids.fact_keepers_role})


async def test_import_apply(bot, double, users, actors, world):
    admin = actors["admin"]
    lost_and_found = {
        "id": "club-lost-and-found",
        "text": "Lost things go to Aiko.",
        "citation": "x",
    }
    dry = await admin.import_facts([lost_and_found])
    for label in ("Apply", "Cancel"):
        await assert_only_the_opener_may_press(bot, users, actors, dry, button(dry, label))
    assert bot.rows("select 1 from facts where id = 'club-lost-and-found'") == []
    done = await admin.press(dry, button(dry, "Apply"))
    assert "1 added" in done.content
    assert bot.rows("select guild_id from facts where id = 'club-lost-and-found'") == [
        {"guild_id": double.ids.guild}
    ]


async def test_page_buttons(bot, users, actors, world):
    admin = actors["admin"]
    listed = await admin.command("fact list")
    assert "Page 1 of" in embed_text(listed)
    await assert_only_the_opener_may_press(bot, users, actors, listed, button(listed, "▶"))
    page2 = await admin.press(listed, button(listed, "▶"))
    assert "Page 2 of" in embed_text(page2)
    await assert_only_the_opener_may_press(bot, users, actors, page2, button(page2, "◀"))
    page1 = await admin.press(page2, button(page2, "◀"))
    assert "Page 1 of" in embed_text(page1)


async def test_review_queue_buttons(bot, users, actors, world):
    admin = actors["admin"]
    queue = await admin.command("fact unanswered")
    assert "chess tournament" in embed_text(queue)
    for label in ("Answer #1", "Dismiss #1"):
        await assert_only_the_opener_may_press(bot, users, actors, queue, button(queue, label))
    form = await (await admin.click(queue, button(queue, "Answer #1"))).response(timeout=10)
    assert form.type == 9
    pending = "select count(*) from question_log where status = 'unknown' and reviewed_at is null"
    before = bot.count(pending)
    await admin.press(queue, button(queue, "Dismiss #1"))
    assert bot.count(pending) < before


async def test_rollback_menu(bot, users, actors, world):
    admin = actors["admin"]
    target = await add_fact(admin, "The Fact Club choir sings on Sundays.")
    form = await admin.open_form("fact edit", {"fact_id": target})
    await admin.submit(form, fact="The Fact Club choir sings on Mondays.")
    history = await admin.command("fact history", {"fact_id": target})
    menu = select_menu(history)
    first = next(o["value"] for o in menu["options"] if "create" in o["label"])
    before = snapshot(bot)
    for name in PRESSERS:
        reply = await (await actors[name].choose(history, menu["custom_id"], [first])).reply(
            timeout=10
        )
        assert_refused(reply)
    forged = []
    for name in ("member", "other_admin"):
        copy = copy_of(users.double, history, actors[name])
        forged.append(await actors[name].choose(copy, menu["custom_id"], [first]))
    await barrier(users)
    assert not any(h.acknowledged for h in forged)
    assert snapshot(bot) == before
    rolled = await (await admin.choose(history, menu["custom_id"], [first])).reply(timeout=10)
    assert "Rolled" in rolled.content
    assert bot.rows("select text from facts where id = ?", [target]) == [
        {"text": "The Fact Club choir sings on Sundays."}
    ]


# -- the form --------------------------------------------------------------------------
async def test_only_the_admin_who_opened_the_form_can_submit_it(bot, double, actors, world):
    admin = actors["admin"]
    form = await admin.open_form("fact add")
    fields = {"fact": "The Fact Club treasurer is Ren.", "source": "Club calendar"}
    before = snapshot(bot)
    for name in ("member", "role_admin", "owner", "other_admin", "dm_admin", "dm_owner"):
        actor = actors[name]
        if actor.guild is None:
            double.world.ensure_dm_channel(actor.channel, actor.id)
        assert_refused(await actor.submit(form, **fields))
    assert snapshot(bot) == before
    added = await admin.submit(form, **fields)
    assert added.content.startswith("Added `")


async def test_a_curated_fact_form_opened_by_the_owner_cannot_be_saved_by_an_admin(
    bot, actors, world
):
    form = await actors["owner"].open_form("fact edit", {"fact_id": "phones-went-down-march-11"})
    assert form.type == 9
    before = snapshot(bot)
    assert_refused(await actors["admin"].submit(form, fact="Phones were fine on March 11."))
    assert snapshot(bot) == before


# -- vote and pick: anyone in the server, nobody elsewhere -------------------------------
async def test_vote_and_pick_buttons(bot, double, actors, world):
    answer = await actors["member"].ask("How big is GREE?")
    (up,) = custom_ids(answer, end=":up")
    unsure = await actors["member"].ask("Who founded Facebook?")
    pick = next(c for c in custom_ids(unsure) if "factbot:pick:" in c)
    before = snapshot(bot)
    for name in ("other_admin", "dm_admin", "dm_owner"):
        for message, custom_id in ((answer, up), (unsure, pick)):
            copy = copy_of(double, message, actors[name])
            assert_refused(await actors[name].press(copy, custom_id), "no longer available")
    assert snapshot(bot) == before
    for name in ("member", "admin", "role_admin", "owner"):
        voted = await actors[name].press(answer, up)
        assert "recorded" in voted.content
        picked = await actors[name].press(unsure, pick)
        assert "Facebook" in embed_text(picked)
    question_id = int(up.split(":")[2])
    assert bot.count("select count(*) from feedback where question_id = ?", [question_id]) == 4


# -- autocomplete ------------------------------------------------------------------------
async def choices(double, actor: User, command: str, typed: str) -> list[str]:
    if actor.guild is None:
        double.world.ensure_dm_channel(actor.channel, actor.id)
    return [c["value"] for c in await actor.autocomplete(command, "fact_id", typed)]


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_autocomplete(bot, double, actors, world, who):
    actor = actors[who]
    if not is_removed(bot, world.removed):
        await remove_fact(actors["admin"], world.removed)
    live = await choices(double, actor, "fact show", "fact-club")
    removed = await choices(double, actor, "fact restore", "fact-club")
    assert world.removed not in live and world.fact not in removed  # each list its own kind
    if who in GUILD_ADMINS:
        assert world.fact in live and world.removed in removed
        assert world.other not in live + removed
    elif who == "other_admin":
        assert world.other in live
        assert world.fact not in live and world.removed not in removed
    else:
        assert live == [] and removed == []


# -- everyone's commands: DMs and the owner-only statistics ------------------------------
@pytest.mark.parametrize(
    ("command", "options"),
    [("ask", {"question": "How big is GREE?"}), ("stats", {}), ("fact list", {})],
)
async def test_server_only_commands_do_nothing_in_a_dm(
    bot, double, actors, world, command, options
):
    actor = actors["dm_owner"]
    double.world.ensure_dm_channel(actor.channel, actor.id)
    before = snapshot(bot)
    assert_refused(await actor.command(command, options), SERVER_ONLY)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who", ["member", "admin", "role_admin", "owner", "other_admin"])
async def test_statistics_for_all_servers_are_for_the_owner_only(actors, world, who):
    reply = await actors[who].command("stats", {"scope": "all"}, timeout=15)
    if who == "owner":
        assert "all servers" in embed_text(reply)
    else:
        assert_refused(reply, "Only the bot owner")
