"""Curating facts: scope, owner-only curated edits, validation, history, review, import."""

from __future__ import annotations

import json
import re
import threading

import pytest

from knowledge.curation.build import build
from knowledge.curation.curator import Curator, FactDraft, InvalidFactError, NotAllowedError
from knowledge.curation.fact_files import parse_fact
from knowledge.errors import (
    AlreadyAppliedError,
    FactChangedError,
    FactFileError,
    FactNotFoundError,
    ScopeConflictError,
)
from knowledge.models import Status
from knowledge.store import LoggedQuestion

SOURCE = "japan-times-2012-01-04-social-media"
GUILD, OTHER = 111, 222


BOTH_BACKENDS = True


@pytest.fixture
def curator(kb):
    return Curator(kb)


def meetup(**changes) -> FactDraft:
    values = dict(
        text="The Fact Club meetup happens every Friday evening in the voice lounge.",
        questions=("When is the meetup?", "what day is the fact club meetup"),
        keywords=("meetup", "fact club"),
        citation="https://example.org/rules Server rules, section 4",
    )
    return FactDraft(**(values | changes))


def add(curator, guild=GUILD, **changes):
    return curator.add(meetup(**changes), guild_id=guild, actor="admin:1")


def edit(curator, fact_id, actor, **changes):
    """An admin (not the owner) of GUILD edits the meetup fact."""
    return curator.edit(fact_id, meetup(**changes), guild_id=GUILD, actor=actor, is_owner=False)


def test_added_fact_answers_at_once_only_in_its_server(curator, kb):
    fact = add(curator)
    answer = kb.ask("when is the fact club meetup?", guild_id=GUILD, log=False).answer
    assert answer.status is Status.ANSWER and answer.facts[0].fact.id == fact.id
    assert answer.facts[0].citation.url == "https://example.org/rules"
    elsewhere = kb.ask("when is the fact club meetup?", guild_id=OTHER, log=False).answer
    assert all(sf.fact.id != fact.id for sf in elsewhere.facts)
    assert kb.store.audit_entries(fact.id)[0]["action"] == "create"


def test_fact_citing_the_article_needs_a_verbatim_quote(curator):
    good = add(
        curator,
        citation="",
        source_id=SOURCE,
        paragraph=8,
        quote="LinkedIn launched in Japan in October",
    )
    assert good.paragraph == 8
    with pytest.raises(InvalidFactError, match="quote not found"):
        add(curator, citation="", source_id=SOURCE, paragraph=8, quote="LinkedIn launched in Korea")
    with pytest.raises(InvalidFactError, match="unknown source"):
        add(curator, citation="", source_id="nope", paragraph=1, quote="x")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "x" * 1001}, "1001 characters; the limit is 1000"),
        ({"text": "   "}, "text is missing or empty"),
        ({"questions": tuple(f"q{n}?" for n in range(11))}, "the limit is 10"),
        ({"questions": ("y" * 201,)}, "the limit is 200"),
        ({"citation": ""}, "needs a source"),
    ],
)
def test_limits_are_enforced_with_clear_messages(curator, changes, message):
    with pytest.raises(InvalidFactError, match=message):
        add(curator, **changes)


def test_control_characters_are_stripped_and_mentions_kept_as_typed(curator):
    fact = add(curator, text="Ping \x00@everyone\x07 about the <@123> meetup")
    assert fact.text == "Ping @everyone about the <@123> meetup"


def test_near_duplicates_are_found(curator):
    add(curator)
    found = curator.near_duplicates(
        "The Fact Club meetup happens every Friday evening in the voice lounge!", GUILD
    )
    assert found and found[0][1] >= 85
    assert curator.near_duplicates("The meetup is on Fridays in the lounge", OTHER) == []
    article = curator.near_duplicates("Facebook had some 11 million users in Japan in 2011", OTHER)
    assert article[0][0].id == "facebook-passes-mixi-nielsen"


def test_another_servers_admin_cannot_see_edit_or_remove(curator):
    fact = add(curator)
    with pytest.raises(FactNotFoundError):
        curator.show(fact.id, OTHER)
    with pytest.raises(FactNotFoundError):
        curator.edit(fact.id, meetup(text="Hijacked"), guild_id=OTHER, actor="x", is_owner=False)
    with pytest.raises(FactNotFoundError):
        curator.remove(fact.id, guild_id=OTHER, actor="x", is_owner=False)
    assert fact.id not in curator.fact_ids("", OTHER)
    assert curator.show(fact.id, GUILD).fact.text.startswith("The Fact Club")


