"""Plain records of what happened between the client and the double."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FileTuple = tuple[str, bytes, str]
"""An uploaded file: (filename, content, content_type)."""

EPHEMERAL = 1 << 6


@dataclass
class RecordedRequest:
    """One HTTP request the client made (recorded before it is answered).

    ``route`` is the route template, e.g. ``"POST /channels/{channel_id}/messages"``,
    or ``"UNKNOWN"`` for routes the double does not implement. ``status`` is filled in
    once the double has answered.
    """

    method: str
    path: str
    route: str
    json: Any
    files: list[FileTuple]
    headers: dict[str, str]
    time: float
    query: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response: Any = None


@dataclass
class SentMessage:
    """A message the bot sent or edited, whatever the route.

    ``kind`` is one of ``"channel"`` (POST channel message), ``"channel_edit"``,
    ``"response"`` (interaction callback type 4), ``"update"`` (callback type 7),
    ``"followup"`` (webhook POST) or ``"webhook_edit"`` (PATCH of @original or a
    follow-up). ``payload`` is the request body; ``message`` the stored message after
    the operation (full state, so edits show the merged result).
    """

    kind: str
    channel_id: int | None
    guild_id: int | None
    message_id: int | None
    interaction_id: int | None
    payload: dict[str, Any]
    message: dict[str, Any]
    files: list[FileTuple]
    time: float

    @property
    def content(self) -> str:
        """The message content after the operation ("" when none)."""
        return self.message.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The message embeds after the operation."""
        return list(self.message.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """The message components after the operation."""
        return list(self.message.get("components") or [])

    @property
    def flags(self) -> int:
        """Message flags (64 = ephemeral)."""
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see the message."""
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The ``allowed_mentions`` the bot sent with this request, if any."""
        return self.payload.get("allowed_mentions")

    @property
    def message_reference(self) -> dict[str, Any] | None:
        """The reply reference of the message, if any."""
        return self.message.get("message_reference")

    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, joined."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for f in embed.get("fields") or []:
                parts += [f.get("name") or "", f.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)


@dataclass
class Violation:
    """A request the double rejected because real Discord would have rejected it."""

    route: str
    code: int
    message: str
    errors: dict[str, Any]
    payload: Any

    def describe(self) -> list[str]:
        """Flatten ``errors`` into ``"path: message"`` lines."""
        lines: list[str] = []

        def walk(node: dict[str, Any], path: str) -> None:
            for key, value in node.items():
                if key == "_errors":
                    lines.extend(f"{path or '<root>'}: {e['message']}" for e in value)
                elif isinstance(value, dict):
                    walk(value, f"{path}.{key}" if path else key)

        walk(self.errors, "")
        return lines or [self.message]


@dataclass
class GatewayRecord:
    """One gateway frame: ``direction`` is ``"in"`` (from the client) or ``"out"``."""

    direction: str
    shard_id: int | None
    session_id: str | None
    op: int
    event: str | None
    data: Any
    seq: int | None
    time: float
