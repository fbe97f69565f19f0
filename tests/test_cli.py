"""`python -m knowledge` and the console, run as a user would."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.cli.console import run_console
from knowledge.cli.main import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[database]\npath = 'factbot.db'\n", encoding="utf-8")
    return path


@pytest.fixture
def built(config_file: Path) -> Path:
    assert main(["--config", str(config_file), "build"]) == 0
    return config_file


def run(config_file: Path, *args: str, stdin: str = "", env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", *args[:1], "--config", str(config_file), *args[1:]]
        if args[0] == "knowledge"
        else [sys.executable, "-m", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_build_reports_what_it_did_then_no_changes(config_file, capsys):
    assert main(["--config", str(config_file), "build"]) == 0
    first = capsys.readouterr().out
    # A few ids, one per line, not all 59 on one line.
    assert "curated" in first and "  added 59:\n" in first
    assert "    social-media-came-of-age-japan-2011\n" in first and "… and 54 more" in first
    assert main(["--config", str(config_file), "build"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_ask_prints_answer_with_full_citation(built, capsys):
    assert main(["--config", str(built), "ask", "How many users did Facebook have in Japan?"]) == 0
    out = capsys.readouterr().out
    assert "11 million" in out
    assert "2011 trends: Social media in Japan comes of age" in out
    assert "The Japan Times" in out and "2012-01-04" in out and "¶2" in out
    assert "Quote: “" in out
    assert "https://www.japantimes.co.jp/" in out


def test_ask_json_has_the_documented_shape(built, capsys):
    assert (
        main(
            [
                "--config",
                str(built),
                "ask",
                "--json",
                "When did LinkedIn launch in Japan?",
                "qwertyuiop",
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["status"] for line in lines] == ["answer", "unknown"]
    answer = lines[0]
    assert set(answer) >= {"question", "status", "facts", "suggestions"}
    fact = answer["facts"][0]
    assert set(fact) >= {"id", "text", "source", "paragraph", "quote", "url", "score"}
    assert "October" in fact["text"]
    assert lines[1]["facts"] == [] and lines[1]["suggestions"] == []


def test_ask_reads_questions_from_standard_input(built):
    result = run(
        built, "knowledge", "ask", "--json", stdin="Who founded Facebook?\n\nHow big is GREE?\n"
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["status"] == "suggest" and lines[0]["facts"] == []
    assert lines[0]["suggestions"]
    assert "20 million" in lines[1]["facts"][0]["text"]


def test_ask_explains_bad_questions_and_keeps_going(built):
    result = run(built, "knowledge", "ask", "--json", stdin="x" * 10_000 + "\nHow big is GREE?\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["status"] == "invalid" and "10,000 characters" in lines[0]["error"]
    assert lines[1]["status"] == "answer"


def test_eval_prints_accuracy_per_kind(built, tmp_path, capsys):
    questions = tmp_path / "small.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(item)
            for item in [
                {
                    "id": "a",
                    "kind": "direct",
                    "q": "How many users did Facebook have?",
                    "any": ["11 million"],
                },
                {"id": "b", "kind": "typo", "q": "how big is greee", "any": ["20 million"]},
                {
                    "id": "c",
                    "kind": "direct",
                    "q": "What is the speed of light?",
                    "any": ["299,792"],
                },
                {"id": "d", "kind": "oos", "q": "Who painted the Mona Lisa?"},
            ]
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(built), "eval", str(questions), "-v"]) == 0
    out = capsys.readouterr().out
    assert "direct" in out and "50.0%" in out
    assert "typo" in out and "100.0%" in out
    assert re.search(r"overall\s+3\s+4\s+75.0%", out)
    assert "DON'T KNOW c" in out  # -v lists every miss with its outcome


def test_eval_rejects_a_malformed_question_file(built, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "kind": "direct"}\n', encoding="utf-8")
    assert main(["--config", str(built), "eval", str(bad)]) == 1
    assert "bad.jsonl: line 1" in capsys.readouterr().err


def test_ask_without_a_built_base_says_how_to_build(config_file, capsys):
    assert main(["--config", str(config_file), "ask", "hello"]) == 1
    err = capsys.readouterr().err
    assert "factbot.db" in err and "python -m knowledge build" in err


def test_corrupt_database_gives_a_clear_error(config_file, capsys):
    (config_file.parent / "factbot.db").write_bytes(b"garbage" * 1000)
    assert main(["--config", str(config_file), "ask", "hello"]) == 1
    assert "factbot.db" in capsys.readouterr().err


def test_bad_config_value_gives_a_clear_error(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text("[retrieval]\nmax_facts = 0\n", encoding="utf-8")
    assert main(["--config", str(path), "build"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "retrieval.max_facts" in err


def test_console_answers_and_follows_a_did_you_mean(kb):
    out = io.StringIO()
    run_console(
        kb, stdin=io.StringIO("Who founded Facebook?\n1\n\nqwertyuiop\nquit\nignored\n"), stdout=out
    )
    text = out.getvalue()
    assert "Did you mean" in text
    assert text.count("Source: “2011 trends") == 1  # the chosen suggestion, with citation
    assert "I don't know that one" in text
    assert "ignored" not in text
    assert kb.store.question_count() == 2  # the two questions, not the menu choice


def test_bot_without_token_runs_the_console(built):
    result = run(
        built,
        "bot",
        stdin="How many users did Facebook have in Japan?\n",
        env={"DISCORD_TOKEN": "", "FACTBOT_CONFIG": str(built)},
    )
    assert result.returncode == 0, result.stderr
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "11 million" in result.stdout


FACT_PACK = {
    "format": "factbot-facts/1",
    "facts": [
        {
            "id": "club-venue",
            "text": "The Fact Club meetup is held at the Riverside Library, room 2.",
            "questions": ["where is the meetup"],
            "citation": "club handbook",
        },
        {
            "id": "club-day",
            "text": "The Fact Club meets every Thursday at 7 pm.",
            "questions": ["when does the club meet"],
            "citation": "club handbook",
        },
    ],
}


def test_eval_loads_a_fact_pack_into_a_scratch_server_and_grades_every_kind(
    built, tmp_path, capsys
):
    pack = tmp_path / "pack.json"
    pack.write_text(json.dumps(FACT_PACK), encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    items = [
        {"id": "a", "kind": "chat", "q": "<@1> where is the meetup??", "any": ["Riverside"]},
        {"id": "b", "kind": "chat", "q": "wen does the club meet", "any": ["Thursday"]},
        {
            "id": "c",
            "kind": "followup",
            "q": "and mixi?",
            "context": ["how many users did facebook have in japan according to nielsen?"],
            "any": ["8.4 million"],
        },
        {"id": "d", "kind": "smalltalk", "q": "thx!!"},
        {"id": "e", "kind": "oos", "q": "who won the world cup?"},
        {"id": "f", "kind": "direct", "q": "Who founded the Fact Club?", "any": ["Nobody"]},
    ]
    questions.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    assert main(["--config", str(built), "eval", str(questions), "--facts", str(pack), "-v"]) == 0
    out = capsys.readouterr().out
    assert "Loaded 2 facts from pack.json" in out
    assert re.search(r"chat\s+2\s+2\s+100.0%", out)
    assert re.search(r"followup\s+1\s+1\s+100.0%", out)
    assert re.search(r"smalltalk\s+1\s+1\s+100.0%", out)
    assert re.search(r"answerable\s+3\s+4\s+75.0%", out)
    assert "f [direct]" in out  # the one miss is listed with its outcome
    # The scratch server was a throwaway copy: the real fact base has no admin facts.
    assert main(["--config", str(built), "ask", "--json", "where is the meetup"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] != "answer"


def test_ask_with_guild_answers_from_that_servers_facts(built, tmp_path, capsys):
    pack = tmp_path / "pack.json"
    pack.write_text(json.dumps(FACT_PACK), encoding="utf-8")
    main(["--config", str(built), "fact", "import", str(pack), "--guild", "77", "--apply"])
    capsys.readouterr()
    assert main(["--config", str(built), "ask", "--guild", "77", "where is the meetup"]) == 0
    assert "Riverside Library" in capsys.readouterr().out
    assert main(["--config", str(built), "ask", "--guild", "78", "where is the meetup"]) == 0
    assert "Riverside Library" not in capsys.readouterr().out


def test_ask_answers_small_talk_and_follow_ups_like_the_bot(built, capsys):
    facebook = "how many users did facebook have in japan according to nielsen?"
    assert main(["--config", str(built), "ask", "thanks!!", facebook, "and mixi?"]) == 0
    out = capsys.readouterr().out
    assert "You're welcome" in out and "Try asking, for example" in out
    assert f"(following up on “{facebook}”)" in out and "8.4 million" in out


def test_console_with_guild_answers_from_that_servers_facts_and_small_talk(built, tmp_path):
    pack = tmp_path / "pack.json"
    pack.write_text(json.dumps(FACT_PACK), encoding="utf-8")
    assert (
        main(["--config", str(built), "fact", "import", str(pack), "--guild", "77", "--apply"]) == 0
    )
    stdin = "hi!\n<@5> wen does the club meet??\n"
    result = run(built, "knowledge", "console", "--guild", "77", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "Try asking, for example: “" in result.stdout
    assert "every Thursday at 7 pm" in result.stdout
    other = run(built, "knowledge", "console", "--guild", "78", stdin=stdin)
    assert "every Thursday at 7 pm" not in other.stdout
