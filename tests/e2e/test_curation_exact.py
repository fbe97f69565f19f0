"""Curation never loses or silently changes data, end to end: exact edits, plans that
apply only to what they previewed, one validator, messages that say what happened,
and links that never become clickable (the findings of issue 11)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from .harness import buttons, embed_text, fill

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALENDAR = "https://example.org/club-calendar"


def rows(bot, sql, params=()):
    conn = sqlite3.connect(bot.db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stored(bot, fact_id):
    """Everything stored about a fact: its row and its questions and keywords in order."""
    return (
        rows(bot, "select * from facts where id = ?", [fact_id]),
        rows(bot, "select * from fact_questions where fact_id = ? order by position", [fact_id]),
        rows(bot, "select * from fact_keywords where fact_id = ? order by position", [fact_id]),
    )


async def slash(double, user, name, options=None, guild=None, channel=None):
    ids = double.ids
    return await double.slash_command(
        guild or ids.guild, channel or ids.general_channel, user, name, options or {}
    )


async def press(double, user, message, label, guild=None, channel=None):
    ids = double.ids
    button = next(b for b in buttons(message) if b.get("label") == label)
    return await double.press_button(
        guild or ids.guild, channel or ids.general_channel, user, message, button["custom_id"]
    )


async def dry_run(double, records, user=None, guild=None, channel=None):
    """The dry-run reply to /fact import of these records."""
    ids = double.ids
    upload = double.upload_attachment(
        channel or ids.general_channel, "facts.json", json.dumps({"facts": records}).encode()
    )
    handle = await slash(double, user or ids.admin, "fact import", {"file": upload}, guild, channel)
    return await handle.reply(timeout=10)


async def imported(double, records, user=None, guild=None, channel=None):
    """Dry run and Apply: the reply to Apply."""
    user = user or double.ids.admin
    dry = await dry_run(double, records, user, guild, channel)
    return await (await press(double, user, dry, "Apply", guild, channel)).reply(timeout=10)


async def open_edit_form(double, fact_id):
    handle = await slash(double, double.ids.admin, "fact edit", {"fact_id": fact_id})
    return await handle.response(timeout=10)


async def submit(double, form, **fields):
    ids = double.ids
    return await double.submit_modal(
        ids.guild, ids.general_channel, ids.admin, form.data["custom_id"], fill(form, **fields)
    )


def long_keywords() -> list[str]:
    words = [f"keyword number {n:02d} for the Fact Club's long alias list" for n in range(19)]
    assert all(50 <= len(w) <= 60 for w in words)
    return ["Tokyo, Japan", *words]


async def test_editing_only_the_text_keeps_every_question_and_keyword(bot, double):
    keywords = long_keywords()
    questions = ["Where does the club meet?", "Which city hosts\nthe club's meetings?"]
    done = await imported(
        double,
        [
            {
                "id": "club-city",
                "text": "The Fact Club meets in Tokyo.",
                "questions": questions,
                "keywords": keywords,
                "citation": f"{CALENDAR} Club calendar",
            }
        ],
    )
    assert "1 added" in done.content
    form = await open_edit_form(double, "club-city")
    edited = await (await submit(double, form, fact="The Fact Club meets in Osaka now.")).reply(
        timeout=10
    )
    assert edited.content.startswith("Updated"), edited.content
    assert [r[0] for r in rows(bot, "select text from facts where id = 'club-city'")] == [
        "The Fact Club meets in Osaka now."
    ]
    assert [r[2] for r in stored(bot, "club-city")[1]] == questions
    assert [r[2] for r in stored(bot, "club-city")[2]] == keywords


async def test_a_form_submitted_unchanged_leaves_the_fact_byte_identical(bot, double):
    done = await imported(
        double,
        [
            {
                "id": "club-city-unchanged",
                "text": "The Fact Club's second branch meets in Sapporo.",
                "questions": ["Where is the\nsecond branch?", "C:\\branch\\n two?"],
                "keywords": [*long_keywords()[:10], "a, b; c\td"],
                "citation": f"{CALENDAR} Club calendar",
            }
        ],
    )
    assert "1 added" in done.content
    before = stored(bot, "club-city-unchanged")
    audit = rows(bot, "select count(*) from audit_log where fact_id = 'club-city-unchanged'")
    form = await open_edit_form(double, "club-city-unchanged")
    reply = await (await submit(double, form)).reply(timeout=10)
    assert "club-city-unchanged" in reply.content
    assert stored(bot, "club-city-unchanged") == before
    assert (
        rows(bot, "select count(*) from audit_log where fact_id = 'club-city-unchanged'") == audit
    )


async def test_an_edit_form_opened_before_another_change_is_refused(bot, double):
    form = await open_edit_form(double, "club-city")
    other = await open_edit_form(double, "club-city")
    first = await (
        await submit(
            double, other, fact="Kyoto's riverside hall has hosted every gathering since April."
        )
    ).reply(timeout=10)
    assert first.content.startswith("Updated")
    late = await (
        await submit(double, form, fact="Nara's deer park is where members now picnic each June.")
    ).reply(timeout=10)
    assert "club-city" in late.content and "changed since" in late.content, late.content
    assert rows(bot, "select text from facts where id = 'club-city'") == [
        ("Kyoto's riverside hall has hosted every gathering since April.",)
    ]


async def test_a_stale_dry_run_is_refused_and_writes_nothing(bot, double):
    record = {"id": "stale-one", "citation": "Club lore"}
    plan_a = await dry_run(double, [record | {"text": "Plan A says the club mascot is a fox."}])
    done_b = await imported(double, [record | {"text": "Plan B says the club mascot is an owl."}])
    assert "1 added" in done_b.content
    late = await (await press(double, double.ids.admin, plan_a, "Apply")).reply(timeout=10)
    assert "`stale-one` changed since this preview" in late.content.replace("\\", "")
    assert "run the import again" in late.content
    assert "Imported" not in late.content
    assert rows(bot, "select text from facts where id = 'stale-one'") == [
        ("Plan B says the club mascot is an owl.",)
    ]


async def test_a_second_press_of_apply_says_it_was_already_applied(bot, double):
    records = [
        {
            "id": f"twice-{n}",
            "text": f"Fact number {n} of a double-pressed import.",
            "citation": "x",
        }
        for n in (1, 2)
    ]
    dry = await dry_run(double, records)
    first = await press(double, double.ids.admin, dry, "Apply")
    second = await press(double, double.ids.admin, dry, "Apply")
    replies = sorted(
        [(await first.reply(timeout=10)).content, (await second.reply(timeout=10)).content]
    )
    assert sum(r.startswith("Imported: 2 added") for r in replies) == 1, replies
    assert sum("already applied" in r for r in replies) == 1, replies
    assert rows(bot, "select count(*) from audit_log where fact_id like 'twice-%'") == [(2,)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("questions", [1, 2, {"q": "?"}]), ("keywords", "not-a-list"), ("citation", 5)],
)
async def test_wrong_typed_fields_are_rejected_by_name_not_dropped(bot, double, field, value):
    fact_id = f"typed-{field}"
    record = {"id": fact_id, "text": "The club's typed fact.", "citation": "Club lore"}
    dry = await dry_run(double, [record | {field: value}])
    text = embed_text(dry)
    assert "**0** to add" in text and "**1** rejected" in text, text
    assert fact_id in text and re.search(rf"{field} must be (a list of strings|text)", text), text
    assert not buttons(dry)
    assert rows(bot, "select count(*) from facts where id = ?", [fact_id]) == [(0,)]


async def test_a_conflict_says_so_and_logs_no_error(bot, double):
    ids = double.ids
    record = {"id": "shared-id", "citation": "Club lore"}
    ours = await dry_run(double, [record | {"text": "The Fact Club's shared fact."}])
    theirs = await imported(
        double,
        [record | {"text": "The Other Server's fact with the same id."}],
        ids.other_admin,
        ids.guild2,
        ids.guild2_channel,
    )
    assert "1 added" in theirs.content
    line = len(bot.output)
    late = await (await press(double, ids.admin, ours, "Apply")).reply(timeout=10)
    content = late.content.replace("\\", "")
    assert "`shared-id` is another server's fact; nothing was written" in content, content
    assert "unavailable" not in content
    assert not buttons(late)  # this preview can never apply: its button is gone
    assert rows(bot, "select guild_id from facts where id = 'shared-id'") == [(ids.guild2,)]
    await_log = "\n".join(bot.output[line:])
    assert " ERROR " not in await_log and "Traceback" not in await_log, await_log


def clickable(text: str, own_link: str) -> list[str]:
    """What a Discord client would turn into a link, apart from the fact's own citation."""
    return re.findall(r"[A-Za-z][A-Za-z0-9+.-]*://\S*", text.replace(f"]({own_link})", "]"))


