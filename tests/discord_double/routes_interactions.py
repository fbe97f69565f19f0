"""REST routes for interaction callbacks and interaction webhooks (follow-ups, @original)."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from aiohttp import web

from . import interactions as ix
from .messages import CHAT_INPUT_COMMAND, CONTEXT_MENU_COMMAND, DEFAULT, LOADING, StoredMessage
from .payloads import user_payload
from .records import EPHEMERAL, FileTuple
from .rest import RestCall, Route, RouteGroup, no_content, ok
from .validation import (
    ApiError,
    DiscordError,
    check_autocomplete,
    check_message,
    check_modal,
    not_found,
)

Json = dict[str, Any]
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
ALLOWED_RESPONSES = {
    ix.PING: {PONG},
    ix.APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    ix.MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    ix.AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    ix.MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
}
WEBHOOK = "/webhooks/{app_id}/{token}"


def _unknown_interaction() -> ApiError:
    return ApiError(DiscordError(10062, "Unknown interaction", status=404), violation=True)


def _unknown_webhook() -> ApiError:
    return ApiError(DiscordError(10015, "Unknown Webhook", status=404), violation=True)


class InteractionRoutes(RouteGroup):
    """Interaction responses and the follow-up webhook, with Discord's protocol rules."""

    def routes(self) -> list[Route]:
        """The route table (``@original`` before ``{message_id}``)."""
        original = WEBHOOK + "/messages/@original"
        by_id = WEBHOOK + "/messages/{message_id}"
        return [
            Route(
                "POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False
            ),
            Route("POST", WEBHOOK, self.followup, auth=False),
            Route("GET", original, self.get_message, auth=False),
            Route("PATCH", original, self.edit_message, auth=False),
            Route("DELETE", original, self.delete_message, auth=False),
            Route("GET", by_id, self.get_message, auth=False),
            Route("PATCH", by_id, self.edit_message, auth=False),
            Route("DELETE", by_id, self.delete_message, auth=False),
        ]

    # -- callback ---------------------------------------------------------------------------
    async def callback(self, call: RestCall) -> web.Response:
        handle = self.d.interactions.get(call.id("interaction_id"))
        if handle is None or handle.token != call.param("token"):
            raise _unknown_interaction()
        if handle.acknowledged:
            raise ApiError(DiscordError(40060, "Interaction has already been acknowledged."))
        deadline = self.d.interaction_deadline
        if deadline is not None and asyncio.get_running_loop().time() - handle.created > deadline:
            raise _unknown_interaction()
        rtype, data = call.body.get("type"), call.body.get("data") or {}
        has_message = "message" in handle.payload
        if rtype not in ALLOWED_RESPONSES.get(handle.type, set()) or (
            rtype in (DEFERRED_UPDATE, UPDATE) and not has_message
        ):
            error = {
                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                "message": f"Response type {rtype} is invalid for interaction {handle.type}",
            }
            raise ApiError(DiscordError(50035, "Invalid Form Body", {"type": {"_errors": [error]}}))
        stored = self._respond(handle, rtype, data, call.files)
        handle.set_callback(
            ix.InteractionCallback(
                rtype,
                data,
                call.files,
                copy.deepcopy(stored.data) if stored else None,
                time.monotonic(),
            )
        )
        if not call.flag("with_response"):
            return no_content()
        interaction: Json = {
            "id": str(handle.id),
            "type": handle.type,
            "response_message_loading": rtype == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
        }
        resource: Json = {"type": rtype}
        if stored is not None:
            interaction["response_message_id"] = str(stored.id)
            resource["message"] = stored.data
        return ok({"interaction": interaction, "resource": resource})

    def _respond(
        self, handle: ix.InteractionHandle, rtype: int, data: Json, files: list[FileTuple]
    ) -> StoredMessage | None:
        if rtype == MESSAGE:
            self._check(check_message(data, len(files)))
            stored = self._create(handle, data, files)
            handle.original_message_id = stored.id
            self.d.record_sent("response", stored, data, files, interaction_id=handle.id)
            return stored
        if rtype == DEFERRED_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            stored = self._create(handle, {"content": "", "flags": flags}, [])
            handle.original_message_id = stored.id
            return stored
        if rtype in (DEFERRED_UPDATE, UPDATE):
            stored = self.d.messages.require(int(handle.payload["message"]["id"]))
            handle.original_message_id = stored.id
            if rtype == UPDATE:
                self._check(check_message(data, len(files), partial=True))
                self.d.messages.edit(stored, data, files)
                self.d.record_sent("update", stored, data, files, interaction_id=handle.id)
                self.d.echo("MESSAGE_UPDATE", stored)
            return stored
        if rtype == AUTOCOMPLETE_RESULT:
            self._check(check_autocomplete(data))
        elif rtype == MODAL:
            self._check(check_modal(data))
            self.d.modals[data["custom_id"]] = data
        return None

    @staticmethod
    def _check(error: DiscordError | None) -> None:
        if error is not None:
            raise ApiError(error)

    def _create(
        self, handle: ix.InteractionHandle, body: Json, files: list[FileTuple]
    ) -> StoredMessage:
        command = handle.payload.get("data") or {}
        msg_type = DEFAULT
        if handle.type == ix.APPLICATION_COMMAND:
            msg_type = CHAT_INPUT_COMMAND if command.get("type", 1) == 1 else CONTEXT_MENU_COMMAND
        user = user_payload(self.d.world, handle.user_id)
        app_id = str(self.d.world.app_id)
        metadata: Json = {
            "id": str(handle.id),
            "type": handle.type,
            "user": user,
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        extra: Json = {
            "webhook_id": app_id,
            "application_id": app_id,
            "interaction_metadata": metadata,
        }
        if handle.type == ix.APPLICATION_COMMAND:
            metadata["name"] = command.get("name")
            extra["interaction"] = {
                "id": str(handle.id),
                "type": handle.type,
                "name": command.get("name"),
                "user": user,
            }
        stored = self.d.messages.create(
            channel_id=handle.channel_id,
            guild_id=handle.guild_id,
            author_id=self.d.world.bot_user.id,
            body=body,
            files=files,
            msg_type=msg_type,
            extra=extra,
            interaction_id=handle.id,
        )
        if not int(body.get("flags") or 0) & EPHEMERAL:
            self.d.echo("MESSAGE_CREATE", stored)
        return stored

    # -- webhook ------------------------------------------------------------------------------
    def _handle(self, call: RestCall) -> ix.InteractionHandle:
        handle = self.d.interactions_by_token.get(call.param("token"))
        if handle is None or call.id("app_id") != self.d.world.app_id or not handle.acknowledged:
            raise _unknown_webhook()
        return handle

    def _message(self, call: RestCall, handle: ix.InteractionHandle) -> StoredMessage:
        if "message_id" in call.request.match_info:
            stored = self.d.messages.get(call.id("message_id"))
            if stored is None or stored.interaction_id != handle.id:
                raise not_found(10008, "Unknown Message")
            return stored
        if handle.original_message_id is None:
            raise not_found(10008, "Unknown Message")
        return self.d.messages.require(handle.original_message_id)

    async def followup(self, call: RestCall) -> web.Response:
        handle = self._handle(call)
        self._check(check_message(call.body, len(call.files)))
        stored = self._create(handle, call.body, call.files)
        self.d.record_sent("followup", stored, call.body, call.files, interaction_id=handle.id)
        return ok(stored.data) if call.flag("wait") else no_content()

    async def get_message(self, call: RestCall) -> web.Response:
        handle = self._handle(call)
        return ok(self._message(call, handle).data)

    async def edit_message(self, call: RestCall) -> web.Response:
        handle = self._handle(call)
        stored = self._message(call, handle)
        self._check(check_message(call.body, len(call.files), partial=True))
        self.d.messages.edit(stored, call.body, call.files)
        self.d.record_sent("webhook_edit", stored, call.body, call.files, interaction_id=handle.id)
        if not stored.data["flags"] & EPHEMERAL:
            self.d.echo("MESSAGE_UPDATE", stored)
        return ok(stored.data)

    async def delete_message(self, call: RestCall) -> web.Response:
        handle = self._handle(call)
        stored = self._message(call, handle)
        self.d.messages.delete(stored)
        if not stored.data["flags"] & EPHEMERAL:
            self.d.echo("MESSAGE_DELETE", stored)
        return no_content()
