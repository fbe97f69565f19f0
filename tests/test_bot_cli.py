"""`python -m bot` without a usable token: the console, or clear help and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.credentials import TokenError, read_token

REPO = Path(__file__).resolve().parent.parent


def test_token_comes_from_the_environment():
    assert read_token({"DISCORD_TOKEN": "  abc.def  "}) == "abc.def"
    assert read_token({}) == ""


def test_token_comes_from_the_file_named_by_the_environment(tmp_path):
    secret = tmp_path / "discord_token"
    secret.write_text("abc.def\n", encoding="utf-8")
    assert read_token({"DISCORD_TOKEN_FILE": str(secret)}) == "abc.def"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DISCORD_TOKEN": "abc", "DISCORD_TOKEN_FILE": "{secret}"}, "both"),
        ({"DISCORD_TOKEN_FILE": "{missing}"}, "cannot read DISCORD_TOKEN_FILE"),
        ({"DISCORD_TOKEN_FILE": "{empty}"}, "is empty"),
    ],
)
def test_unusable_token_settings_are_explained(tmp_path, environ, message):
    (tmp_path / "secret").write_text("abcdefgh", encoding="utf-8")
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    paths = {k: str(tmp_path / k) for k in ("secret", "missing", "empty")}
    with pytest.raises(TokenError, match=message) as caught:
        read_token({k: v.format(**paths) for k, v in environ.items()})
    assert "abcdefgh" not in str(caught.value)


def bot(*args: str, env: dict[str, str], config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env={
            **os.environ,
            "DISCORD_TOKEN": "",
            "DISCORD_TOKEN_FILE": "",
            "FACTBOT_CONFIG": str(config),
            **env,
        },
        stdin=subprocess.PIPE,  # held open: a process that reads it would hang
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[database]\npath = 'factbot.db'\n", encoding="utf-8")
    return path


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.close()
    return code, proc.stdout.read(), proc.stderr.read()


def test_without_a_token_in_a_container_it_explains_and_exits_2_without_waiting(config_file):
    proc = bot(env={"FACTBOT_BOT__CONSOLE_FALLBACK": "false"}, config=config_file)
    code, out, err = finish(proc)
    assert code == 2
    assert "DISCORD_TOKEN is not set" in err
    assert "-e DISCORD_TOKEN=..." in err and "DISCORD_TOKEN_FILE" in err
    assert "python -m knowledge ask" in err
    assert out == ""


def test_an_unreadable_token_file_exits_2_naming_it(config_file, tmp_path):
    missing = tmp_path / "no-such-secret"
    proc = bot(env={"DISCORD_TOKEN_FILE": str(missing)}, config=config_file)
    code, _, err = finish(proc)
    assert code == 2 and str(missing) in err


def test_sync_without_a_token_says_how_to_pass_it(config_file):
    code, _, err = finish(bot("sync", env={}, config=config_file))
    assert code == 2 and "sync needs the bot token" in err and "DISCORD_TOKEN_FILE" in err