def test_curated_facts_are_for_the_owner_only(curator, kb):
    draft = FactDraft.from_fact(kb.store.get_fact("facebook-passes-mixi-nielsen"))
    with pytest.raises(NotAllowedError, match="bot owner"):
        curator.edit(
            "facebook-passes-mixi-nielsen", draft, guild_id=GUILD, actor="admin", is_owner=False
        )
    with pytest.raises(NotAllowedError):
        curator.remove(
            "facebook-passes-mixi-nielsen", guild_id=GUILD, actor="admin", is_owner=False
        )
    edited = curator.edit(
        "facebook-passes-mixi-nielsen",
        FactDraft(**{**draft.__dict__, "text": draft.text + " (Owner note.)"}),
        guild_id=GUILD,
        actor="owner",
        is_owner=True,
    )
    assert edited.origin == "curated" and edited.guild_id is None


def test_rebuild_reports_an_owner_edit_instead_of_overwriting_it(curator, kb, curated_root):
    draft = FactDraft.from_fact(kb.store.get_fact("phones-went-down-march-11"))
    curator.edit(
        "phones-went-down-march-11",
        FactDraft(**{**draft.__dict__, "text": "Owner's wording."}),
        guild_id=None,
        actor="owner",
        is_owner=True,
    )
    report = build(kb.store)  # file unchanged: the owner's edit stays, silently
    assert (
        not report.conflicts
        and kb.store.get_fact("phones-went-down-march-11").text == "Owner's wording."
    )

    path = curated_root / "facts" / f"{SOURCE}.toml"
    path.write_text(
        path.read_text().replace("Phones went down in Japan", "Phone lines went down in Japan")
    )
    report = build(kb.store, curated_root)
    assert report.conflicts == ("phones-went-down-march-11",)
    assert kb.store.get_fact("phones-went-down-march-11").text == "Owner's wording."


def test_remove_and_restore(curator, kb):
    fact = add(curator)
    curator.remove(fact.id, guild_id=GUILD, actor="admin:1", is_owner=False)
    assert (
        kb.ask("when is the fact club meetup?", guild_id=GUILD, log=False).answer.status
        is not Status.ANSWER
    )
    with pytest.raises(FactNotFoundError, match="removed"):
        edit(curator, fact.id, "admin:1")
    assert fact.id in curator.fact_ids("", GUILD, removed=True)
    curator.restore(fact.id, guild_id=GUILD, actor="admin:1", is_owner=False)
    assert (
        kb.ask("when is the fact club meetup?", guild_id=GUILD, log=False).answer.facts[0].fact.id
        == fact.id
    )


def test_history_and_rollback(curator, kb):
    fact = add(curator)
    edit(curator, fact.id, "admin:2", text="The meetup moved to Saturdays in the voice lounge.")
    history = curator.history(fact.id, GUILD)
    assert [(h.action, h.actor) for h in history] == [("create", "admin:1"), ("update", "admin:2")]
    assert history[1].changes == ("text",)
    rolled = curator.rollback(
        fact.id, history[0].id, guild_id=GUILD, actor="admin:3", is_owner=False
    )
    assert rolled.text.startswith("The Fact Club meetup happens every Friday")
    assert curator.history(fact.id, GUILD)[-1].action == "rollback"
    assert kb.store.get_fact(fact.id).text == rolled.text


def test_review_queue_groups_near_duplicates_by_frequency(curator, kb):
    for question in [
        "Who is the CEO of Mixi?",
        "who is the ceo of mixi",
        "Who's Mixi's CEO??",
        "What is GREE's revenue?",
    ]:
        kb.store.log_question(LoggedQuestion(question, "unknown", 10, (), (), 1.0, guild_id=GUILD))
    kb.store.log_question(
        LoggedQuestion("Who is the CEO of Mixi?", "unknown", 10, (), (), 1.0, guild_id=OTHER)
    )
    groups = curator.unanswered(GUILD)
    assert [g.count for g in groups] == [3, 1]
    assert "CEO" in groups[0].question or "ceo" in groups[0].question
    assert curator.dismiss(groups[0].question_ids, guild_id=GUILD, actor="admin") == 3
    assert [g.count for g in curator.unanswered(GUILD)] == [1]
    assert [g.count for g in curator.unanswered(OTHER)] == [1]


def test_export_then_import_round_trips(curator):
    add(curator)
    exported = curator.export(GUILD)
    data = json.loads(exported)
    assert any(r["curated"] for r in data["facts"]) and any(not r["curated"] for r in data["facts"])
    plan = curator.plan_import(exported.encode(), guild_id=GUILD, is_owner=False)
    assert plan.added == [] and plan.changed == [] and plan.rejected == []
    assert len(plan.unchanged) == len(data["facts"])


