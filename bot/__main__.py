"""`python -m bot`: run FactBot on Discord, or the local console without a token."""

from __future__ import annotations

import os
import sys

from knowledge.config import load_config
from knowledge.console import run_console
from knowledge.errors import KnowledgeError
from knowledge.service import KnowledgeBase


def main() -> int:
    try:
        config = load_config()
        token = os.environ.get("DISCORD_TOKEN", "").strip()
        if token:
            print("error: the Discord bot is not available in this version yet.", file=sys.stderr)
            return 1
        print(
            "DISCORD_TOKEN is not set, so FactBot is starting its local console instead.\n"
            "Set DISCORD_TOKEN to connect to Discord (see README.md).\n",
            file=sys.stderr,
        )
        kb = KnowledgeBase.open(config)
        try:
            run_console(kb)
        finally:
            kb.close()
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
