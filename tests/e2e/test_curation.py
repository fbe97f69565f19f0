"""Admins curate facts from Discord, end to end: the real bot against the double."""

from __future__ import annotations

import json
import sqlite3

import pytest

from .harness import buttons, embed_text, fill, modal_inputs

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = "japan-times-2012-01-04-social-media"


def rows(bot, sql, params=()):
    conn = sqlite3.connect(bot.db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def slash(double, user, name, options=None, guild=None, channel=None):
    ids = double.ids
    return await double.slash_command(
        guild or ids.guild, channel or ids.general_channel, user, name, options or {}
    )


async def ask(double, user, question, guild=None, channel=None):
    return await (await slash(double, user, "ask", {"question": question}, guild, channel)).reply(
        timeout=10
    )


async def open_add_form(double, user):
    handle = await slash(double, user, "fact add")
    return await handle.response(timeout=10)


async def submit(double, user, callback, **fields):
    ids = double.ids
    handle = await double.submit_modal(
        ids.guild, ids.general_channel, user, callback.data["custom_id"], fill(callback, **fields)
    )
    return await handle.reply(timeout=10)


def new_id(reply) -> str:
    return reply.content.split("`")[1]


async def test_admin_adds_a_fact_with_the_form_and_it_answers_at_once(bot, double):
    ids = double.ids
    form = await open_add_form(double, ids.admin)
    assert set(modal_inputs(form)) == {
        "Fact (one claim, readable on its own)",
        "Alternate questions (one per line)",
        "Aliases or keywords (comma-separated)",
        "Source: ID and ¶, or a URL and note",
        "Verbatim quote (needed for a source)",
    }
    reply = await submit(
        double,
        ids.admin,
        form,
        fact="The Fact Club movie night is every Saturday at 8 pm.",
        alternate="When is movie night?\nwhat time is the fact club movie night",
        aliases="movie night, film night",
        source="https://example.org/club Club calendar",
    )
    assert (
        reply.ephemeral
        and reply.content.startswith("Added `")
        and "answers questions now" in reply.content
    )
    answer = await ask(double, ids.member, "when is the fact club movie night?")
    assert "every Saturday at 8 pm" in embed_text(answer)
    elsewhere = await ask(
        double, ids.member, "when is the fact club movie night?", ids.guild2, ids.guild2_channel
    )
    assert "every Saturday" not in embed_text(elsewhere)
    audit = rows(bot, "select action, actor from audit_log where fact_id = ?", [new_id(reply)])
    assert audit == [("create", f"discord:{ids.admin}")]


async def test_source_citation_is_verified_and_bad_input_refused(bot, double):
    ids = double.ids
    form = await open_add_form(double, ids.admin)
    refused = await submit(
        double,
        ids.admin,
        form,
        fact="LinkedIn opened in Korea.",
        source=f"{SOURCE} 8",
        verbatim="LinkedIn launched in Korea",
    )
    assert refused.ephemeral and "quote not found" in refused.content
    form = await open_add_form(double, ids.admin)
    ok = await submit(
        double,
        ids.admin,
        form,
        fact="LinkedIn launched in Japan in October 2011, says the article.",
        source=f"{SOURCE} 8",
        verbatim="LinkedIn launched in Japan in October of this year",
    )
    assert ok.content.startswith("Added") or "already has" in embed_text(ok)


async def test_near_duplicate_asks_for_confirmation(bot, double):
    ids = double.ids
    form = await open_add_form(double, ids.admin)
    warned = await submit(
        double,
        ids.admin,
        form,
        fact="The Fact Club movie night is every Saturday at 8 pm!",
        source="Club calendar",
    )
    assert "already has" in embed_text(warned)
    save = next(b for b in buttons(warned) if b.get("label") == "Save anyway")
    # Somebody else cannot press it.
    other = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.member, warned, save["custom_id"]
        )
    ).reply(timeout=10)
    assert "Only server admins" in other.content
    saved = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, warned, save["custom_id"]
        )
    ).reply(timeout=10)
    assert "Added `" in saved.content


