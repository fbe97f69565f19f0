"""Nobody is pinged: hostile mentions, disguised mentions and markdown in facts
(added with the form or imported), alternate questions, questions asked every
way, and error messages. Every message the bot sends allows no mentions, and
nothing in it renders as a mention or a hostile link."""

from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio

from tests.discord_safety import WORKING_LINK, sent_text, working_mentions

from .harness import allows_no_mentions, button, buttons, embed_text, new_fact_id

pytestmark = pytest.mark.asyncio(loop_scope="module")

EVIL = "http://evil.example"
ROLE = 1_100_000_000_200_000_001  # the Admins role of Fact Club


def hostile(member: int) -> str:
    return (
        f"@everyone @here <@{member}> <@!{member}> <@&{ROLE}> ＠everyone ﹫here "
        f"@\u200deveryone @\u2060here [click]({EVIL}) [a]({EVIL}/a) **bold** ||spoiler|| "
        "``` > quote"
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def facts(double, users):
    """A fact added with the form and one imported, both full of hostile text, and
    auto-answer on in #facts."""
    ids, admin = double.ids, users.admin
    bad = hostile(ids.member)
    added = await admin.add_fact(
        fact=f"The Fact Club zebra crossing rule is to look both ways. {bad}",
        alternate=f"What is the zebra crossing rule? {bad[:140]}\nzebra rule {bad[:150]}",
        aliases="zebra crossing, @everyone, <@&1100000000200000001>",
        source=f"https://example.org/club Club handbook {bad[:200]}",
        verbatim=f"Look both ways {bad}\n> nested\n```",
    )
    assert added.content.startswith("Added `"), added.content
    imported = {
        "id": "club-lantern-parade-route",
        "text": f"The Fact Club lantern parade goes round the harbour. {bad}",
        "questions": [f"Where does the lantern parade go? {bad[:150]}"],
        "keywords": ["lantern parade", "@here"],
        "citation": f"https://example.org/parade Parade notes {bad[:200]}",
        "quote": f"round the harbour {bad}",
    }
    rejected = {"id": "@everyone", "text": bad, "citation": bad}
    dry = await admin.import_facts([imported, rejected])
    assert "**1** to add" in embed_text(dry) and "**1** rejected" in embed_text(dry)
    done = await admin.press(dry, button(dry, "Apply"))
    assert "1 added" in done.content
    await admin.command("factbot autoanswer", {"channel": ids.facts_channel, "state": "on"})
    return new_fact_id(added)


async def test_form_fact_answers_every_way_of_asking(double, users, facts):
    ids, member = double.ids, users.member
    bad = hostile(ids.member)
    question = f"What is the zebra crossing rule? {bad}"[:480]
    by_slash = await member.ask(question)
    await member.post_mention(question, also=[ids.member])
    by_mention = await member.next_message()
    target = await users.role_admin.say(question)
    by_menu = await (await member.context_menu("Ask FactBot", target)).reply(timeout=10)
    in_facts = member.at(ids.facts_channel)
    await in_facts.say(question)
    by_auto = await in_facts.next_message()
    for reply in (by_slash, by_mention, by_menu, by_auto):
        assert "look both ways" in embed_text(reply), embed_text(reply)


async def test_imported_fact_is_answered(users, facts):
    reply = await users.admin.ask("Where does the lantern parade go?")
    assert "round the harbour" in embed_text(reply)


async def test_did_you_mean_labels_and_the_pick(users, facts):
    for question in (
        "when was the zebra crossing painted",
        "zebra crossing accidents in tokyo",
        "zebra crossing colour and width",
    ):
        unsure = await users.member.ask(question)
        picks = [b for b in buttons(unsure) if "factbot:pick:" in b.get("custom_id", "")]
        if picks:
            break
    else:
        pytest.fail("no question got a did-you-mean for the hostile fact")
    label = next(b["label"] for b in picks if b["label"].startswith("What is the zebra"))
    assert "everyone" in label and working_mentions(label) == []
    picked = await users.member.press(unsure, picks[0])
    assert "look both ways" in embed_text(picked)


async def test_curation_views_of_hostile_facts(double, users, facts):
    admin = users.admin
    bad = hostile(double.ids.member)
    for name, options in (
        ("fact show", {"fact_id": facts}),
        ("fact show", {"fact_id": "club-lantern-parade-route"}),
        ("fact history", {"fact_id": facts}),
        ("fact list", {}),
        ("fact search", {"query": f"zebra {bad}"[:200]}),
        ("fact search", {"query": "@everyone"}),
    ):
        reply = await admin.command(name, options)
        assert reply.embeds, (name, reply.content)
    listed = await admin.command("fact list")
    await admin.press(listed, button(listed, "▶"))
    exported = await admin.command("fact export")
    records = {f["id"]: f for f in json.loads(exported.files[0][1])["facts"]}
    assert "@everyone" in records[facts]["text"]  # stored as typed; defused when shown


async def test_hostile_questions_in_the_review_queue_and_stats(users, facts):
    admin = users.admin
    # Nothing like the hostile facts, so it goes unanswered.
    unknown = "@everyone ＠here @\u200dhere wifi password? [pw](https://wifi.test) ||pw||"
    await users.member.ask(unknown)
    await users.role_admin.ask(unknown)
    queue = await admin.command("fact unanswered")
    assert "wifi password" in embed_text(queue), embed_text(queue)
    dismissed = await admin.press(queue, button(queue, "Dismiss #1"))
    assert "Dismissed" in dismissed.content
    await users.member.ask(unknown)
    stats = await admin.command("stats")
    assert "wifi password" in embed_text(stats)


async def test_hostile_input_in_errors(double, users, facts):
    admin = users.admin
    bad = hostile(double.ids.member)
    for fact_id in (bad, "@everyone", f"<@&{ROLE}>"):
        reply = await admin.command("fact show", {"fact_id": fact_id})
        assert reply.ephemeral and "no fact" in reply.content
    too_long = await users.member.ask((bad + " ") * 20)
    assert "characters long" in too_long.content
    refused = await admin.add_fact(
        fact="GREE had lots of users.",
        source="japan-times-2012-01-04-social-media 3",
        verbatim=bad,
    )
    assert "quote not found" in refused.content


async def test_every_message_sent_pings_nobody_and_renders_no_mention(double, facts):
    ids = double.ids
    actors = {f"<@{ids.admin}>"}  # who changed a fact, shown in embeds (which never ping)
    sent = double.sent_messages
    assert len(sent) > 25
    hostile_links = re.compile(re.escape(EVIL))
    for message in sent:
        assert allows_no_mentions(message.payload.get("allowed_mentions")), (
            message.kind,
            message.payload,
        )
        text = sent_text(message)
        assert set(working_mentions(text)) <= actors, (message.kind, text[:300])
        assert not [link for link in WORKING_LINK.findall(text) if hostile_links.search(link)], text
        for word in ("**bold**", "||spoiler||", "```"):
            assert word not in text, (word, text)
