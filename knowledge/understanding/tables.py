"""The general data tables the understanding steps read (knowledge/data/*.toml),
loaded once and checked."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from ..errors import FactFileError
from ..tomlfile import read_toml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CHAT_SPEAK_FILE = DATA_DIR / "chat_speak.toml"
NUMBERS_FILE = DATA_DIR / "numbers.toml"
SMALL_TALK_FILE = DATA_DIR / "small_talk.toml"


@cache
def chat_speak() -> dict[str, Any]:
    return read_toml(CHAT_SPEAK_FILE)


@cache
def numbers() -> dict[str, Any]:
    return read_toml(NUMBERS_FILE)


@cache
def small_talk() -> dict[str, Any]:
    return read_toml(SMALL_TALK_FILE)


def table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    """One [name] table of a data file; FactFileError naming the file if absent."""
    found = data.get(name)
    if not isinstance(found, dict):
        raise FactFileError(f"{path}: needs a [{name}] table")
    return found
