"""Reading the repo's TOML data files (sources, facts, aliases, synonyms)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import FactFileError


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; FactFileError naming the file if it is unreadable or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FactFileError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FactFileError(f"{path}: not valid TOML: {exc}") from None