def test_import_dry_run_reports_and_apply_writes_in_one_go(curator, kb):
    existing = add(curator)
    records = json.loads(curator.export(GUILD))["facts"]
    mine = next(r for r in records if r["id"] == existing.id)
    mine["text"] = "The meetup is now on Sundays."
    curated = next(r for r in records if r["curated"])
    curated["text"] = "Rewritten by an admin"
    records += [
        {"id": "new-fact-one", "text": "Our server opened in 2020.", "citation": "Server history"},
        {
            "id": "bad-quote",
            "text": "Bad",
            "source": SOURCE,
            "paragraph": 2,
            "quote": "not in the article",
        },
        {"text": ""},
        "not even an object",
    ]
    plan = curator.plan_import(
        json.dumps({"facts": records}).encode(), guild_id=GUILD, is_owner=False
    )
    assert [f.id for f in plan.added] == ["new-fact-one"]
    assert [f.id for f in plan.changed] == [existing.id]
    rejected = dict(plan.rejected)
    assert "bot owner" in rejected[curated["id"]]
    assert "quote not found" in rejected["bad-quote"]
    assert len(plan.rejected) == 4
    assert kb.store.get_fact(existing.id).text.startswith("The Fact Club")  # dry run wrote nothing

    curator.apply_import(plan, actor="admin:1")
    assert kb.store.get_fact(existing.id).text == "The meetup is now on Sundays."
    assert kb.store.get_fact("new-fact-one").guild_id == GUILD


@pytest.mark.parametrize(
    "data", [b"\xff\xfe garbage", b"{not json", b'{"facts": 3}', b"x" * 3_000_000]
)
def test_malformed_import_is_refused_whole(curator, data):
    with pytest.raises(InvalidFactError):
        curator.plan_import(data, guild_id=GUILD, is_owner=False)


def test_concurrent_admins_lose_nothing(curator, kb):
    errors = []

    def worker(n: int) -> None:
        try:
            fact = curator.add(
                meetup(
                    text=f"Club rule number {n}: be kind to fact number {n}.",
                    questions=(f"rule {n}?",),
                ),
                guild_id=GUILD,
                actor=f"admin:{n}",
            )
            edit(
                curator,
                fact.id,
                f"admin:{n}",
                text=f"Club rule number {n}, edited.",
                questions=(f"rule {n}?",),
            )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    admin = [f for f in kb.store.live_facts() if f.guild_id == GUILD]
    assert len(admin) == 40 and all(f.text.endswith("edited.") for f in admin)
    audit = kb.store.read(
        "select action, count(*) n from audit_log where guild_id = ? group by action", [GUILD]
    )
    assert {r["action"]: r["n"] for r in audit} == {"create": 40, "update": 40}


def import_plan(curator, records, guild=GUILD):
    return curator.plan_import(
        json.dumps({"facts": records}).encode(), guild_id=guild, is_owner=False
    )


def club_fact(fact_id: str, text: str) -> dict:
    return {"id": fact_id, "text": text, "citation": "Club lore"}


def test_a_plan_made_before_another_change_applies_nothing(curator, kb):
    late = import_plan(curator, [club_fact("stale-one", "Plan A: the mascot is a fox.")])
    first = import_plan(curator, [club_fact("stale-one", "Plan B: the mascot is an owl.")])
    curator.apply_import(first, actor="admin:2")
    with pytest.raises(
        FactChangedError, match="`stale-one` changed since this preview; run the import again"
    ):
        curator.apply_import(late, actor="admin:1")
    assert kb.store.get_fact("stale-one").text == "Plan B: the mascot is an owl."
    assert [e["action"] for e in kb.store.audit_entries("stale-one")] == ["create"]


def test_a_plan_applies_once(curator, kb):
    plan = import_plan(curator, [club_fact("once-only", "The club was founded on a Tuesday.")])
    curator.apply_import(plan, actor="admin:1")
    with pytest.raises(AlreadyAppliedError, match="already applied"):
        curator.apply_import(plan, actor="admin:1")
    assert len(kb.store.audit_entries("once-only")) == 1


def test_a_fact_of_another_server_is_a_conflict_not_a_store_failure(curator, kb):
    ours = import_plan(curator, [club_fact("shared-id", "Ours.")])
    curator.apply_import(
        import_plan(curator, [club_fact("shared-id", "Theirs.")], OTHER), actor="b"
    )
    with pytest.raises(
        ScopeConflictError, match="`shared-id` is another server's fact; nothing was written"
    ):
        curator.apply_import(ours, actor="a")
    assert kb.store.get_fact("shared-id").guild_id == OTHER


