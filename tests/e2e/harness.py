"""Run the real bot process (`python -m bot`) against the Discord API double."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.discord_double import DiscordDouble

REPO = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m bot` with its own config and database, pointed at a double.

    `module` runs another entry point instead, e.g. a test-side wrapper that
    injects faults and then calls `bot.__main__.main()`.
    """

    def __init__(
        self,
        double: DiscordDouble,
        workdir: Path,
        config: str = "",
        env: dict | None = None,
        db_path: Path | None = None,
        module: str = "bot",
    ):
        self.double = double
        self.module = module
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path or workdir / "factbot.db"
        self.config_path = workdir / "config.toml"
        self.config_path.write_text(
            f"[database]\npath = '{self.db_path}'\n{config}", encoding="utf-8"
        )
        self.env = {
            **os.environ,
            "DISCORD_TOKEN": double.token,
            "FACTBOT_DISCORD_API_BASE": double.base_url,
            "FACTBOT_CONFIG": str(self.config_path),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self._reader: asyncio.Task | None = None

    async def start(self, *, wait_for_commands: bool = True) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            cwd=str(REPO),
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        try:
            await self.double.wait_until_ready(timeout=30)
            if wait_for_commands:
                await self.double.wait_for_request(
                    lambda r: r.method == "PUT" and r.path.endswith("/commands"), timeout=30
                )
        except TimeoutError:
            await self.stop()
            raise AssertionError("the bot did not connect:\n" + self.log) from None

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        async for line in self.proc.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    @property
    def log(self) -> str:
        return "\n".join(self.output)

    async def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader:
            await asyncio.wait_for(self._reader, 5)
        return self.proc.returncode


def embed_text(message) -> str:
    """All the text of a sent message: content, embeds and button labels."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [embed.get("footer", {}).get("text", "")]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
    for row in message.components:
        for component in row.get("components", []):
            parts.append(component.get("label", "") or "")
    return "\n".join(parts)


def buttons(message) -> list[dict]:
    return [c for row in message.components for c in row.get("components", [])]


def allows_no_mentions(allowed_mentions: dict | None) -> bool:
    """True when a message's allowed_mentions lets nobody be pinged."""
    am = allowed_mentions or {}
    return (
        am.get("parse") == []
        and not am.get("users")
        and not am.get("roles")
        and not am.get("replied_user")
    )


def modal_inputs(callback) -> dict[str, dict]:
    """A modal the bot showed (callback type 9): its text inputs by label."""
    assert callback.type == 9, callback
    found = {}
    for row in callback.data["components"]:
        for component in row.get("components", [row.get("component")]):
            if component and component.get("type") == 4:
                found[component["label"]] = component
    return found


def fill(callback, **by_label_start: str) -> dict[str, str]:
    """Modal submit fields: {input custom_id: value}, inputs picked by label start."""
    inputs = modal_inputs(callback)
    fields = {}
    for start, value in by_label_start.items():
        matches = [c for label, c in inputs.items() if label.lower().startswith(start.lower())]
        assert len(matches) == 1, (start, list(inputs))
        fields[matches[0]["custom_id"]] = value
    return fields
