"""REST fault injection: make the next N matching requests fail with 429/5xx or hang."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from .records import RecordedRequest
from .rest import json_response

Matcher = str | Callable[[RecordedRequest], bool]


@dataclass
class Fault:
    """One armed fault. ``kind`` is ``"429"``, ``"status"`` or ``"hang"``."""

    matcher: Matcher
    kind: str
    remaining: int
    status: int = 500
    retry_after: float = 0.5
    is_global: bool = False
    scope: str = "user"
    hang_seconds: float | None = None
    hits: list[RecordedRequest] = field(default_factory=list)

    def matches(self, request: RecordedRequest) -> bool:
        """Whether this fault applies to ``request``.

        A string matches the route template (``"POST /channels/{channel_id}/messages"``) or,
        with ``*`` wildcards, either the template or ``"METHOD /concrete/path"``.
        """
        if callable(self.matcher):
            return self.matcher(request)
        concrete = f"{request.method} {request.path}"
        if "*" in self.matcher:
            return fnmatch.fnmatchcase(request.route, self.matcher) or fnmatch.fnmatchcase(
                concrete, self.matcher
            )
        return self.matcher in (request.route, concrete)


class RestFaults:
    """The hook behind ``DiscordDouble.rest_faults``.

    Example: ``d.rest_faults.rate_limit("POST /channels/{channel_id}/messages", retry_after=0.2)``.
    """

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self._release = asyncio.Event()

    def rate_limit(
        self,
        route: Matcher,
        *,
        count: int = 1,
        retry_after: float = 0.5,
        is_global: bool = False,
        scope: str = "user",
    ) -> Fault:
        """Answer 429 with ``retry_after``, ``X-RateLimit-*`` headers and the global flag."""
        return self._arm(
            Fault(
                route,
                "429",
                count,
                status=429,
                retry_after=retry_after,
                is_global=is_global,
                scope="global" if is_global else scope,
            )
        )

    def server_error(self, route: Matcher, *, count: int = 1, status: int = 500) -> Fault:
        """Answer with a 5xx (500, 502, 503, 504...). discord.py retries 500/502/504."""
        return self._arm(Fault(route, "status", count, status=status))

    def hang(self, route: Matcher, *, count: int = 1, seconds: float | None = None) -> Fault:
        """Never answer (until ``seconds`` pass, ``release_hangs()`` or shutdown), then 503."""
        return self._arm(Fault(route, "hang", count, status=503, hang_seconds=seconds))

    def clear(self) -> None:
        """Disarm every fault."""
        self.faults.clear()

    def release_hangs(self) -> None:
        """Let every hanging request finish (with 503)."""
        self._release.set()
        self._release = asyncio.Event()

    def take(self, request: RecordedRequest) -> Fault | None:
        """Consume one use of the first fault matching ``request``."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.matches(request):
                fault.remaining -= 1
                fault.hits.append(request)
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None

    async def respond(self, fault: Fault) -> web.Response:
        """Build the faulty response (waiting first for a hang)."""
        if fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), fault.hang_seconds)
        if fault.kind != "429":
            return json_response(
                {"message": f"{fault.status}: Injected fault", "code": 0}, status=fault.status
            )
        headers = {
            "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban
            "Retry-After": str(max(1, round(fault.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
            "X-RateLimit-Bucket": "discord-double-fault",
            "X-RateLimit-Scope": fault.scope,
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.is_global,
        }
        return json_response(body, status=429, headers=headers)

    def _arm(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault
