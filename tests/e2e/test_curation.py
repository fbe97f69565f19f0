"""Admins curate facts from Discord, end to end: the real bot against the double."""

from __future__ import annotations

import json

import pytest

from .harness import button, buttons, embed_text, modal_inputs, new_fact_id, select_menu

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = "japan-times-2012-01-04-social-media"


async def test_admin_adds_a_fact_with_the_form_and_it_answers_at_once(bot, users):
    ids = users.double.ids
    form = await users.admin.open_form("fact add")
    assert set(modal_inputs(form)) == {
        "Fact (one claim, readable on its own)",
        "Alternate questions (one per line)",
        "Aliases or keywords (one per line)",
        "Source: ID and ¶, or a URL and note",
        "Verbatim quote (needed for a source)",
    }
    reply = await users.admin.submit(
        form,
        fact="The Fact Club movie night is every Saturday at 8 pm.",
        alternate="When is movie night?\nwhat time is the fact club movie night",
        aliases="movie night\nfilm night",
        source="https://example.org/club Club calendar",
    )
    assert (
        reply.ephemeral
        and reply.content.startswith("Added `")
        and "answers questions now" in reply.content
    )
    answer = await users.member.ask("when is the fact club movie night?")
    assert "every Saturday at 8 pm" in embed_text(answer)
    elsewhere = await users.member.at(ids.guild2_channel, ids.guild2).ask(
        "when is the fact club movie night?"
    )
    assert "every Saturday" not in embed_text(elsewhere)
    audit = bot.rows("select action, actor from audit_log where fact_id = ?", [new_fact_id(reply)])
    assert audit == [{"action": "create", "actor": f"discord:{ids.admin}"}]


async def test_source_citation_is_verified_and_bad_input_refused(users):
    refused = await users.admin.add_fact(
        fact="LinkedIn opened in Korea.",
        source=f"{SOURCE} 8",
        verbatim="LinkedIn launched in Korea",
    )
    assert refused.ephemeral and "quote not found" in refused.content
    ok = await users.admin.add_fact(
        fact="LinkedIn launched in Japan in October 2011, says the article.",
        source=f"{SOURCE} 8",
        verbatim="LinkedIn launched in Japan in October of this year",
    )
    assert ok.content.startswith("Added") or "already has" in embed_text(ok)


async def test_near_duplicate_asks_for_confirmation(users):
    warned = await users.admin.add_fact(
        fact="The Fact Club movie night is every Saturday at 8 pm!", source="Club calendar"
    )
    assert "already has" in embed_text(warned)
    save = button(warned, "Save anyway")
    # Somebody else cannot press it.
    other = await users.member.press(warned, save)
    assert "Only server admins" in other.content
    saved = await users.admin.press(warned, save)
    assert "Added `" in saved.content


async def test_edit_remove_restore_history_and_rollback(users):
    admin, member = users.admin, users.member
    added = await admin.add_fact(
        fact="The Fact Club quiz is on the first Monday of each month.",
        alternate="When is the club quiz?",
        source="Club calendar",
    )
    fact_id = new_fact_id(added)

    edit_form = await users.role_admin.command("fact edit", {"fact_id": fact_id})
    assert "Only server admins" in edit_form.content  # Fact Keepers is not an admin role yet
    edit_form = await admin.open_form("fact edit", {"fact_id": fact_id})
    prefilled = modal_inputs(edit_form)
    assert prefilled["Fact (one claim, readable on its own)"]["value"].startswith(
        "The Fact Club quiz"
    )
    edited = await admin.submit(
        edit_form, fact="The Fact Club quiz moved to the last Friday of each month."
    )
    assert edited.content.startswith("Updated")
    assert "last Friday" in embed_text(await member.ask("when is the club quiz?"))

    confirm = await admin.command("fact remove", {"fact_id": fact_id})
    done = await admin.press(confirm, button(confirm, "Remove"))
    assert "Removed" in done.content
    assert "last Friday" not in embed_text(await member.ask("when is the club quiz?"))
    restored = await admin.command("fact restore", {"fact_id": fact_id})
    assert "Restored" in restored.content
    assert "last Friday" in embed_text(await member.ask("when is the club quiz?"))

    history = await admin.command("fact history", {"fact_id": fact_id})
    text = embed_text(history)
    for action in ("create", "update", "remove", "restore"):
        assert f"**{action}**" in text
    menu = select_menu(history)
    create_entry = next(o["value"] for o in menu["options"] if "create" in o["label"])
    rolled = await (await admin.choose(history, menu["custom_id"], [create_entry])).reply(
        timeout=10
    )
    assert "Rolled" in rolled.content
    assert "first Monday" in embed_text(await member.ask("when is the club quiz?"))


