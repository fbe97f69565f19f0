"""The message store: every message sent by users or the bot, in Discord's message shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .ids import Snowflakes
from .payloads import member_payload, user_payload
from .records import FileTuple
from .validation import ApiError, DiscordError, not_found
from .world import World, now_iso

Json = dict[str, Any]

DEFAULT, REPLY, CHAT_INPUT_COMMAND, CONTEXT_MENU_COMMAND = 0, 19, 20, 23
LOADING = 1 << 7
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class StoredMessage:
    """A message plus what the REST payload does not carry."""

    data: Json
    guild_id: int | None
    files: dict[str, FileTuple] = field(default_factory=dict)
    interaction_id: int | None = None
    deleted: bool = False
    reply_ping: int | None = None
    explicit_mentions: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])


class MessageStore:
    """Creates, edits and deletes messages and renders them for REST and the gateway."""

    def __init__(self, world: World, snowflakes: Snowflakes, base_url: Callable[[], str]) -> None:
        self.world = world
        self.snowflakes = snowflakes
        self._base_url = base_url
        self.messages: dict[int, StoredMessage] = {}
        self.uploads: dict[str, tuple[FileTuple, Json]] = {}  # a user's files, by attachment id

    # -- queries -------------------------------------------------------------------
    def get(self, message_id: int) -> StoredMessage | None:
        """A live (not deleted) message, or None."""
        stored = self.messages.get(message_id)
        return stored if stored is not None and not stored.deleted else None

    def require(self, message_id: int, channel_id: int | None = None) -> StoredMessage:
        """A live message, or an ``Unknown Message`` API error."""
        stored = self.get(message_id)
        if stored is None or (channel_id is not None and stored.channel_id != channel_id):
            raise not_found(10008, "Unknown Message")
        return stored

    def history(
        self, channel_id: int, limit: int = 50, before: int | None = None, after: int | None = None
    ) -> list[Json]:
        """Messages of a channel, newest first, like ``GET /channels/{id}/messages``."""
        found = [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted]
        found = [
            m
            for m in found
            if (before is None or m.id < before) and (after is None or m.id > after)
        ]
        found.sort(key=lambda m: m.id, reverse=True)
        return [m.data for m in found[:limit]]

    def upload(self, channel_id: int, filename: str, content: bytes, content_type: str) -> Json:
        """A file a user attaches to a slash command option; its attachment payload."""
        payload = self._new_attachment(channel_id, filename, content, content_type)
        self.uploads[payload["id"]] = ((filename, content, content_type), payload)
        return payload

    def _new_attachment(
        self, channel_id: int, filename: str, content: bytes, content_type: str
    ) -> Json:
        """An attachment payload with a fresh id, served by the double's attachment route."""
        attachment_id = str(self.snowflakes.next())
        url = f"{self._base_url()}/attachments/{channel_id}/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(content),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def attachment(self, attachment_id: str) -> FileTuple | None:
        """The bytes of an uploaded attachment."""
        if attachment_id in self.uploads:
            return self.uploads[attachment_id][0]
        for stored in self.messages.values():
            if attachment_id in stored.files:
                return stored.files[attachment_id]
        return None

    # -- mutation ------------------------------------------------------------------
    def create(
        self,
        *,
        channel_id: int,
        guild_id: int | None,
        author_id: int,
        body: Json,
        files: Sequence[FileTuple] = (),
        msg_type: int = DEFAULT,
        extra: Json | None = None,
        interaction_id: int | None = None,
        mention_ids: Sequence[int] = (),
    ) -> StoredMessage:
        """Store a new message built from a create-message request ``body``.

        ``mention_ids`` adds users to ``mentions`` besides the ``<@id>`` found in content.
        """
        message_id = self.snowflakes.next()
        data: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": user_payload(self.world, author_id),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": "@everyone" in (body.get("content") or ""),
            "pinned": False,
            "type": msg_type,
            "flags": int(body.get("flags") or 0),
            "embeds": [self._embed(e) for e in body.get("embeds") or []],
            "components": list(body.get("components") or []),
            "reactions": [],
        }
        if "nonce" in body:
            data["nonce"] = body["nonce"]
        stored = StoredMessage(
            data, guild_id, interaction_id=interaction_id, explicit_mentions=list(mention_ids)
        )
        self._set_attachments(stored, body, list(files), keep=[])
        self._set_reference(stored, body.get("message_reference"), body.get("allowed_mentions"))
        self._set_mentions(stored)
        data.update(extra or {})
        self.messages[message_id] = stored
        return stored

    def edit(
        self, stored: StoredMessage, body: Json, files: Sequence[FileTuple] = ()
    ) -> StoredMessage:
        """Apply an edit-message request ``body`` to a stored message."""
        data = stored.data
        if "content" in body:
            data["content"] = body["content"] or ""
        if "embeds" in body:
            data["embeds"] = [self._embed(e) for e in body["embeds"] or []]
        if "components" in body:
            data["components"] = list(body["components"] or [])
        if body.get("flags") is not None:
            data["flags"] = int(body["flags"]) | (data["flags"] & (1 << 6))
        data["flags"] &= ~LOADING
        if "attachments" in body or files:
            keep = body.get("attachments")
            kept = (
                data.get("attachments", [])
                if keep is None
                else [
                    a
                    for a in data.get("attachments", [])
                    if any(str(k.get("id")) == a["id"] for k in keep)
                ]
            )
            self._set_attachments(stored, body, list(files), keep=kept)
        data["edited_timestamp"] = now_iso()
        self._set_mentions(stored)
        return stored

    def delete(self, stored: StoredMessage) -> None:
        """Mark a message as deleted."""
        stored.deleted = True

    # -- gateway rendering ---------------------------------------------------------
    def gateway_payload(self, stored: StoredMessage) -> Json:
        """MESSAGE_CREATE/UPDATE body: the message plus ``guild_id`` and author ``member``."""
        data = dict(stored.data)
        if stored.guild_id is not None:
            data["guild_id"] = str(stored.guild_id)
            member = self.world.member(stored.guild_id, stored.author_id)
            if member is not None and "webhook_id" not in data:
                data["member"] = member_payload(
                    self.world, stored.guild_id, stored.author_id, with_user=False
                )
        return data

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _embed(embed: Json) -> Json:
        out = dict(embed)
        out.setdefault("type", "rich")
        return out

    def _set_attachments(
        self, stored: StoredMessage, body: Json, files: list[FileTuple], keep: list[Json]
    ) -> None:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        attachments = list(keep)
        for index, (filename, content, content_type) in enumerate(files):
            meta = described.get(str(index), {})
            name = meta.get("filename") or filename
            attachment = self._new_attachment(stored.channel_id, name, content, content_type)
            if meta.get("description"):
                attachment["description"] = meta["description"]
            attachments.append(attachment)
            stored.files[attachment["id"]] = (name, content, content_type)
        stored.data["attachments"] = attachments

    def _set_reference(
        self, stored: StoredMessage, ref: Json | None, allowed_mentions: Json | None
    ) -> None:
        if not ref or ref.get("type", 0) != 0 or not ref.get("message_id"):
            return
        target = self.get(int(ref["message_id"]))
        if target is None:
            if ref.get("fail_if_not_exists", True):
                raise ApiError(
                    DiscordError(
                        50035,
                        "Invalid Form Body",
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        },
                    )
                )
            return
        stored.data["type"] = REPLY if stored.data["type"] == DEFAULT else stored.data["type"]
        stored.data["message_reference"] = {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(target.channel_id),
            **({"guild_id": str(target.guild_id)} if target.guild_id else {}),
        }
        referenced = {k: v for k, v in target.data.items() if k != "referenced_message"}
        stored.data["referenced_message"] = referenced
        ping = allowed_mentions is None or allowed_mentions.get("replied_user", False)
        stored.reply_ping = target.author_id if ping else None

    def _set_mentions(self, stored: StoredMessage) -> None:
        data = stored.data
        content = data.get("content") or ""
        ids = [int(m) for m in USER_MENTION.findall(content)] + stored.explicit_mentions
        if stored.reply_ping is not None and stored.reply_ping not in ids:
            ids.append(stored.reply_ping)
        mentions = []
        for user_id in dict.fromkeys(ids):
            if user_id not in self.world.users:
                continue
            mention = user_payload(self.world, user_id)
            if stored.guild_id is not None and self.world.member(stored.guild_id, user_id):
                mention["member"] = member_payload(
                    self.world, stored.guild_id, user_id, with_user=False
                )
            mentions.append(mention)
        data["mentions"] = mentions
        data["mention_roles"] = list(dict.fromkeys(ROLE_MENTION.findall(content)))


def strip_content(data: Json) -> Json:
    """What Discord sends without the MESSAGE_CONTENT intent."""
    return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
