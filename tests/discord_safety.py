"""Checks shared by the rendering, fuzzing and end-to-end tests: what FactBot sends
fits Discord's limits, and nothing in it would render as a mention."""

from __future__ import annotations

import re
from typing import Any

from bot import discord_text

# An at sign (or a look-alike) that starts a mention Discord would render: @everyone,
# @here, <@id>, <@!id> or <@&role>. The defused form, "@" and a zero-width space,
# does not match; invisible characters other than that one do not help.
WORKING_MENTION = re.compile(
    r"<?[@\uff20\ufe6b](?!\u200b)[\u00ad\u180e\u200c-\u200f\u2060-\u2064\ufeff]*"
    r"(?:everyone|here|[!&]?[0-9]+>?)",
    re.IGNORECASE,
)
# A masked link: "[text](url)" with the "[" not escaped by a backslash.
WORKING_LINK = re.compile(r"(?<!\\)(?:\\\\)*\[[^\]\n]*\]\([^)\n]*\)")
# What a client turns into a link wherever it stands: "scheme://..." (bare, in <...>
# or as a masked link's target).
BARE_LINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")


def working_mentions(text: str) -> list[str]:
    """Every piece of `text` Discord would render as a mention."""
    return [m.group(0) for m in WORKING_MENTION.finditer(text)]


def reply_buttons(reply: Any) -> list[dict]:
    """The components of a bot.rendering.Reply, exactly as discord.py sends them."""
    if reply.view is None:
        return []
    return [c for row in reply.view.to_components() for c in row["components"]]


def reply_text(reply: Any) -> str:
    """All the text a bot.rendering.Reply shows: content, embed and button labels."""
    parts = [reply.content or ""]
    if reply.embed is not None:
        parts.append(embed_text(reply.embed.to_dict()))
    parts += [b.get("label", "") for b in reply_buttons(reply)]
    return "\n".join(parts)


def embed_text(data: dict) -> str:
    """The text of one embed payload: title, description, fields, footer, author."""
    parts = [data.get("title", ""), data.get("description", "")]
    parts.append(data.get("footer", {}).get("text", ""))
    parts.append(data.get("author", {}).get("name", ""))
    for field in data.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)


def component_text(components: list[dict]) -> str:
    """Button labels, menu placeholders and menu options, at any depth."""
    parts = []
    for component in components:
        parts += [component.get("label") or "", component.get("placeholder") or ""]
        for option in component.get("options") or []:
            parts += [option.get("label", ""), option.get("description") or ""]
        parts.append(component_text(component.get("components") or []))
    return "\n".join(parts)


def sent_text(message: Any) -> str:
    """Everything a SentMessage of the Discord double shows to people."""
    parts = [message.content]
    parts += [embed_text(e) for e in message.embeds]
    parts.append(component_text(message.components))
    return "\n".join(parts)


def assert_within_limits(reply: Any) -> None:
    """A bot.rendering.Reply that Discord would accept."""
    if reply.content:
        assert len(reply.content) <= discord_text.CONTENT
    embed = reply.embed
    if embed is not None:
        assert len(embed.title or "") <= discord_text.EMBED_TITLE
        assert len(embed.description or "") <= discord_text.EMBED_DESCRIPTION
        assert len(embed.fields) <= discord_text.EMBED_FIELDS
        for field in embed.fields:
            assert field.name.strip() and len(field.name) <= discord_text.FIELD_NAME
            assert field.value.strip() and len(field.value) <= discord_text.FIELD_VALUE
        assert len(embed.footer.text or "") <= discord_text.FOOTER
        assert len(embed) <= discord_text.EMBED_TOTAL
    if reply.view is not None:
        rows = reply.view.to_components()
        assert len(rows) <= discord_text.ACTION_ROWS
        assert all(len(row["components"]) <= 5 for row in rows)
        for button in reply_buttons(reply):
            assert button.get("label") or button.get("emoji")
            assert len(button.get("label", "")) <= discord_text.BUTTON_LABEL
            assert len(button.get("custom_id", "")) <= discord_text.CUSTOM_ID
            assert len(button.get("url", "")) <= 512