def test_remove_edit_and_rollback_refuse_a_fact_changed_since_their_preview(curator, kb):
    fact = add(curator)
    seen = curator.version(fact.id)
    edit(curator, fact.id, "b", text="The meetup moved to Saturdays.")
    entry = curator.history(fact.id, GUILD)[0].id
    with pytest.raises(FactChangedError, match="run /fact remove again"):
        curator.remove(fact.id, guild_id=GUILD, actor="a", is_owner=False, expected=seen)
    with pytest.raises(FactChangedError, match="open the form again"):
        curator.edit(fact.id, meetup(), guild_id=GUILD, actor="a", is_owner=False, expected=seen)
    with pytest.raises(FactChangedError, match="open /fact history again"):
        curator.rollback(fact.id, entry, guild_id=GUILD, actor="a", is_owner=False, expected=seen)
    assert kb.store.get_fact(fact.id).text == "The meetup moved to Saturdays."
    now = curator.version(fact.id)
    curator.remove(fact.id, guild_id=GUILD, actor="a", is_owner=False, expected=now)
    assert curator.version(fact.id) != now  # removing is a change too


WRONG_TYPES = [
    ("questions", [1, 2, {"q": "?"}], "questions must be a list of strings"),
    ("keywords", "not-a-list", "keywords must be a list of strings"),
    ("citation", 5, "citation must be text, not a number"),
    ("text", ["a list"], "text must be text, not a list"),
]


@pytest.mark.parametrize(("field", "value", "message"), WRONG_TYPES)
def test_a_wrong_type_is_rejected_by_name_on_import(curator, kb, field, value, message):
    plan = import_plan(curator, [club_fact("typed", "A typed fact.") | {field: value}])
    assert plan.added == [] and plan.rejected == [("typed", message)]


@pytest.mark.parametrize(("field", "value", "message"), WRONG_TYPES)
def test_a_wrong_type_is_rejected_the_same_in_a_fact_file(tmp_path, kb, field, value, message):
    record = club_fact("typed", "A typed fact.") | {field: value}
    with pytest.raises(FactFileError, match=re.escape(f"fact 'typed': {message}")):
        parse_fact(record, kb.retriever.sources, where="facts.toml: fact 'typed'")


def test_an_import_id_that_is_not_text_is_refused_not_replaced(curator):
    plan = import_plan(curator, [club_fact("x", "An id of the wrong type.") | {"id": 5}])
    assert plan.added == [] and "id must be text" in plan.rejected[0][1]


def test_a_long_quote_is_refused_not_cut(curator):
    with pytest.raises(InvalidFactError, match="quote is 1001 characters"):
        add(curator, quote="q" * 1001)


def test_adding_does_not_ask_whether_the_caller_is_the_owner(curator):
    # Adding only ever makes an admin fact of this server: being the owner changes nothing.
    with pytest.raises(TypeError, match="is_owner"):
        curator.add(meetup(), guild_id=GUILD, actor="admin:1", is_owner=True)


def test_an_unknown_field_is_rejected_not_ignored(curator, kb):
    plan = import_plan(curator, [club_fact("typo", "A fact with a typo.") | {"question": ["q?"]}])
    assert plan.added == [] and "unknown field 'question'" in plan.rejected[0][1]
    with pytest.raises(FactFileError, match="unknown field 'question'"):
        parse_fact(club_fact("typo", "x") | {"question": ["q?"]}, {}, where="f.toml: fact 'typo'")


def test_a_key_given_twice_refuses_the_file_rather_than_keeping_one(curator):
    data = b'{"facts": [{"id": "twice", "text": "First.", "text": "Second.", "citation": "x"}]}'
    with pytest.raises(InvalidFactError, match="'text' appears twice"):
        curator.plan_import(data, guild_id=GUILD, is_owner=False)


def test_a_new_fact_never_replaces_one_whose_random_id_it_drew(curator, kb, monkeypatch):
    first = add(curator)
    drawn = iter([first.id, first.id.rsplit("-", 1)[0] + "-abc123"])
    monkeypatch.setattr(curator, "_new_id", lambda text: next(drawn))
    second = add(curator, text="A different fact about the club's quiz night on Thursdays.")
    assert second.id.endswith("-abc123")
    assert kb.store.get_fact(first.id).text == first.text
