"""Load `config.toml` once into typed sections.

Every key has a default, so a missing file section is fine; an unknown key, a
value of the wrong type or out of range raises ConfigError naming the file and
the key. Any key can be overridden by an environment variable
FACTBOT_<SECTION>__<KEY> (its value is parsed as TOML, falling back to a string).
The Discord token is never part of the config: it comes only from DISCORD_TOKEN
(or the file named by DISCORD_TOKEN_FILE).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from .errors import ConfigError

CONFIG_ENV = "FACTBOT_CONFIG"
ENV_PREFIX = "FACTBOT_"


@dataclass(frozen=True)
class DatabaseConfig:
    path: Path = Path("data/factbot.db")
    busy_timeout_ms: int = 5000
    sync_interval_ms: int = 500
    url: str = ""  # postgresql://USER@HOST/DATABASE: the fact base on PostgreSQL, not path

    def _validate(self, where: str) -> None:
        _require(
            not self.url or urlsplit(self.url).scheme in ("postgresql", "postgres"),
            where,
            "database.url",
            "must be empty (the SQLite file at database.path) or postgresql://USER@HOST/DATABASE",
        )
        _require(self.busy_timeout_ms >= 0, where, "database.busy_timeout_ms", "must be >= 0")
        _require_between(self.sync_interval_ms, 50, 60_000, where, "database.sync_interval_ms")


@dataclass(frozen=True)
class RetrievalConfig:
    answer_threshold: float = 62.0
    suggest_threshold: float = 50.0
    related_margin: float = 6.0
    max_facts: int = 3
    max_suggestions: int = 3
    max_question_chars: int = 500

    def _validate(self, where: str) -> None:
        _require_between(self.answer_threshold, 0, 100, where, "retrieval.answer_threshold")
        _require_between(self.suggest_threshold, 0, 100, where, "retrieval.suggest_threshold")
        _require(
            self.suggest_threshold <= self.answer_threshold,
            where,
            "retrieval.suggest_threshold",
            "must not exceed retrieval.answer_threshold",
        )
        _require(self.related_margin >= 0, where, "retrieval.related_margin", "must be >= 0")
        _require(1 <= self.max_facts <= 3, where, "retrieval.max_facts", "must be 1, 2 or 3")
        _require(
            1 <= self.max_suggestions <= 3, where, "retrieval.max_suggestions", "must be 1, 2 or 3"
        )
        _require_between(self.max_question_chars, 20, 4000, where, "retrieval.max_question_chars")


@dataclass(frozen=True)
class IndexConfig:
    persist: bool = True  # save the index beside the fact base, start from it
    path: str = ""  # "" = next to the database (see index_path)

    def _validate(self, where: str) -> None:
        pass


@dataclass(frozen=True)
class BotConfig:
    owner_ids: tuple[int, ...] = ()
    admin_role_ids: tuple[int, ...] = ()
    sync_commands_on_start: bool = False
    dev_guild_id: int = 0
    ask_rate: int = 5
    ask_per_seconds: float = 30.0
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()
    console_fallback: bool = True

    def _validate(self, where: str) -> None:
        _require(self.ask_rate >= 1, where, "bot.ask_rate", "must be >= 1")
        _require(self.ask_per_seconds > 0, where, "bot.ask_per_seconds", "must be > 0")
        _require(self.shard_count >= 0, where, "bot.shard_count", "must be >= 0")
        if self.shard_ids:
            _require(
                self.shard_count > 0, where, "bot.shard_ids", "needs bot.shard_count to be set"
            )
            _require(
                all(0 <= s < self.shard_count for s in self.shard_ids),
                where,
                "bot.shard_ids",
                f"each id must be in 0..{self.shard_count - 1}",
            )


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    json: bool = False

    def _validate(self, where: str) -> None:
        _require(
            self.level.upper() in {"DEBUG", "INFO", "WARNING", "ERROR"},
            where,
            "logging.level",
            "must be DEBUG, INFO, WARNING or ERROR",
        )


@dataclass(frozen=True)
class HealthConfig:
    status_file: str = ""  # "" = next to the database (see bot.health.status_path)
    interval_seconds: float = 15.0

    def _validate(self, where: str) -> None:
        _require_between(self.interval_seconds, 1, 300, where, "health.interval_seconds")


@dataclass(frozen=True)
class ConversationConfig:
    followup_seconds: float = 300.0
    reply_followup_seconds: float = 3600.0
    max_speakers: int = 10000

    def _validate(self, where: str) -> None:
        _require_between(self.followup_seconds, 0, 86400, where, "conversation.followup_seconds")
        _require(
            self.followup_seconds <= self.reply_followup_seconds <= 86400,
            where,
            "conversation.reply_followup_seconds",
            "must be between conversation.followup_seconds and 86400",
        )
        _require_between(self.max_speakers, 1, 1_000_000, where, "conversation.max_speakers")


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    conversation: ConversationConfig = field(default_factory=ConversationConfig)
    source: Path | None = None  # the file this came from, if any


def require_sqlite(config: Config, command: str, instead: str) -> None:
    """Raises ConfigError when database.url is set, for a command that works on
    the SQLite file only (`instead`: what to do on PostgreSQL), so a setting
    that looked used is never silently ignored."""
    if config.database.url:
        raise ConfigError(
            f"{config.source or 'FACTBOT_DATABASE__URL'}: database.url is set, and "
            f"`{command}` works on the SQLite file at database.path only; {instead}"
        )


def index_path(config: Config) -> Path | None:
    """Where the index is saved: `index.path`, else next to the database
    (factbot.db -> factbot.index); None when it is not saved (index.persist
    false, or a PostgreSQL database)."""
    if not config.index.persist or config.database.url:
        return None
    if config.index.path:
        return Path(config.index.path)
    db = config.database.path
    return db.with_name(f"{db.stem}.index")


def _require(ok: bool, where: str, key: str, problem: str) -> None:
    if not ok:
        raise ConfigError(f"{where}: {key} {problem}")


def _require_between(value: float, low: int, high: int, where: str, key: str) -> None:
    _require(low <= value <= high, where, key, f"must be between {low} and {high}")


def default_config_path() -> Path:
    """FACTBOT_CONFIG if set, else ./config.toml."""
    return Path(os.environ.get(CONFIG_ENV, "config.toml"))


def load_config(path: Path | str | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the config file (if it exists) and environment overrides.

    Raises ConfigError naming the file and key for anything malformed. A path
    given explicitly must exist; the default path may be absent (defaults apply).
    """
    explicit = path is not None or CONFIG_ENV in (environ or os.environ)
    config_path = Path(path) if path is not None else default_config_path()
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path}: cannot read: {exc}") from None
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")

    _apply_env_overrides(raw, environ)
    where = str(config_path)
    sections = {}
    for section_field in fields(Config):
        if section_field.name == "source":
            continue
        section_cls = get_type_hints(Config)[section_field.name]
        section_raw = raw.pop(section_field.name, {})
        if not isinstance(section_raw, dict):
            raise ConfigError(f"{where}: [{section_field.name}] must be a table")
        sections[section_field.name] = _build_section(
            section_cls, section_field.name, section_raw, where
        )
    if raw:
        raise ConfigError(f"{where}: unknown section or key: {', '.join(sorted(raw))}")

    base = config_path.resolve().parent if config_path.exists() else Path.cwd()
    db = sections["database"]
    if not db.path.is_absolute():
        sections["database"] = replace(db, path=base / db.path)
    health = sections["health"]
    if health.status_file and not Path(health.status_file).is_absolute():
        sections["health"] = replace(health, status_file=str(base / health.status_file))
    index = sections["index"]
    if index.path and not Path(index.path).is_absolute():
        sections["index"] = replace(index, path=str(base / index.path))
    return Config(**sections, source=config_path if config_path.exists() else None)


def _apply_env_overrides(raw: dict[str, Any], environ: dict[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].partition("__")
        try:
            parsed = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value
        raw.setdefault(section.lower(), {})[key.lower()] = parsed


def _build_section(cls: type, section: str, values: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown key {section}.{key}")
        kwargs[key] = _coerce(value, hints[key], where, f"{section}.{key}")
    instance = cls(**kwargs)
    instance._validate(where)
    return instance


def _coerce(value: Any, hint: Any, where: str, key: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {key} must be {expected}, not {value!r}")

    if hint is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if hint is Path:
        if not isinstance(value, str) or not value.strip():
            raise bad("a non-empty path string")
        return Path(value)
    if get_origin(hint) is tuple:
        (item_type, _) = get_args(hint)
        if not isinstance(value, list):
            raise bad("a list")
        return tuple(_coerce(item, item_type, where, key) for item in value)
    raise AssertionError(f"unsupported config type {hint}")
