"""The docs' examples are real: README's answer as the bot shows it and its
console output, and the backup commands in docs/operations.md."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rendering import render_answer
from knowledge.cli.main import main as knowledge_main

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
OPERATIONS = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
QUESTION = "How many users did Facebook have in Japan?"


def code_blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)


def block_starting(prefix: str) -> str:
    (found,) = [b for b in code_blocks() if b.lstrip().startswith(prefix)]
    return found


def test_discord_example_is_what_the_bot_renders(kb):
    example = block_starting("you      @FactBot")
    assert f"@FactBot {QUESTION}" in example
    embed = render_answer(kb.ask(QUESTION).answer, question_id=1).embed
    assert embed is not None
    shown = [line.split("┃", 1)[1].strip() for line in example.splitlines() if "┃" in line]
    assert shown[0] == embed.title
    assert shown[1] == embed.description
    (field,) = embed.fields
    quote, link = field.value.split("\n")
    assert shown[3:6] == [field.name, quote, "Read the source"]
    assert link.startswith("[Read the source](")
    assert shown[-1] == embed.footer.text
    assert "[ Read the article ]  [ 👍 ]  [ 👎 ]" in example


def test_console_example_is_what_ask_prints(kb, config, capsys, tmp_path):
    example = block_starting("$ .venv/bin/python -m knowledge ask")
    command, *expected = example.rstrip("\n").splitlines()
    assert shlex.split(command)[-1] == QUESTION
    config_file = tmp_path / "config.toml"
    config_file.write_text(f"[database]\npath = '{config.database.path}'\n", encoding="utf-8")
    assert knowledge_main(["--config", str(config_file), "ask", QUESTION]) == 0
    assert capsys.readouterr().out.rstrip("\n").splitlines() == expected


def backup_commands() -> tuple[str, str]:
    sqlite_cli = re.search(r"^sqlite3 data/factbot.db .*$", OPERATIONS, flags=re.M)
    in_container = re.search(
        r"^docker exec factbot (python -m knowledge backup \S+)", OPERATIONS, flags=re.M
    )
    assert sqlite_cli and in_container
    return sqlite_cli.group(0), in_container.group(1)


@pytest.fixture
def busy_db(kb):
    """A fact base whose latest write is still only in the write-ahead log."""
    path = kb.store.path
    conn = sqlite3.connect(path)
    conn.execute("pragma wal_autocheckpoint = 0")
    conn.execute("insert into meta (key, value) values ('backup-check', 'latest')")
    conn.commit()
    yield path
    conn.close()


def has_latest_write(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select value from meta where key = 'backup-check'").fetchall() == [
            ("latest",)
        ]
    finally:
        conn.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 program")
def test_sqlite3_backup_command_copies_a_live_database(busy_db, tmp_path):
    command = backup_commands()[0]
    args = shlex.split(command.replace("data/factbot.db", str(busy_db)))
    args[-1] = args[-1].replace("backup.db", str(tmp_path / "backup.db"))
    subprocess.run(args, check=True, timeout=60)
    assert has_latest_write(tmp_path / "backup.db")


def test_python_backup_command_copies_a_live_database(busy_db, tmp_path):
    command = backup_commands()[1].replace("/data/backup.db", str(tmp_path / "backup.db"))
    args = shlex.split(command)
    assert args[:4] == ["python", "-m", "knowledge", "backup"]
    env = {**os.environ, "FACTBOT_CONFIG": str(REPO / "config.toml")}
    env["FACTBOT_DATABASE__PATH"] = str(busy_db)
    subprocess.run([sys.executable, *args[1:]], check=True, timeout=60, env=env, cwd=REPO)
    assert has_latest_write(tmp_path / "backup.db")
