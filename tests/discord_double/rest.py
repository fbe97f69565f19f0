"""REST plumbing: routing, body parsing, recording, auth, faults and error responses."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from .records import FileTuple, RecordedRequest, Violation
from .validation import ApiError, DiscordError

if TYPE_CHECKING:
    from .server import DiscordDouble

log = logging.getLogger("discord_double.rest")
API_PREFIX = re.compile(r"^/api(?:/v\d+)?")
FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


@dataclass
class RestCall:
    """A parsed request handed to route handlers."""

    request: web.Request
    record: RecordedRequest
    json: Any
    files: list[FileTuple]

    def param(self, name: str) -> str:
        """A path parameter as text."""
        return self.request.match_info[name]

    def id(self, name: str) -> int:
        """A snowflake path parameter (400 if not numeric, like Discord)."""
        value = self.request.match_info[name]
        if not value.isdigit():
            error = {"code": "NUMBER_TYPE_COERCE", "message": f'Value "{value}" is not snowflake.'}
            raise ApiError(
                DiscordError(50035, "Invalid Form Body", {name: {"_errors": [error]}}),
                violation=False,
            )
        return int(value)

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body as a dict ({} when absent)."""
        return self.json if isinstance(self.json, dict) else {}

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``?wait=1``, ``?with_response=true``)."""
        return self.request.query.get(name, "").lower() in ("1", "true")


Handler = Callable[[RestCall], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """A REST route; ``auth`` routes need ``Authorization: Bot <token>``."""

    method: str
    template: str
    handler: Handler
    auth: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


class RouteGroup:
    """A group of the double's routes; their handlers read and change its state (``self.d``)."""

    def __init__(self, double: DiscordDouble) -> None:
        self.d = double

    def routes(self) -> list[Route]:
        """The group's route table."""
        raise NotImplementedError


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with ``Content-Type: application/json`` exactly, like Discord's
    (discord.py only decodes JSON when the header is exactly that, without a charset)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def ok(data: Any, status: int = 200) -> web.Response:
    """A JSON response."""
    return json_response(data, status)


def no_content() -> web.Response:
    """An empty 204 response."""
    return web.Response(status=204)


def error_response(error: DiscordError) -> web.Response:
    """An error response in Discord's shape."""
    return json_response(error.body(), error.status)


async def parse_body(request: web.Request) -> tuple[Any, list[FileTuple]]:
    """JSON body, or ``payload_json`` plus ``files[n]`` parts of a multipart body."""
    if request.content_type == "multipart/form-data":
        payload: Any = None
        indexed: list[tuple[int, FileTuple]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
                continue
            content = bytes(await part.read())  # type: ignore[union-attr]
            match = FILE_FIELD.match(part.name or "")
            index = int(match.group(1)) if match else len(indexed)
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            indexed.append((index, (part.filename or part.name or "file", content, content_type)))
        return payload, [f for _, f in sorted(indexed, key=lambda item: item[0])]
    if not request.can_read_body:
        return None, []
    text = await request.text()
    try:
        return (json.loads(text) if text else None), []
    except ValueError:
        return text, []


class RestApi:
    """Installs routes on an aiohttp app and wraps each handler with the common steps."""

    def __init__(self, double: DiscordDouble, routes: list[Route]) -> None:
        self.double = double
        self.routes = routes

    def install(self, app: web.Application) -> None:
        """Register every route under ``/api/v{n}`` plus the unknown-route catch-all."""
        for route in self.routes:
            app.router.add_route(
                route.method, r"/api/v{version:\d+}" + route.template, self._wrap(route)
            )
        app.router.add_route("*", "/{tail:.*}", self._unknown)

    def _wrap(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            call = await self._begin(request, route.key)
            if route.auth and request.headers.get("Authorization") != f"Bot {self.double.token}":
                return self._finish(call, ok({"message": "401: Unauthorized", "code": 0}, 401))
            fault = self.double.rest_faults.take(call.record)
            if fault is not None:
                return self._finish(call, await self.double.rest_faults.respond(fault))
            try:
                if sum(len(content) for _, content, _ in call.files) > self.double.upload_limit:
                    error = DiscordError(40005, "Request entity too large", status=413)
                    raise ApiError(error, violation=True)
                response = await route.handler(call)
            except ApiError as exc:
                if exc.violation:
                    self.double.violations.append(
                        Violation(
                            route.key,
                            exc.error.code,
                            exc.error.message,
                            exc.error.errors,
                            call.json,
                        )
                    )
                    log.warning("%s rejected: %s", route.key, exc)
                response = error_response(exc.error)
            return self._finish(call, response)

        return handler

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        call = await self._begin(request, "UNKNOWN")
        log.warning("discord double: unknown route %s %s", request.method, request.path)
        self.double.unknown_routes.append(call.record)
        fault = self.double.rest_faults.take(call.record)
        if fault is not None:
            return self._finish(call, await self.double.rest_faults.respond(fault))
        return self._finish(call, ok({"message": "404: Not Found", "code": 0}, 404))

    async def _begin(self, request: web.Request, route_key: str) -> RestCall:
        body, files = await parse_body(request)
        params = {k: v for k, v in request.match_info.items() if k not in ("version", "tail")}
        record = RecordedRequest(
            method=request.method,
            path=API_PREFIX.sub("", request.path),
            route=route_key,
            json=body,
            files=files,
            headers=dict(request.headers),
            time=time.monotonic(),
            query=dict(request.query),
            params=params,
        )
        self.double.request_log.add(record)
        return RestCall(request, record, body, files)

    @staticmethod
    def _finish(call: RestCall, response: web.StreamResponse) -> web.StreamResponse:
        call.record.status = response.status
        if isinstance(response, web.Response) and response.body is not None:
            try:
                call.record.response = json.loads(response.body)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                call.record.response = None
        return response
