"""Remove Discord's markup from a message, so only the words someone typed are
left: mentions, @everyone/@here in any disguise, custom emoji, timestamps,
links, and markdown. A question asked with any of these reads the same as
without them."""

from __future__ import annotations

import re
import unicodedata

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")  # user, role, channel
_COMMAND_MENTION = re.compile(r"</[^<>]{1,100}:\d+>")
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")
_TIMESTAMP = re.compile(r"<t:-?\d+(?::\w)?>")
_ANGLE_LINK = re.compile(r"<[a-z][a-z0-9+.-]*://[^\s>]*>", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?[a-z][a-z0-9+.-]*://[^\s)>]*>?[^)]*\)", re.I)
_BARE_LINK = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+", re.IGNORECASE)
_AT_NAME = re.compile(r"@\S*")  # @everyone, @here, @someone: never a question word
_SHORTCODE = re.compile(r":[a-z0-9_+-]{2,32}:", re.IGNORECASE)  # :smile:
_CODE_FENCE = re.compile(r"```[a-z0-9_+-]*\n?|```", re.IGNORECASE)
_ESCAPED = re.compile(r"\\([\\*_~|`>#\-\[\]()])")
_LINE_MARKUP = re.compile(r"^[ \t]*(?:>>>|>|#{1,3}|-#|[-*+](?=\s))[ \t]*", re.MULTILINE)
_EMPHASIS = re.compile(r"\*+|~~|\|\||`+|(?<![^\W_])_+|_+(?![^\W_])")
_WORDS = re.compile(r"[^\W_]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def strip_discord_syntax(text: str) -> str:
    """The message's own words, one space between them, line breaks kept."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if _kept(ch))
    for pattern in (_MENTION, _COMMAND_MENTION, _CUSTOM_EMOJI, _TIMESTAMP, _AT_NAME, _SHORTCODE):
        text = pattern.sub(" ", text)
    text = _MASKED_LINK.sub(_masked_link, text)
    text = _without_links(text)
    text = _CODE_FENCE.sub("\n", text)
    text = _ESCAPED.sub(r"\1", text)
    text = _LINE_MARKUP.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def strip_mentions(text: str) -> str:
    """The message without user, role and channel mentions or @names (what a
    message that only mentions the bot is left with: nothing)."""
    for pattern in (_MENTION, _COMMAND_MENTION, _AT_NAME):
        text = pattern.sub(" ", text)
    return text.strip()


def _masked_link(match: re.Match[str]) -> str:
    """A masked link inside a sentence keeps its words ("did [GREE](...)
    grow?"); one before the message's words, or after its last sentence,
    is only a label ("[see here](...)"), dropped like any link."""
    before = _without_links(_MASKED_LINK.sub(" ", match.string[: match.start()])).rstrip()
    after = _without_links(_MASKED_LINK.sub(" ", match.string[match.end() :]))
    if not _WORDS.search(before) or (before[-1] in ".?!:" and not _WORDS.search(after)):
        return " "
    return f" {match.group(1)} "


def _without_links(text: str) -> str:
    return _BARE_LINK.sub(" ", _ANGLE_LINK.sub(" ", text))


def _kept(ch: str) -> bool:
    """Drop invisible characters (zero-width, direction marks), controls other
    than line breaks, and pictographs (emoji and their modifiers)."""
    if ch in "\n\t":
        return True
    if "\ufe00" <= ch <= "\ufe0f" or "\U000e0000" <= ch <= "\U000e007f":
        return False  # variation selectors and tag characters
    return unicodedata.category(ch) not in _DROPPED_CATEGORIES


_DROPPED_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "So", "Sk"})
