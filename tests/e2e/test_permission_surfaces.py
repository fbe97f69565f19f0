"""Every admin surface for every kind of user.

Each /fact and /factbot subcommand, each button and menu of the curation views,
the form, the vote and pick buttons and autocomplete, tried by a plain member,
an admin by permission, an admin by role, the bot owner, an admin of another
server and somebody in a DM, plus component presses forged onto other messages.
A refusal is a private reply and the database exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import pytest_asyncio

from .harness import buttons, embed_text, fill

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


@dataclass(frozen=True)
class Actor:
    guild: int | None
    channel: int
    user: int


def actors(double) -> dict[str, Actor]:
    ids = double.ids
    return {
        "member": Actor(ids.guild, ids.general_channel, ids.member),
        "admin": Actor(ids.guild, ids.general_channel, ids.admin),  # Manage Server
        "role_admin": Actor(ids.guild, ids.general_channel, ids.role_admin),  # Fact Keepers
        "owner": Actor(ids.guild, ids.general_channel, ids.owner),  # the application's owner
        "other_admin": Actor(ids.guild2, ids.guild2_channel, ids.other_admin),
        "dm_admin": Actor(None, DM_CHANNEL, ids.admin),
        "dm_owner": Actor(None, DM_OWNER_CHANNEL, ids.owner),
    }


# -- database -----------------------------------------------------------------------
def snapshot(bot) -> dict[str, list]:
    conn = sqlite3.connect(bot.db_path)
    try:
        return {t: conn.execute(f"select * from {t} order by rowid").fetchall() for t in TABLES}
    finally:
        conn.close()


def one(bot, sql, params=()):
    conn = sqlite3.connect(bot.db_path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def is_removed(bot, fact_id: str) -> bool:
    return one(bot, "select deleted_at from facts where id = ?", [fact_id])[0] is not None


# -- acting -----------------------------------------------------------------------------
async def slash(double, actor: Actor, name: str, options=None):
    return await double.slash_command(actor.guild, actor.channel, actor.user, name, options or {})


async def outcome(handle):
    """The modal callback (type 9), or the message that answers the interaction."""
    callback = await handle.response(timeout=10)
    if callback.type == 9:
        return callback
    if callback.type == 5:  # "thinking", then a follow-up
        return await handle.reply(timeout=10)
    return next(m for m in handle.messages() if m.kind == "response")


async def press(double, actor: Actor, message, custom_id: str):
    return await double.press_button(actor.guild, actor.channel, actor.user, message, custom_id)


async def barrier(double) -> None:
    """Wait until the bot has handled every event dispatched before this one."""
    ids = double.ids
    await (await double.slash_command(ids.guild, ids.general_channel, ids.member, "help")).reply(
        timeout=10
    )


def assert_refused(reply, text: str = REFUSED) -> None:
    assert reply.ephemeral and text in reply.content, reply.content


def button(message, label: str) -> dict:
    return next(b for b in buttons(message) if b.get("label") == label)


def copy_of(double, message, actor: Actor) -> dict:
    """The same components on another message, where the forger can press them."""
    if actor.guild is None:
        double.world.ensure_dm_channel(actor.channel, actor.user)
    return double.add_message(
        actor.channel, double.ids.bot, "forged", components=message.components
    )


async def add_fact(double, actor: Actor, text: str, question: str = "") -> str:
    form = await (await slash(double, actor, "fact add")).response(timeout=10)
    reply = await (
        await double.submit_modal(
            actor.guild,
            actor.channel,
            actor.user,
            form.data["custom_id"],
            fill(form, fact=text, alternate=question, source="Club calendar"),
        )
    ).reply(timeout=10)
    assert reply.content.startswith("Added `"), reply.content
    return reply.content.split("`")[1]


async def remove_fact(double, actor: Actor, fact_id: str) -> None:
    confirm = await (await slash(double, actor, "fact remove", {"fact_id": fact_id})).reply(
        timeout=10
    )
    done = await (
        await press(double, actor, confirm, button(confirm, "Remove")["custom_id"])
    ).reply(timeout=10)
    assert "Removed" in done.content, done.content


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(bot, double):
    """Fact Keepers is the admin role; Fact Club has a live and a removed fact, the
    other server a fact of its own, and there are unanswered questions to review."""
    who = actors(double)
    ids = double.ids
    await (
        await slash(double, who["admin"], "factbot admin-role", {"role": ids.fact_keepers_role})
    ).reply(timeout=10)
    fact = await add_fact(
        double, who["admin"], "The Fact Club bake sale is on June 3.", "When is the bake sale?"
    )
    removed = await add_fact(double, who["admin"], "The Fact Club picnic is cancelled this year.")
    await remove_fact(double, who["admin"], removed)
    other = await add_fact(
        double, who["other_admin"], "The Fact Club rivals meet on Fridays in the lobby."
    )
    for question in ("Who won the chess tournament?", "What is the club's favourite colour?"):
        await (await slash(double, who["member"], "ask", {"question": question})).reply(timeout=10)
    return SimpleNamespace(fact=fact, removed=removed, other=other)


# -- slash commands that change nothing by themselves ----------------------------------
def import_file(double, actor: Actor) -> str:
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
async def test_commands_that_only_show_or_ask(bot, double, world, who, command, options):
    actor = actors(double)[who]
    before = snapshot(bot)
    result = await outcome(await slash(double, actor, command, options(world, double, actor)))
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
async def test_restore(bot, double, world, who):
    actor, admin = actors(double)[who], actors(double)["admin"]
    if not is_removed(bot, world.removed):
        await remove_fact(double, admin, world.removed)
    before = snapshot(bot)
    reply = await (await slash(double, actor, "fact restore", {"fact_id": world.removed})).reply(
        timeout=10
    )
    if who in GUILD_ADMINS:
        assert "Restored" in reply.content and not is_removed(bot, world.removed)
        return
    expected = {"member": REFUSED, "other_admin": NOT_FOUND}.get(who, SERVER_ONLY)
    assert_refused(reply, expected)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_autoanswer(bot, double, world, who):
    actor, ids = actors(double)[who], double.ids
    before = snapshot(bot)
    # Everyone names Fact Club's #facts, the other server's admin included.
    reply = await (
        await slash(
            double, actor, "factbot autoanswer", {"channel": ids.facts_channel, "state": "on"}
        )
    ).reply(timeout=10)
    row = "select guild_id from auto_answer_channels where channel_id = ?"
    if who in GUILD_ADMINS:
        assert "now **on**" in reply.content
        assert one(bot, row, [ids.facts_channel]) == (ids.guild,)
        off = await (
            await slash(
                double, actor, "factbot autoanswer", {"channel": ids.facts_channel, "state": "off"}
            )
        ).reply(timeout=10)
        assert "now **off**" in off.content and one(bot, row, [ids.facts_channel]) is None
        return
    expected = {"member": REFUSED, "other_admin": "pick one from Discord"}.get(who, SERVER_ONLY)
    assert_refused(reply, expected)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_admin_role(bot, double, world, who):
    actor, ids = actors(double)[who], double.ids
    before = snapshot(bot)
    role = ids.guild2_admins_role if who == "other_admin" else ids.fact_keepers_role
    reply = await (await slash(double, actor, "factbot admin-role", {"role": role})).reply(
        timeout=10
    )
    setting = "select admin_role_id, updated_by from guild_settings where guild_id = ?"
    if who in GUILD_ADMINS:
        assert "can now administer" in reply.content
        assert one(bot, setting, [ids.guild]) == (ids.fact_keepers_role, f"discord:{actor.user}")
        return
    if who == "other_admin":  # its own server's setting, and only that
        assert "can now administer" in reply.content
        assert one(bot, setting, [ids.guild2])[0] == ids.guild2_admins_role
        assert one(bot, setting, [ids.guild]) == tuple(
            next(r[1:3] for r in before["guild_settings"] if r[0] == ids.guild)
        )
        return
    assert_refused(reply, REFUSED if who == "member" else SERVER_ONLY)
    assert snapshot(bot) == before


# -- buttons of the curation views ------------------------------------------------------
PRESSERS = ("member", "role_admin", "owner", "other_admin", "dm_admin")  # not the opener


async def assert_only_the_opener_may_press(bot, double, message, custom_id: str) -> None:
    """Everybody but the admin who opened the view is refused on the message itself,
    and a forged copy of the button on another message does nothing at all."""
    who = actors(double)
    before = snapshot(bot)
    for name in PRESSERS:
        reply = await (await press(double, who[name], message, custom_id)).reply(timeout=10)
        assert_refused(reply)
    forged = []
    for name in ("member", "other_admin", "dm_admin"):
        copy = copy_of(double, message, who[name])
        forged.append(await press(double, who[name], copy, custom_id))
    await barrier(double)
    assert [h.messages() for h in forged] == [[], [], []]
    assert not any(h.acknowledged for h in forged)
    assert snapshot(bot) == before


async def near_duplicate_prompt(double, text: str):
    admin = actors(double)["admin"]
    form = await (await slash(double, admin, "fact add")).response(timeout=10)
    warned = await (
        await double.submit_modal(
            admin.guild,
            admin.channel,
            admin.user,
            form.data["custom_id"],
            fill(form, fact=text, source="Club calendar"),
        )
    ).reply(timeout=10)
    assert "already has" in embed_text(warned)
    return warned


async def test_save_anyway_and_cancel(bot, double, world):
    admin = actors(double)["admin"]
    warned = await near_duplicate_prompt(double, "The Fact Club bake sale is on June 3!")
    for label in ("Save anyway", "Cancel"):
        await assert_only_the_opener_may_press(
            bot, double, warned, button(warned, label)["custom_id"]
        )
    count = one(bot, "select count(*) from facts")[0]
    saved = await (
        await press(double, admin, warned, button(warned, "Save anyway")["custom_id"])
    ).reply(timeout=10)
    assert "Added `" in saved.content
    assert one(bot, "select count(*) from facts")[0] == count + 1

    warned = await near_duplicate_prompt(double, "The Fact Club bake sale is on June 3!!")
    before = snapshot(bot)
    cancelled = await (
        await press(double, admin, warned, button(warned, "Cancel")["custom_id"])
    ).reply(timeout=10)
    assert "nothing changed" in cancelled.content and snapshot(bot) == before


async def test_remove_confirmation(bot, double, world):
    admin = actors(double)["admin"]
    target = await add_fact(double, admin, "The Fact Club lantern walk starts at the pier.")
    confirm = await (await slash(double, admin, "fact remove", {"fact_id": target})).reply(
        timeout=10
    )
    for label in ("Remove", "Cancel"):
        await assert_only_the_opener_may_press(
            bot, double, confirm, button(confirm, label)["custom_id"]
        )
    assert not is_removed(bot, target)
    done = await (
        await press(double, admin, confirm, button(confirm, "Remove")["custom_id"])
    ).reply(timeout=10)
    assert "Removed" in done.content and is_removed(bot, target)


async def test_an_admin_who_loses_the_role_cannot_finish(bot, double, world):
    who, ids = actors(double), double.ids
    target = await add_fact(double, who["admin"], "The Fact Club kite day is in April.")
    confirm = await (
        await slash(double, who["role_admin"], "fact remove", {"fact_id": target})
    ).reply(timeout=10)
    await (await slash(double, who["admin"], "factbot admin-role")).reply(timeout=10)  # cleared
    try:
        reply = await (
            await press(double, who["role_admin"], confirm, button(confirm, "Remove")["custom_id"])
        ).reply(timeout=10)
        assert_refused(reply)
        assert not is_removed(bot, target)
    finally:
        await (
            await slash(double, who["admin"], "factbot admin-role", {"role": ids.fact_keepers_role})
        ).reply(timeout=10)


async def test_import_apply(bot, double, world):
    admin = actors(double)["admin"]
    upload = double.upload_attachment(
        admin.channel,
        "facts.json",
        json.dumps(
            {
                "facts": [
                    {
                        "id": "club-lost-and-found",
                        "text": "Lost things go to Aiko.",
                        "citation": "x",
                    }
                ]
            }
        ).encode(),
    )
    dry = await (await slash(double, admin, "fact import", {"file": upload})).reply(timeout=10)
    for label in ("Apply", "Cancel"):
        await assert_only_the_opener_may_press(bot, double, dry, button(dry, label)["custom_id"])
    assert one(bot, "select 1 from facts where id = 'club-lost-and-found'") is None
    done = await (await press(double, admin, dry, button(dry, "Apply")["custom_id"])).reply(
        timeout=10
    )
    assert "1 added" in done.content
    assert one(bot, "select guild_id from facts where id = 'club-lost-and-found'") == (
        double.ids.guild,
    )


async def test_page_buttons(bot, double, world):
    admin = actors(double)["admin"]
    listed = await (await slash(double, admin, "fact list")).reply(timeout=10)
    assert "Page 1 of" in embed_text(listed)
    await assert_only_the_opener_may_press(bot, double, listed, button(listed, "▶")["custom_id"])
    page2 = await (await press(double, admin, listed, button(listed, "▶")["custom_id"])).reply(
        timeout=10
    )
    assert "Page 2 of" in embed_text(page2)
    await assert_only_the_opener_may_press(bot, double, page2, button(page2, "◀")["custom_id"])
    page1 = await (await press(double, admin, page2, button(page2, "◀")["custom_id"])).reply(
        timeout=10
    )
    assert "Page 1 of" in embed_text(page1)


async def test_review_queue_buttons(bot, double, world):
    admin = actors(double)["admin"]
    queue = await (await slash(double, admin, "fact unanswered")).reply(timeout=10)
    assert "chess tournament" in embed_text(queue)
    for label in ("Answer #1", "Dismiss #1"):
        await assert_only_the_opener_may_press(
            bot, double, queue, button(queue, label)["custom_id"]
        )
    form = await (
        await press(double, admin, queue, button(queue, "Answer #1")["custom_id"])
    ).response(timeout=10)
    assert form.type == 9
    pending = "select count(*) from question_log where status = 'unknown' and reviewed_at is null"
    before = one(bot, pending)[0]
    await (await press(double, admin, queue, button(queue, "Dismiss #1")["custom_id"])).reply(
        timeout=10
    )
    assert one(bot, pending)[0] < before


async def test_rollback_menu(bot, double, world):
    who = actors(double)
    target = await add_fact(double, who["admin"], "The Fact Club choir sings on Sundays.")
    form = await (await slash(double, who["admin"], "fact edit", {"fact_id": target})).response(
        timeout=10
    )
    await (
        await double.submit_modal(
            double.ids.guild,
            double.ids.general_channel,
            who["admin"].user,
            form.data["custom_id"],
            fill(form, fact="The Fact Club choir sings on Mondays."),
        )
    ).reply(timeout=10)
    history = await (await slash(double, who["admin"], "fact history", {"fact_id": target})).reply(
        timeout=10
    )
    menu = next(c for row in history.components for c in row["components"] if c["type"] == 3)
    first = next(o["value"] for o in menu["options"] if "create" in o["label"])
    before = snapshot(bot)
    for name in PRESSERS:
        actor = who[name]
        reply = await (
            await double.select_menu(
                actor.guild, actor.channel, actor.user, history, menu["custom_id"], [first]
            )
        ).reply(timeout=10)
        assert_refused(reply)
    forged = []
    for name in ("member", "other_admin"):
        actor = who[name]
        copy = copy_of(double, history, actor)
        forged.append(
            await double.select_menu(
                actor.guild, actor.channel, actor.user, copy, menu["custom_id"], [first]
            )
        )
    await barrier(double)
    assert not any(h.acknowledged for h in forged)
    assert snapshot(bot) == before
    rolled = await (
        await double.select_menu(
            double.ids.guild,
            double.ids.general_channel,
            who["admin"].user,
            history,
            menu["custom_id"],
            [first],
        )
    ).reply(timeout=10)
    assert "Rolled" in rolled.content
    assert one(bot, "select text from facts where id = ?", [target]) == (
        "The Fact Club choir sings on Sundays.",
    )


# -- the form --------------------------------------------------------------------------
async def test_only_the_admin_who_opened_the_form_can_submit_it(bot, double, world):
    who = actors(double)
    form = await (await slash(double, who["admin"], "fact add")).response(timeout=10)
    fields = fill(form, fact="The Fact Club treasurer is Ren.", source="Club calendar")
    before = snapshot(bot)
    for name in ("member", "role_admin", "owner", "other_admin", "dm_admin", "dm_owner"):
        actor = who[name]
        if actor.guild is None:
            double.world.ensure_dm_channel(actor.channel, actor.user)
        reply = await (
            await double.submit_modal(
                actor.guild, actor.channel, actor.user, form.data["custom_id"], fields
            )
        ).reply(timeout=10)
        assert_refused(reply)
    assert snapshot(bot) == before
    added = await (
        await double.submit_modal(
            who["admin"].guild,
            who["admin"].channel,
            who["admin"].user,
            form.data["custom_id"],
            fields,
        )
    ).reply(timeout=10)
    assert added.content.startswith("Added `")


async def test_a_curated_fact_form_opened_by_the_owner_cannot_be_saved_by_an_admin(
    bot, double, world
):
    who = actors(double)
    form = await (
        await slash(double, who["owner"], "fact edit", {"fact_id": "phones-went-down-march-11"})
    ).response(timeout=10)
    assert form.type == 9
    before = snapshot(bot)
    reply = await (
        await double.submit_modal(
            who["admin"].guild,
            who["admin"].channel,
            who["admin"].user,
            form.data["custom_id"],
            fill(form, fact="Phones were fine on March 11."),
        )
    ).reply(timeout=10)
    assert_refused(reply)
    assert snapshot(bot) == before


# -- vote and pick: anyone in the server, nobody elsewhere -------------------------------
async def test_vote_and_pick_buttons(bot, double, world):
    who = actors(double)
    answer = await (
        await slash(double, who["member"], "ask", {"question": "How big is GREE?"})
    ).reply(timeout=10)
    up = next(b["custom_id"] for b in buttons(answer) if b.get("custom_id", "").endswith(":up"))
    unsure = await (
        await slash(double, who["member"], "ask", {"question": "Who founded Facebook?"})
    ).reply(timeout=10)
    pick = next(
        b["custom_id"] for b in buttons(unsure) if "factbot:pick:" in b.get("custom_id", "")
    )
    before = snapshot(bot)
    for name in ("other_admin", "dm_admin", "dm_owner"):
        for message, custom_id in ((answer, up), (unsure, pick)):
            copy = copy_of(double, message, who[name])
            reply = await (await press(double, who[name], copy, custom_id)).reply(timeout=10)
            assert_refused(reply, "no longer available")
    assert snapshot(bot) == before
    for name in ("member", "admin", "role_admin", "owner"):
        voted = await (await press(double, who[name], answer, up)).reply(timeout=10)
        assert "recorded" in voted.content
        picked = await (await press(double, who[name], unsure, pick)).reply(timeout=10)
        assert "Facebook" in embed_text(picked)
    question_id = int(up.split(":")[2])
    assert one(bot, "select count(*) from feedback where question_id = ?", [question_id]) == (4,)


# -- autocomplete ------------------------------------------------------------------------
async def choices(double, actor: Actor, command: str, typed: str) -> list[str]:
    if actor.guild is None:
        double.world.ensure_dm_channel(actor.channel, actor.user)
    handle = await double.autocomplete(
        actor.guild, actor.channel, actor.user, command, {"fact_id": typed}, "fact_id"
    )
    return [c["value"] for c in (await handle.response(timeout=10)).data["choices"]]


@pytest.mark.parametrize("who", ALL_ACTORS)
async def test_autocomplete(bot, double, world, who):
    actor = actors(double)[who]
    if not is_removed(bot, world.removed):
        await remove_fact(double, actors(double)["admin"], world.removed)
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
async def test_server_only_commands_do_nothing_in_a_dm(bot, double, world, command, options):
    actor = actors(double)["dm_owner"]
    double.world.ensure_dm_channel(actor.channel, actor.user)
    before = snapshot(bot)
    reply = await (await slash(double, actor, command, options)).reply(timeout=10)
    assert_refused(reply, SERVER_ONLY)
    assert snapshot(bot) == before


@pytest.mark.parametrize("who", ["member", "admin", "role_admin", "owner", "other_admin"])
async def test_statistics_for_all_servers_are_for_the_owner_only(bot, double, world, who):
    actor = actors(double)[who]
    handle = await slash(double, actor, "stats", {"scope": "all"})
    reply = await handle.reply(timeout=15)
    if who == "owner":
        assert "all servers" in embed_text(reply)
    else:
        assert_refused(reply, "Only the bot owner")
