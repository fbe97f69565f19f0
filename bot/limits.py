"""Discord's message limits, and text helpers that keep within them safely."""

from __future__ import annotations

import re

import discord

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
BUTTON_LABEL = 80
CUSTOM_ID = 100
ACTION_ROWS = 5

_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_FULLWIDTH_AT = "\uff20"


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def defuse(text: str) -> str:
    """User or fact text made safe to repeat: no working mentions of anyone.

    allowed_mentions already stops pings; this also keeps @everyone, @here and
    <@id> from rendering as mentions at all.
    """
    text = (text or "").replace(_FULLWIDTH_AT, "@")
    text = discord.utils.escape_mentions(text)
    return _MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)


def quote_block(text: str, limit: int) -> str:
    """Text as a Markdown block quote that cannot break out of its formatting."""
    safe = discord.utils.escape_markdown(defuse(text))
    lines = [f"> {line}" if line.strip() else ">" for line in safe.splitlines() or [""]]
    return clip("\n".join(lines), limit)


def safe_text(text: str, limit: int) -> str:
    """Plain text for an embed or label: defused, markdown escaped, clipped."""
    return clip(discord.utils.escape_markdown(defuse(text)), limit)


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]{1,500}")


def safe_url(url: str | None) -> str | None:
    """The URL if Discord will accept it as a link (http or https, no odd characters)."""
    return url if url and _URL.fullmatch(url) else None
