"""Gateway plumbing: one WebSocket connection (with zlib-stream) and one resumable session."""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Json = dict[str, Any]
log = logging.getLogger("discord_double.gateway")


class GatewayConnection:
    """One client WebSocket. Frames are queued and written in order by a writer task.

    With ``compress`` every frame is ``compress(data) + flush(Z_SYNC_FLUSH)`` from a single
    zlib context per connection, which is what ``compress=zlib-stream`` means.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        *,
        compress: bool,
        on_send: Callable[[GatewayConnection, Json], None],
    ) -> None:
        self.ws = ws
        self.path = request.path
        self.compress = compress
        self.session: GatewaySession | None = None
        self._transport = request.transport
        self._zlib = zlib.compressobj() if compress else None
        self._on_send = on_send
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="discord-double-ws-writer")

    def send(self, frame: Json) -> None:
        """Queue a frame (never blocks; order is preserved)."""
        self._on_send(self, frame)
        self._queue.put_nowait(("send", json.dumps(frame)))

    def close_after_queue(self, code: int) -> None:
        """Close with ``code`` once every queued frame has been written."""
        self._queue.put_nowait(("close", code))

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (like a network failure)."""
        if self._transport is not None:
            self._transport.abort()
        self._queue.put_nowait(("stop", None))

    async def stop(self) -> None:
        """Stop the writer task (after the socket is gone)."""
        self._queue.put_nowait(("stop", None))
        await asyncio.gather(self._writer, return_exceptions=True)

    async def _write_loop(self) -> None:
        while True:
            action, value = await self._queue.get()
            if action == "stop":
                return
            try:
                if action == "close":
                    await self.ws.close(code=value)
                    return
                if self._zlib is not None:
                    data = self._zlib.compress(value.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(value)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway write failed: %r", exc)
                return


@dataclass
class GatewaySession:
    """A gateway session: sequence numbers and a replay buffer survive reconnects."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: Json
    seq: int = 0
    buffer: list[Json] = field(default_factory=list)
    connection: GatewayConnection | None = None
    valid: bool = True
    ready: bool = False

    def emit(self, event: str, data: Json) -> Json:
        """Assign the next sequence number, keep the frame for RESUME, and send it if connected."""
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        if self.connection is not None:
            self.connection.send(frame)
        return frame

    def replay_after(self, seq: int) -> list[Json]:
        """Frames the client missed after ``seq``."""
        return [f for f in self.buffer if f["s"] > seq]
