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

# Look-alike at signs that NFKC (and some clients) turn into "@".
_AT_SIGNS = str.maketrans({"\uff20": "@", "\ufe6b": "@"})
# Invisible characters (zero-width, joiners, direction marks, soft hyphen)
# that could hide a mention from a filter while a client drops them.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_HIDDEN_AT = re.compile(f"[{_INVISIBLE}]*@[{_INVISIBLE}]*")
# "@" starting @everyone, @here, <@id>, <@!id> or <@&role> (any case, any length).
_MENTION = re.compile(r"@(?=everyone|here|[!&]?[0-9])", re.IGNORECASE)
# A URL's "scheme:" before "//": Discord clients turn "scheme://..." into a link
# wherever it stands (bare, in <...>, or as the target of a masked link).
_LINK_SCHEME = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}):(?=//)")
# A "[" not escaped by a backslash: masked links ([text](url)) start with one.
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def field_value(text: str) -> str:
    """An embed field value: clipped to 1,024 characters and never blank, which
    Discord refuses."""
    text = clip(text, FIELD_VALUE)
    return text if text.strip() else "—"


def defuse(text: str) -> str:
    """User or fact text made safe to repeat: no working mentions of anyone, and
    no links.

    allowed_mentions already stops pings; this also keeps @everyone, @here,
    <@id> and <@&role> from rendering as mentions at all. Look-alike at signs
    become "@" and invisible characters around one are dropped, so that a
    full-width "@", or a zero-width joiner after the "@", is defused like
    "@everyone": with a zero-width space after the "@". A URL keeps its text
    but gets a zero-width space after its scheme ("https:\u200b//"), so no
    client makes it clickable; the only links FactBot sends are a fact's own
    citation, which never passes through here.
    """
    text = (text or "").translate(_AT_SIGNS)
    text = _HIDDEN_AT.sub("@", text)
    text = _MENTION.sub("@\u200b", text)
    return _LINK_SCHEME.sub("\\1:\u200b", text)


def escape(text: str) -> str:
    """Defused, with Discord's markdown escaped, masked links included."""
    escaped = discord.utils.escape_markdown(defuse(text))
    # escape_markdown escapes only the first "[" of a line that holds several links.
    return _OPEN_BRACKET.sub(r"\1\\[", escaped)


def quote_block(text: str, limit: int) -> str:
    """Text as a Markdown block quote that cannot break out of its formatting."""
    safe = escape(text)
    lines = [f"> {line}" if line.strip() else ">" for line in safe.splitlines() or [""]]
    return clip("\n".join(lines), limit)


def safe_text(text: str, limit: int) -> str:
    """Plain text for an embed or label: defused, markdown escaped, clipped."""
    return clip(escape(text), limit)


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]{1,500}")


def safe_url(url: str | None) -> str | None:
    """The URL if Discord will accept it as a link (http or https, no odd
    characters) and nothing in it could read as a mention."""
    return url if url and _URL.fullmatch(url) and not _MENTION.search(url) else None
