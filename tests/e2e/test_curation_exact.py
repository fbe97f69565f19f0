"""Curation never loses or silently changes data, end to end: exact edits, plans that
apply only to what they previewed, one validator, messages that say what happened,
and links that never become clickable (the findings of issue 11)."""

from __future__ import annotations

import json
import re

import pytest

from .harness import button, buttons, embed_text, select_menu

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALENDAR = "https://example.org/club-calendar"


def stored(bot, fact_id):
    """Everything stored about a fact: its row and its questions and keywords in order."""
    return (
        bot.rows("select * from facts where id = ?", [fact_id]),
        bot.rows("select * from fact_questions where fact_id = ? order by position", [fact_id]),
        bot.rows("select * from fact_keywords where fact_id = ? order by position", [fact_id]),
    )


def audit_count(bot, fact_id) -> int:
    return bot.count("select count(*) from audit_log where fact_id = ?", [fact_id])


async def apply(user, records):
    """Dry run and Apply: the reply to Apply."""
    dry = await user.import_facts(records)
    return await user.press(dry, button(dry, "Apply"))


def long_keywords() -> list[str]:
    words = [f"keyword number {n:02d} for the Fact Club's long alias list" for n in range(19)]
    assert all(50 <= len(w) <= 60 for w in words)
    return ["Tokyo, Japan", *words]


async def test_editing_only_the_text_keeps_every_question_and_keyword(bot, users):
    keywords = long_keywords()
    questions = ["Where does the club meet?", "Which city hosts\nthe club's meetings?"]
    done = await apply(
        users.admin,
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
    form = await users.admin.open_form("fact edit", {"fact_id": "club-city"})
    edited = await users.admin.submit(form, fact="The Fact Club meets in Osaka now.")
    assert edited.content.startswith("Updated"), edited.content
    row, stored_questions, stored_keywords = stored(bot, "club-city")
    assert row[0]["text"] == "The Fact Club meets in Osaka now."
    assert [r["question"] for r in stored_questions] == questions
    assert [r["keyword"] for r in stored_keywords] == keywords


async def test_a_form_submitted_unchanged_leaves_the_fact_byte_identical(bot, users):
    done = await apply(
        users.admin,
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
    before, audit = stored(bot, "club-city-unchanged"), audit_count(bot, "club-city-unchanged")
    form = await users.admin.open_form("fact edit", {"fact_id": "club-city-unchanged"})
    reply = await users.admin.submit(form)
    assert "club-city-unchanged" in reply.content
    assert stored(bot, "club-city-unchanged") == before
    assert audit_count(bot, "club-city-unchanged") == audit


async def test_an_edit_form_opened_before_another_change_is_refused(bot, users):
    admin = users.admin
    form = await admin.open_form("fact edit", {"fact_id": "club-city"})
    other = await admin.open_form("fact edit", {"fact_id": "club-city"})
    kyoto = "Kyoto's riverside hall has hosted every gathering since April."
    first = await admin.submit(other, fact=kyoto)
    assert first.content.startswith("Updated")
    late = await admin.submit(form, fact="Nara's deer park is where members now picnic each June.")
    assert "club-city" in late.content and "changed since" in late.content, late.content
    assert bot.rows("select text from facts where id = 'club-city'") == [{"text": kyoto}]


async def test_a_stale_dry_run_is_refused_and_writes_nothing(bot, users):
    record = {"id": "stale-one", "citation": "Club lore"}
    plan_a = await users.admin.import_facts([record | {"text": "Plan A says the mascot is a fox."}])
    done_b = await apply(users.admin, [record | {"text": "Plan B says the mascot is an owl."}])
    assert "1 added" in done_b.content
    late = await users.admin.press(plan_a, button(plan_a, "Apply"))
    assert "`stale-one` changed since this preview" in late.content.replace("\\", "")
    assert "run the import again" in late.content and "Imported" not in late.content
    assert bot.rows("select text from facts where id = 'stale-one'") == [
        {"text": "Plan B says the mascot is an owl."}
    ]


async def test_a_second_press_of_apply_says_it_was_already_applied(bot, users):
    records = [
        {"id": f"twice-{n}", "text": f"Fact {n} of a double-pressed import.", "citation": "x"}
        for n in (1, 2)
    ]
    dry = await users.admin.import_facts(records)
    first = await users.admin.click(dry, button(dry, "Apply"))
    second = await users.admin.click(dry, button(dry, "Apply"))  # before the first is answered
    replies = [(await first.reply(timeout=10)).content, (await second.reply(timeout=10)).content]
    assert sum(r.startswith("Imported: 2 added") for r in replies) == 1, replies
    assert sum("already applied" in r for r in replies) == 1, replies
    assert bot.count("select count(*) from audit_log where fact_id like 'twice-%'") == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("questions", [1, 2, {"q": "?"}]), ("keywords", "not-a-list"), ("citation", 5)],
)
async def test_wrong_typed_fields_are_rejected_by_name_not_dropped(bot, users, field, value):
    fact_id = f"typed-{field}"
    record = {"id": fact_id, "text": "The club's typed fact.", "citation": "Club lore"}
    dry = await users.admin.import_facts([record | {field: value}])
    text = embed_text(dry)
    assert "**0** to add" in text and "**1** rejected" in text, text
    assert fact_id in text and re.search(rf"{field} must be (a list of strings|text)", text), text
    assert not buttons(dry)
    assert bot.count("select count(*) from facts where id = ?", [fact_id]) == 0