async def test_edit_remove_restore_history_and_rollback(bot, double):
    ids = double.ids
    form = await open_add_form(double, ids.admin)
    added = await submit(
        double,
        ids.admin,
        form,
        fact="The Fact Club quiz is on the first Monday of each month.",
        alternate="When is the club quiz?",
        source="Club calendar",
    )
    fact_id = new_id(added)

    edit_form = await (
        await slash(double, ids.role_admin, "fact edit", {"fact_id": fact_id})
    ).reply(timeout=10)
    assert "Only server admins" in edit_form.content  # Fact Keepers is not an admin role yet
    edit_form = await (await slash(double, ids.admin, "fact edit", {"fact_id": fact_id})).response(
        timeout=10
    )
    prefilled = modal_inputs(edit_form)
    assert prefilled["Fact (one claim, readable on its own)"]["value"].startswith(
        "The Fact Club quiz"
    )
    edited = await submit(
        double,
        ids.admin,
        edit_form,
        fact="The Fact Club quiz moved to the last Friday of each month.",
    )
    assert edited.content.startswith("Updated")
    assert "last Friday" in embed_text(await ask(double, ids.member, "when is the club quiz?"))

    confirm = await (await slash(double, ids.admin, "fact remove", {"fact_id": fact_id})).reply(
        timeout=10
    )
    remove = next(b for b in buttons(confirm) if b.get("label") == "Remove")
    done = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, confirm, remove["custom_id"]
        )
    ).reply(timeout=10)
    assert "Removed" in done.content
    assert "last Friday" not in embed_text(await ask(double, ids.member, "when is the club quiz?"))
    restored = await (await slash(double, ids.admin, "fact restore", {"fact_id": fact_id})).reply(
        timeout=10
    )
    assert "Restored" in restored.content
    assert "last Friday" in embed_text(await ask(double, ids.member, "when is the club quiz?"))

    history = await (await slash(double, ids.admin, "fact history", {"fact_id": fact_id})).reply(
        timeout=10
    )
    text = embed_text(history)
    for action in ("create", "update", "remove", "restore"):
        assert f"**{action}**" in text
    menu = next(c for row in history.components for c in row["components"] if c["type"] == 3)
    create_entry = next(o["value"] for o in menu["options"] if "create" in o["label"])
    rolled = await (
        await double.select_menu(
            ids.guild, ids.general_channel, ids.admin, history, menu["custom_id"], [create_entry]
        )
    ).reply(timeout=10)
    assert "Rolled" in rolled.content
    assert "first Monday" in embed_text(await ask(double, ids.member, "when is the club quiz?"))


async def test_show_search_and_list(bot, double):
    ids = double.ids
    shown = await (
        await slash(double, ids.admin, "fact show", {"fact_id": "facebook-passes-mixi-nielsen"})
    ).reply(timeout=10)
    text = embed_text(shown)
    assert (
        "¶2" in text
        and "The Japan Times" in text
        and "curated, every server" in text
        and "👍" in text
    )
    found = await (await slash(double, ids.admin, "fact search", {"query": "movie night"})).reply(
        timeout=10
    )
    assert "movie night" in embed_text(found)
    listed = await (await slash(double, ids.admin, "fact list")).reply(timeout=10)
    assert "Page 1 of" in embed_text(listed)
    nxt = next(b for b in buttons(listed) if b.get("label") == "▶")
    page2 = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, listed, nxt["custom_id"]
        )
    ).reply(timeout=10)
    assert "Page 2 of" in embed_text(page2)


async def test_autocomplete_offers_ids_to_admins_only(bot, double):
    ids = double.ids
    handle = await double.autocomplete(
        ids.guild, ids.general_channel, ids.admin, "fact show", {"fact_id": "facebook"}, "fact_id"
    )
    choices = (await handle.response(timeout=10)).data["choices"]
    assert choices and all("facebook" in c["value"] for c in choices) and len(choices) <= 25
    handle = await double.autocomplete(
        ids.guild, ids.general_channel, ids.member, "fact show", {"fact_id": "facebook"}, "fact_id"
    )
    assert (await handle.response(timeout=10)).data["choices"] == []


