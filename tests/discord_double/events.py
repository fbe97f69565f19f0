"""Gateway event bodies that depend on the receiving session's intents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .gateway import DIRECT_MESSAGES, GUILD_MEMBERS, GUILD_MESSAGES, MESSAGE_CONTENT
from .gateway_session import GatewaySession
from .messages import MessageStore, StoredMessage, strip_content

Json = dict[str, Any]
SessionBody = Callable[[GatewaySession], Json | None]


def message_event(
    store: MessageStore, stored: StoredMessage, event: str, bot_id: int
) -> SessionBody:
    """MESSAGE_CREATE/UPDATE/DELETE for ``stored``, filtered like Discord filters it.

    Sessions without GUILD_MESSAGES (guild) or DIRECT_MESSAGES (DM) get nothing; sessions
    without MESSAGE_CONTENT get empty content/embeds/attachments/components unless the
    message is the bot's own, a DM, or mentions the bot.
    """
    if event == "MESSAGE_DELETE":
        body: Json = {"id": str(stored.id), "channel_id": str(stored.channel_id)}
        if stored.guild_id is not None:
            body["guild_id"] = str(stored.guild_id)
    else:
        body = store.gateway_payload(stored)
    intent = GUILD_MESSAGES if stored.guild_id is not None else DIRECT_MESSAGES
    mentioned = any(int(m["id"]) == bot_id for m in stored.data.get("mentions") or [])
    visible = stored.author_id == bot_id or stored.guild_id is None or mentioned

    def for_session(session: GatewaySession) -> Json | None:
        if not session.intents & intent:
            return None
        if event == "MESSAGE_DELETE" or visible or session.intents & MESSAGE_CONTENT:
            return body
        return strip_content(body)

    return for_session


def needs_members_intent(body: Json) -> SessionBody:
    """An event only sessions with GUILD_MEMBERS receive (e.g. GUILD_MEMBER_ADD)."""
    return lambda session: body if session.intents & GUILD_MEMBERS else None
