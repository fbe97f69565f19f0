"""A server's own aliases (stored, audited, applied to that server only), and the
curated lexicon read from the database the build wrote, never from the files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge.cli.main import main
from knowledge.curation.build import build, runtime_lexicon
from knowledge.errors import AliasError
from knowledge.models import Status
from knowledge.store import FactStore
from knowledge.store.server_aliases import MAX_SERVER_ALIASES

GUILD, OTHER = 41, 42
BOTH_BACKENDS = True
BLUE_SITE = "how many users did the blue site have in japan"
UPGRADABLE = Path(__file__).parent / "data" / "factbot-schema-0001.db"


def test_an_alias_answers_its_servers_questions_only_until_removed(kb):
    assert kb.ask(BLUE_SITE, guild_id=GUILD, log=False).answer.status is not Status.ANSWER
    assert (
        kb.add_server_alias(GUILD, "  The   Blue Site ", "Facebook", actor="t") == "the blue site"
    )
    answer = kb.ask(BLUE_SITE, guild_id=GUILD, log=False).answer
    assert answer.status is Status.ANSWER and "11 million" in answer.facts[0].fact.text
    assert kb.ask(BLUE_SITE, guild_id=OTHER, log=False).answer.status is not Status.ANSWER
    assert kb.ask(BLUE_SITE, log=False).answer.status is not Status.ANSWER
    assert kb.server_aliases(GUILD) == {"the blue site": "Facebook"}
    assert kb.server_aliases(OTHER) == {}
    assert kb.remove_server_alias(GUILD, "THE BLUE SITE", actor="t") == "Facebook"
    assert kb.ask(BLUE_SITE, guild_id=GUILD, log=False).answer.status is not Status.ANSWER
    actions = [(r["action"], r["guild_id"], r["fact_id"]) for r in kb.store.alias_audit(GUILD)]
    assert actions == [("alias-add", GUILD, None), ("alias-remove", GUILD, None)]
    first = json.loads(kb.store.alias_audit(GUILD)[0]["after"])
    assert first == {"alias": "the blue site", "canonical": "Facebook"}


def test_another_process_sees_an_alias_after_sync(kb, config):
    from knowledge.service import KnowledgeBase

    other = KnowledgeBase.open(config)
    try:
        kb.add_server_alias(GUILD, "the blue site", "Facebook", actor="t")
        assert other.sync().reloaded
        assert other.ask(BLUE_SITE, guild_id=GUILD, log=False).answer.status is Status.ANSWER
    finally:
        other.close()


@pytest.mark.parametrize(
    ("alias", "canonical", "message"),
    [
        ("!!", "Facebook", "letter or digit"),
        ("facebook", "FaceBook", "must differ"),
        ("x" * 101, "Facebook", "keep it to 100"),
        ("fb page", " ", "letter or digit"),
    ],
)
def test_a_malformed_alias_is_refused_and_nothing_is_stored(kb, alias, canonical, message):
    with pytest.raises(AliasError, match=message):
        kb.add_server_alias(GUILD, alias, canonical, actor="t")
    assert kb.server_aliases(GUILD) == {}
    assert kb.store.alias_audit(GUILD) == []


def test_removing_an_unknown_alias_is_refused(kb):
    kb.add_server_alias(OTHER, "the blue site", "Facebook", actor="t")
    with pytest.raises(AliasError, match="no alias"):
        kb.remove_server_alias(GUILD, "the blue site", actor="t")
    assert kb.server_aliases(OTHER) == {"the blue site": "Facebook"}


def test_a_server_has_at_most_so_many_aliases(kb):
    for i in range(MAX_SERVER_ALIASES):
        kb.store.add_server_alias(GUILD, f"name {i}", "Facebook", actor="t")
    with pytest.raises(AliasError, match="remove one"):
        kb.add_server_alias(GUILD, "one more", "Facebook", actor="t")
    kb.add_server_alias(OTHER, "one more", "Facebook", actor="t")  # another server's count


def test_the_terminal_adds_lists_and_removes_aliases(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text("[database]\npath = 'factbot.db'\n", encoding="utf-8")
    assert main(["--config", str(config), "build"]) == 0

    def fact(*argv):
        code = main(["--config", str(config), "fact", "alias", *argv])
        out = capsys.readouterr()
        return code, out.out + out.err

    assert fact("add", "--guild", "5", "The Blue Site", "Facebook")[0] == 0
    assert fact("list", "--guild", "5") == (0, "the blue site -> Facebook\n")
    assert "no aliases" in fact("list", "--guild", "6")[1]
    code, out = fact("remove", "--guild", "6", "the blue site")
    assert code == 1 and "no alias" in out
    assert fact("remove", "--guild", "5", "the blue site")[0] == 0
    assert "no aliases" in fact("list", "--guild", "5")[1]


def test_the_curated_lexicon_comes_from_the_database_the_build_wrote(curated_root, db_path):
    aliases = curated_root / "aliases.toml"
    aliases.write_text(
        aliases.read_text(encoding="utf-8").replace(
            '"nikkei trendy" = ["magazine", "trend magazine"]',
            '"nikkei trendy" = ["magazine", "trend magazine", "glossy monthly"]',
        ),
        encoding="utf-8",
    )
    synonyms = curated_root / "synonyms.toml"
    synonyms.write_text(
        synonyms.read_text(encoding="utf-8").replace(
            'big = ["huge",', 'big = ["humongous", "huge",'
        ),
        encoding="utf-8",
    )
    store = FactStore.open(db_path)
    try:
        build(store, curated_root)
        shutil.rmtree(curated_root)  # nothing is read from the files after the build
        lexicon = runtime_lexicon(store)
        assert "glossy monthly" in lexicon.descriptions["nikkeitrendy"]
        assert lexicon.synonyms["humongous"] == "big"
        assert lexicon.synonyms["tell me about"] == ""  # a filler
        assert lexicon.aliases["fb"] == "facebook"
    finally:
        store.close()


def test_an_older_database_gets_the_lexicon_it_used_to_read_from_the_files(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(UPGRADABLE, path)
    store = FactStore.open(path)
    try:
        lexicon = runtime_lexicon(store)
        assert "trend magazine" in lexicon.descriptions["nikkeitrendy"]
        assert lexicon.synonyms["quake"] == "earthquake"
        assert store.server_aliases() == {}
    finally:
        store.close()


def test_rebuilding_unchanged_files_leaves_the_lexicon_alone(store):
    build(store)
    count = "select count(*) n from changes where kind in ('lexicon', 'aliases')"
    before = store.read(count)[0]["n"]
    build(store)
    assert store.read(count)[0]["n"] == before
