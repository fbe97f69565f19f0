"""Config: typed sections, defaults, env overrides, and errors naming file and key."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from knowledge.config import Config, load_config
from knowledge.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads_with_every_default():
    config = load_config(REPO / "config.toml", environ={})
    assert config.retrieval.suggest_threshold < config.retrieval.answer_threshold
    assert config.database.path == REPO / "data" / "factbot.db"
    assert config.bot.ask_rate >= 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[retrieval]\nanswer_threshold = 'high'\n", "retrieval.answer_threshold"),
        ("[retrieval]\nanswer_threshold = 140\n", "retrieval.answer_threshold"),
        ("[retrieval]\nmax_facts = 9\n", "retrieval.max_facts"),
        (
            "[retrieval]\nsuggest_threshold = 90\nanswer_threshold = 60\n",
            "retrieval.suggest_threshold",
        ),
        ("[bot]\nask_rate = 0\n", "bot.ask_rate"),
        ("[bot]\nowner_ids = 'me'\n", "bot.owner_ids"),
        ("[bot]\nshard_ids = [3]\nshard_count = 2\n", "bot.shard_ids"),
        ("[bot]\nsync_commands_on_start = 'yes'\n", "bot.sync_commands_on_start"),
        ("[logging]\nlevel = 'LOUD'\n", "logging.level"),
        ("[database]\npath = ''\n", "database.path"),
        ("[retrieval]\nanswer_treshold = 60\n", "retrieval.answer_treshold"),
    ],
)
def test_bad_value_names_the_file_and_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(path) in str(caught.value)
    assert key in str(caught.value)


def test_broken_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[retrieval\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})


def test_a_relative_database_path_keeps_the_sections_other_settings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[database]\npath = 'facts.db'\nbusy_timeout_ms = 1234\nsync_interval_ms = 2000\n"
    )
    database = load_config(path, environ={}).database
    assert (database.path, database.busy_timeout_ms, database.sync_interval_ms) == (
        tmp_path / "facts.db",
        1234,
        2000,
    )


def test_relative_database_path_is_relative_to_the_config_file(tmp_path):
    path = write(tmp_path, "[database]\npath = 'db/facts.db'\n")
    assert load_config(path, environ={}).database.path == tmp_path / "db" / "facts.db"


def test_environment_overrides_a_key(tmp_path):
    path = write(tmp_path, "[retrieval]\nanswer_threshold = 70\n")
    config = load_config(
        path,
        environ={
            "FACTBOT_RETRIEVAL__ANSWER_THRESHOLD": "75",
            "FACTBOT_BOT__OWNER_IDS": "[1, 2]",
            "FACTBOT_DATABASE__PATH": "/srv/factbot.db",
        },
    )
    assert config.retrieval.answer_threshold == 75.0
    assert config.bot.owner_ids == (1, 2)
    assert config.database.path == Path("/srv/factbot.db")


def test_bad_environment_value_names_the_key(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(ConfigError, match=r"retrieval\.max_facts"):
        load_config(path, environ={"FACTBOT_RETRIEVAL__MAX_FACTS": "lots"})


def test_token_is_not_a_config_key(tmp_path):
    path = write(tmp_path, "[bot]\ntoken = 'abc'\n")
    with pytest.raises(ConfigError, match=r"unknown key bot\.token"):
        load_config(path, environ={})


def test_container_and_health_keys_can_come_from_the_environment(tmp_path):
    config = load_config(
        write(tmp_path, ""),
        environ={
            "FACTBOT_BOT__CONSOLE_FALLBACK": "false",
            "FACTBOT_HEALTH__INTERVAL_SECONDS": "5",
            "FACTBOT_HEALTH__STATUS_FILE": "/run/factbot/status.json",
        },
    )
    assert config.bot.console_fallback is False
    assert config.health.interval_seconds == 5.0
    assert config.health.status_file == "/run/factbot/status.json"


def test_health_interval_is_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"health\.interval_seconds"):
        load_config(write(tmp_path, "[health]\ninterval_seconds = 0\n"), environ={})


def test_shipped_config_lists_every_key_with_its_default_and_docs_document_it():
    shipped = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    documented = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    defaults = Config()
    for section in fields(Config):
        if section.name == "source":
            continue
        section_defaults = getattr(defaults, section.name)
        for key in fields(section_defaults):
            name = f"{section.name}.{key.name}"
            assert key.name in shipped.get(section.name, {}), f"config.toml lacks {name}"
            value = shipped[section.name][key.name]
            default = getattr(section_defaults, key.name)
            expected = list(default) if isinstance(default, tuple) else default
            assert str(value) == str(expected), f"config.toml: {name} is not the default"
            assert f"`{name}`" in documented, f"docs/configuration.md lacks {name}"