async def test_review_queue_answer_this_and_dismiss(bot, double):
    ids = double.ids
    for user, wording in (
        (ids.member, "Who won the chess tournament?"),
        (ids.role_admin, "who won the chess tournament??"),
    ):
        unknown = await ask(double, user, wording)
        assert "I don't know" in embed_text(unknown)
    await ask(double, ids.member, "What is the club's favourite colour?")
    queue = await (await slash(double, ids.admin, "fact unanswered")).reply(timeout=10)
    text = embed_text(queue)
    assert "— asked ×2" in text and "chess tournament" in text.split("asked ×2")[0]
    answer_first = next(b for b in buttons(queue) if b.get("label") == "Answer #1")
    form = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, queue, answer_first["custom_id"]
        )
    ).response(timeout=10)
    assert "chess tournament" in modal_inputs(form)["Alternate questions (one per line)"]["value"]
    added = await submit(
        double,
        ids.admin,
        form,
        fact="Aiko won the Fact Club chess tournament in November.",
        source="Club newsletter",
    )
    assert added.content.startswith("Added")
    assert "Aiko" in embed_text(await ask(double, ids.member, "Who won the chess tournament?"))

    queue = await (await slash(double, ids.admin, "fact unanswered")).reply(timeout=10)
    text = embed_text(queue)
    assert "chess" not in text and "favourite colour" in text
    position = (
        next(line for line in text.splitlines() if "favourite colour" in line)
        .split(".")[0]
        .strip("*")
    )
    dismiss = next(b for b in buttons(queue) if b.get("label") == f"Dismiss #{position}")
    await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, queue, dismiss["custom_id"]
        )
    ).reply(timeout=10)
    after = await (await slash(double, ids.admin, "fact unanswered")).reply(timeout=10)
    assert "favourite colour" not in embed_text(after)


async def test_export_then_import_round_trips_and_bad_records_are_rejected(bot, double):
    ids = double.ids
    exported = await (await slash(double, ids.admin, "fact export")).reply(timeout=10)
    filename, data, _ = exported.files[0]
    assert filename.endswith(".json")
    facts = json.loads(data)["facts"]
    assert any(f["curated"] for f in facts) and any(not f["curated"] for f in facts)

    same = double.upload_attachment(ids.general_channel, "facts.json", data)
    dry = await (await slash(double, ids.admin, "fact import", {"file": same})).reply(timeout=10)
    assert "**0** to add · **0** to change" in embed_text(dry) and not buttons(dry)

    facts.append(
        {
            "id": "club-mascot",
            "text": "The Fact Club mascot is a red panda.",
            "citation": "Club lore",
        }
    )
    facts.append({"id": "broken", "text": "", "citation": "x"})
    next(f for f in facts if f["curated"])["text"] = "An admin rewrote the article."
    upload = double.upload_attachment(
        ids.general_channel, "facts.json", json.dumps({"facts": facts}).encode()
    )
    dry = await (await slash(double, ids.admin, "fact import", {"file": upload})).reply(timeout=10)
    text = embed_text(dry)
    assert "**1** to add" in text and "**2** rejected" in text and "bot owner" in text
    assert not rows(bot, "select 1 from facts where id = 'club-mascot'")  # dry run
    apply = next(b for b in buttons(dry) if b.get("label") == "Apply")
    done = await (
        await double.press_button(
            ids.guild, ids.general_channel, ids.admin, dry, apply["custom_id"]
        )
    ).reply(timeout=10)
    assert "1 added" in done.content
    assert "red panda" in embed_text(await ask(double, ids.member, "what is the fact club mascot?"))


async def test_malformed_import_changes_nothing(bot, double):
    ids = double.ids
    before = rows(bot, "select count(*) from facts")
    upload = double.upload_attachment(ids.general_channel, "bad.json", b"\x00\x01{{ not json")
    reply = await (await slash(double, ids.admin, "fact import", {"file": upload})).reply(
        timeout=10
    )
    assert "not valid JSON" in reply.content
    assert rows(bot, "select count(*) from facts") == before