async def test_show_search_and_list(users):
    admin = users.admin
    shown = await admin.command("fact show", {"fact_id": "facebook-passes-mixi-nielsen"})
    text = embed_text(shown)
    assert (
        "¶2" in text
        and "The Japan Times" in text
        and "curated, every server" in text
        and "👍" in text
    )
    found = await admin.command("fact search", {"query": "movie night"})
    assert "movie night" in embed_text(found)
    listed = await admin.command("fact list")
    assert "Page 1 of" in embed_text(listed)
    page2 = await admin.press(listed, button(listed, "▶"))
    assert "Page 2 of" in embed_text(page2)


async def test_autocomplete_offers_ids_to_admins_only(users):
    choices = await users.admin.autocomplete("fact show", "fact_id", "facebook")
    assert choices and all("facebook" in c["value"] for c in choices) and len(choices) <= 25
    assert await users.member.autocomplete("fact show", "fact_id", "facebook") == []


async def test_review_queue_answer_this_and_dismiss(users):
    admin = users.admin
    for user, wording in (
        (users.member, "Who won the chess tournament?"),
        (users.role_admin, "who won the chess tournament??"),
    ):
        unknown = await user.ask(wording)
        assert "I don't know" in embed_text(unknown)
    await users.member.ask("What is the club's favourite colour?")
    queue = await admin.command("fact unanswered")
    text = embed_text(queue)
    assert "— asked ×2" in text and "chess tournament" in text.split("asked ×2")[0]
    form = await (await admin.click(queue, button(queue, "Answer #1"))).response(timeout=10)
    assert "chess tournament" in modal_inputs(form)["Alternate questions (one per line)"]["value"]
    added = await admin.submit(
        form, fact="Aiko won the Fact Club chess tournament in November.", source="Club newsletter"
    )
    assert added.content.startswith("Added")
    assert "Aiko" in embed_text(await users.member.ask("Who won the chess tournament?"))

    queue = await admin.command("fact unanswered")
    text = embed_text(queue)
    assert "chess" not in text and "favourite colour" in text
    position = (
        next(line for line in text.splitlines() if "favourite colour" in line)
        .split(".")[0]
        .strip("*")
    )
    await admin.press(queue, button(queue, f"Dismiss #{position}"))
    after = await admin.command("fact unanswered")
    assert "favourite colour" not in embed_text(after)


async def test_export_then_import_round_trips_and_bad_records_are_rejected(bot, users):
    admin = users.admin
    exported = await admin.command("fact export")
    filename, data, _ = exported.files[0]
    assert filename.endswith(".json")
    facts = json.loads(data)["facts"]
    assert any(f["curated"] for f in facts) and any(not f["curated"] for f in facts)

    dry = await admin.import_facts(data)
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
    dry = await admin.import_facts(facts)
    text = embed_text(dry)
    assert "**1** to add" in text and "**2** rejected" in text and "bot owner" in text
    assert bot.rows("select 1 from facts where id = 'club-mascot'") == []  # dry run
    done = await admin.press(dry, button(dry, "Apply"))
    assert "1 added" in done.content
    assert "red panda" in embed_text(await users.member.ask("what is the fact club mascot?"))


async def test_malformed_import_changes_nothing(bot, users):
    before = bot.count("select count(*) from facts")
    reply = await users.admin.import_facts(b"\x00\x01{{ not json", "bad.json")
    assert "not valid JSON" in reply.content
    assert bot.count("select count(*) from facts") == before