async def test_a_conflict_says_so_and_logs_no_error(bot, users):
    record = {"id": "shared-id", "citation": "Club lore"}
    ours = await users.admin.import_facts([record | {"text": "The Fact Club's shared fact."}])
    theirs = await apply(users.other_admin, [record | {"text": "The Other Server's own fact."}])
    assert "1 added" in theirs.content
    line = len(bot.output)
    late = await users.admin.press(ours, button(ours, "Apply"))
    content = late.content.replace("\\", "")
    assert "`shared-id` is another server's fact; nothing was written" in content, content
    assert "unavailable" not in content
    assert not buttons(late)  # this preview can never apply: its button is gone
    assert bot.rows("select guild_id from facts where id = 'shared-id'") == [
        {"guild_id": users.double.ids.guild2}
    ]
    log = "\n".join(bot.output[line:])
    assert " ERROR " not in log and "Traceback" not in log, log


def clickable(text: str, own_link: str) -> list[str]:
    """What a Discord client would turn into a link, apart from the fact's own citation."""
    return re.findall(r"[A-Za-z][A-Za-z0-9+.-]*://\S*", text.replace(f"]({own_link})", "]"))


async def test_links_in_facts_and_questions_are_never_clickable(users):
    done = await apply(
        users.admin,
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
    answer = await users.member.ask("where is the fact club wiki?")
    assert "Fact Club wiki" in embed_text(answer)
    assert clickable(embed_text(answer), CALENDAR) == []
    assert any(b.get("url") == CALENDAR for b in buttons(answer))
    assert f"]({CALENDAR})" in embed_text(answer)  # the citation stays a real link
    shown = await users.admin.command("fact show", {"fact_id": "club-links"})
    assert clickable(embed_text(shown), CALENDAR) == [] and f"]({CALENDAR})" in embed_text(shown)
    found = await users.admin.command("fact search", {"query": "club wiki"})
    assert "club-links" in embed_text(found) and clickable(embed_text(found), CALENDAR) == []


async def test_a_submitted_form_is_acknowledged_before_the_duplicate_scan(users):
    form = await users.admin.open_form("fact add")
    handle = await users.admin.send_form(
        form, fact="The Fact Club's board games evening is on Wednesdays.", source="Club calendar"
    )
    first = await handle.response(timeout=10)
    assert first.type == 5  # deferred: Discord's 3-second window is met whatever the scan costs
    assert (await handle.reply(timeout=10)).content.startswith("Added")


async def test_a_remove_confirmation_shown_before_an_edit_is_refused(bot, users):
    admin = users.admin
    confirm = await admin.command("fact remove", {"fact_id": "club-city"})
    form = await admin.open_form("fact edit", {"fact_id": "club-city"})
    edited = await admin.submit(form, fact="Hakodate's harbour hall hosts the club in winter.")
    assert edited.content.startswith("Updated")
    late = await admin.press(confirm, button(confirm, "Remove"))
    assert "club-city" in late.content and "changed since this preview" in late.content
    assert not buttons(late)
    assert bot.rows("select deleted_at from facts where id = 'club-city'") == [{"deleted_at": None}]


async def test_a_rollback_menu_shown_before_an_edit_is_refused(bot, users):
    admin = users.admin
    history = await admin.command("fact history", {"fact_id": "club-city"})
    form = await admin.open_form("fact edit", {"fact_id": "club-city"})
    latest = "Aomori's apple barn is the club's autumn home."
    assert (await admin.submit(form, fact=latest)).content.startswith("Updated")
    menu = select_menu(history)
    create = next(o["value"] for o in menu["options"] if "create" in o["label"])
    late = await (await admin.choose(history, menu["custom_id"], [create])).reply(timeout=10)
    assert "changed since this preview" in late.content and "history again" in late.content
    assert bot.rows("select text from facts where id = 'club-city'") == [{"text": latest}]


async def test_a_fact_whose_questions_do_not_fit_a_form_is_refused_with_a_pointer(users):
    owner = users.owner  # curated facts may have 20 questions of 200 characters
    exported = await owner.command("fact export")
    facts = json.loads(exported.files[0][1])["facts"]
    record = next(f for f in facts if f["id"] == "facebook-passes-mixi-nielsen")
    record["questions"] = [f"{n:02d} " + "q" * 197 for n in range(20)]
    dry = await owner.import_facts([record])
    assert "**1** to change" in embed_text(dry), embed_text(dry)
    assert "1 changed" in (await owner.press(dry, button(dry, "Apply"))).content
    handle = await owner.slash("fact edit", {"fact_id": "facebook-passes-mixi-nielsen"})
    refused = await handle.response(timeout=10)
    assert refused.type == 4 and refused.ephemeral  # a message, not a form cut short
    assert "/fact export" in refused.content and "/fact import" in refused.content