async def test_links_in_facts_and_questions_are_never_clickable(bot, double):
    ids = double.ids
    done = await imported(
        double,
        [
            {
                "id": "club-links",
                "text": "The Fact Club wiki lives at https://evil.example/wiki and "
                "[the forum](https://evil.example/forum) and <https://evil.example/angle>.",
                "questions": ["Where is the club wiki? See steam://evil.example/run"],
                "keywords": ["http://evil.example/keyword"],
                "citation": f"{CALENDAR} Club calendar",
                "quote": "Wiki: https://evil.example/quote",
            }
        ],
    )
    assert "1 added" in done.content
    answer = await (
        await slash(double, ids.member, "ask", {"question": "where is the fact club wiki?"})
    ).reply(timeout=10)
    assert "Fact Club wiki" in embed_text(answer)
    assert clickable(embed_text(answer), CALENDAR) == []
    assert any(b.get("url") == CALENDAR for b in buttons(answer))
    assert f"]({CALENDAR})" in embed_text(answer)  # the citation stays a real link
    shown = await (await slash(double, ids.admin, "fact show", {"fact_id": "club-links"})).reply(
        timeout=10
    )
    assert clickable(embed_text(shown), CALENDAR) == []
    assert f"]({CALENDAR})" in embed_text(shown)
    found = await (await slash(double, ids.admin, "fact search", {"query": "club wiki"})).reply(
        timeout=10
    )
    assert "club-links" in embed_text(found)
    assert clickable(embed_text(found), CALENDAR) == []


async def test_a_submitted_form_is_acknowledged_before_the_duplicate_scan(bot, double):
    form = await (await slash(double, double.ids.admin, "fact add")).response(timeout=10)
    handle = await submit(
        double,
        form,
        fact="The Fact Club's board games evening is on Wednesdays.",
        source="Club calendar",
    )
    first = await handle.response(timeout=10)
    assert first.type == 5  # deferred: Discord's 3-second window is met whatever the scan costs
    assert (await handle.reply(timeout=10)).content.startswith("Added")
