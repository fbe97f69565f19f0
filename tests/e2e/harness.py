"""The end-to-end harness: the real bot process (`python -m bot`) against the Discord
API double, and the people who talk to it.

- `BotProcess` runs the bot with its own config and database, reads its log and rows,
  and runs the other entry points (`python -m bot status`, `python -m knowledge ...`)
  with the same environment.
- `User` is somebody on the double's Discord: asks by mention, reply, /ask or the
  context menu, runs slash commands, presses buttons, picks menu options and fills
  forms. `Users` holds the default world's cast.
- The rest reads what the bot sent: `embed_text`, `buttons`, `button`, `custom_ids`,
  `modal_inputs`, `fill`, `allows_no_mentions`.

The fixtures built on these live in conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from tests.discord_double import DiscordDouble, InteractionCallback, InteractionHandle
from tests.discord_double.records import SentMessage

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0  # seconds to wait for one answer from the bot


def bot_config(ask_rate: int = 1000, ask_per_seconds: int = 1, extra: str = "") -> str:
    """The config most e2e bots run with: commands synced on start, and an ask limit
    high enough (by default) that no test trips over it."""
    return (
        f"[bot]\nask_rate = {ask_rate}\nask_per_seconds = {ask_per_seconds}\n"
        f"sync_commands_on_start = true\n{extra}"
    )


FAST = bot_config()

# Questions the curated article answers, each with a phrase its answer holds.
ARTICLE_QUESTIONS = [
    ("how many users does GREE have?", "20 million"),
    ("when did LinkedIn launch in Japan?", "October"),
    ("How many users did Facebook have in Japan?", "11 million"),
    ("what did Nikkei Trendy name Facebook?", "hit product"),
    ("which anime made twitter explode?", "Laputa"),
]


def add_crowd(
    double: DiscordDouble,
    name: str,
    members: int,
    first_member: int,
    channels: int,
    first_channel: int,
) -> None:
    """Add `channels` channels ({name}-0, ...) and `members` members to Fact Club."""
    guild = double.ids.guild
    for n in range(channels):
        double.add_channel(guild, first_channel + n, f"{name}-{n}")
    for n in range(members):
        double.add_member(guild, first_member + n, f"{name}-member-{n}")


async def run_python_module(
    args: Sequence[str],
    env: dict,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 60,
) -> tuple[int, str]:
    """`python -m *args` from the repo root; its exit status and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=str(REPO),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=preexec_fn,
    )
    output = (await asyncio.wait_for(proc.communicate(), timeout))[0].decode()
    assert proc.returncode is not None
    return proc.returncode, output


def read_rows(db_path: Path, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
    """The rows `sql` selects from the database at `db_path`, as dicts."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def read_pg_rows(url: str, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
    """The rows `sql` (`?` placeholders) selects from the PostgreSQL database at `url`."""
    import psycopg
    from psycopg.rows import dict_row

    from knowledge.store.postgres import pg_sql

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return list(conn.execute(pg_sql(sql), list(params)))


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
        db_url: str = "",
    ):
        self.double = double
        self.module = module
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path or workdir / "factbot.db"
        self.db_url = db_url  # a PostgreSQL database in place of the file
        self.config_path = workdir / "config.toml"
        url = f"url = '{db_url}'\n" if db_url else ""
        self.config_path.write_text(
            f"[database]\npath = '{self.db_path}'\n{url}{config}", encoding="utf-8"
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

    @contextlib.asynccontextmanager
    async def running(self, *, wait_for_commands: bool = True) -> AsyncIterator[BotProcess]:
        """Started for the `async with` block, stopped after it whatever happens."""
        await self.start(wait_for_commands=wait_for_commands)
        try:
            yield self
        finally:
            await self.stop()

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        async for line in self.proc.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    @property
    def log(self) -> str:
        return "\n".join(self.output)

    @property
    def exit_code(self) -> int | None:
        return self.proc.returncode if self.proc else None

    def error_lines(self) -> list[str]:
        """Log lines at level ERROR, in plain or JSON form."""
        return [line for line in self.output if " ERROR " in line or '"level": "ERROR"' in line]

    async def log_since(self, line: int, text: str, wait: float = 5.0) -> str:
        """The log after line `line`, once `text` is in it (and a moment more, for
        anything logged twice to show up)."""
        for _ in range(int(wait * 10)):
            if text in "\n".join(self.output[line:]):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        return "\n".join(self.output[line:])

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

    def rows(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        """The rows `sql` (`?` placeholders) selects from the bot's database, as dicts."""
        if self.db_url:
            return read_pg_rows(self.db_url, sql, params)
        return read_rows(self.db_path, sql, params)

    def count(self, sql: str, params: Sequence = ()) -> int:
        """The single number a `select count(*) ...` gives."""
        (row,) = self.rows(sql, params)
        (n,) = row.values()
        return n

    async def run(
        self, *args: str, preexec_fn: Callable[[], None] | None = None
    ) -> tuple[int, str]:
        """`python -m *args` with this bot's environment (its config, token and
        double): its exit status and output."""
        return await run_python_module(args, self.env, preexec_fn)

    async def add_fact_from_terminal(
        self, guild_id: int, text: str, citation: str, *more: str
    ) -> tuple[int, str]:
        """`python -m knowledge fact add` in another process, on this bot's database."""
        return await self.run(
            "knowledge", "fact", "add", "--guild", str(guild_id), "--text", text,
            "--citation", citation, *more,
        )  # fmt: skip


def assert_no_token(process: BotProcess) -> None:
    """The bot's log never shows its token."""
    assert process.double.token not in process.log


def assert_no_traceback(process: BotProcess) -> None:
    """What a bot's log may hold when failures are logged on purpose: ERROR lines,
    but no traceback and never the token."""
    assert_no_token(process)
    assert "Traceback" not in process.log, process.log


def assert_clean_log(process: BotProcess) -> None:
    """No traceback, no ERROR line and never the token."""
    assert_no_traceback(process)
    assert process.error_lines() == [], "\n".join(process.error_lines())


# -- people --------------------------------------------------------------------------
class User:
    """Somebody in a server channel (or a DM) of the double's Discord.

    Methods named after an outcome wait for the bot's answer and return it (a
    SentMessage, or the modal it showed); `slash`, `click`, `choose`, `send_form`,
    `context_menu` return the raw interaction for tests that look closer.
    """

    def __init__(
        self,
        double: DiscordDouble,
        bot: BotProcess | None,
        user_id: int,
        guild: int | None,
        channel: int,
    ):
        self.double = double
        self.bot = bot
        self.id = user_id
        self.guild = guild
        self.channel = channel

    def __repr__(self) -> str:
        return f"<User {self.id} in {self.guild}/{self.channel}>"

    def at(self, channel: int, guild: int | str | None = "same") -> User:
        """The same person in another channel (of another server, or a DM: guild None)."""
        return User(
            self.double, self.bot, self.id, self.guild if guild == "same" else guild, channel
        )

    # -- messages
    async def say(
        self, content: str, mentions: Sequence[int] = (), reply_to: int | None = None
    ) -> dict:
        """Post a message here; the double's payload for it (its "id" among others)."""
        return await self.double.send_message(
            self.guild, self.channel, self.id, content, mentions, reference_message_id=reply_to
        )

    async def next_message(self, timeout: float = TIMEOUT) -> SentMessage:
        """The next message the bot sends in this channel (each is handed out once)."""
        return await self.double.wait_for_message(channel_id=self.channel, timeout=timeout)

    async def answer_to(self, posted: dict, timeout: float = TIMEOUT) -> SentMessage:
        """The bot's reply to the message `posted`, skipping anything else sent here."""
        return await self.double.wait_for_message(
            channel_id=self.channel,
            predicate=lambda m: str((m.message_reference or {}).get("message_id")) == posted["id"],
            timeout=timeout,
        )

    async def post_mention(self, question: str, also: Sequence[int] = ()) -> dict:
        """Post "@FactBot question" (mentioning `also` too); its payload."""
        bot_id = self.double.ids.bot
        return await self.say(f"<@{bot_id}> {question}", [bot_id, *also])

    async def mention(self, question: str, timeout: float = TIMEOUT) -> SentMessage:
        """Ask "@FactBot question"; the next message the bot sends here."""
        await self.post_mention(question)
        return await self.next_message(timeout)

    async def reply_to(self, message: SentMessage, content: str) -> dict:
        """Reply to one of the bot's messages; the payload of the reply."""
        return await self.say(content, reply_to=message.message_id)

    # -- interactions
    async def slash(self, name: str, options: dict | None = None) -> InteractionHandle:
        """Run `/name` (e.g. "fact add") with options {name: value}."""
        return await self.double.slash_command(
            self.guild, self.channel, self.id, name, options or {}
        )

    async def command(
        self, name: str, options: dict | None = None, timeout: float = TIMEOUT
    ) -> SentMessage:
        """Run `/name` and return the bot's answer."""
        return await (await self.slash(name, options)).reply(timeout=timeout)

    async def ask(self, question: str, timeout: float = TIMEOUT) -> SentMessage:
        """`/ask question`: the answer."""
        return await self.command("ask", {"question": question}, timeout)

    async def open_form(self, name: str, options: dict | None = None) -> InteractionCallback:
        """Run `/name` and return the bot's first response (a form: type 9)."""
        return await (await self.slash(name, options)).response(timeout=TIMEOUT)

    async def context_menu(self, name: str, target: SentMessage | dict) -> InteractionHandle:
        """Run the message menu command `name` ("Ask FactBot") on `target`."""
        return await self.double.context_menu_message(
            self.guild, self.channel, self.id, name, target
        )

    async def autocomplete(self, name: str, option: str, typed: str) -> list[dict]:
        """The choices the bot offers while `typed` is in `option` of `/name`."""
        handle = await self.double.autocomplete(
            self.guild, self.channel, self.id, name, {option: typed}, option
        )
        return (await handle.response(timeout=TIMEOUT)).data["choices"]

    async def click(self, message: SentMessage | dict, which: str | dict) -> InteractionHandle:
        """Press a button on `message`: `which` is its custom_id or the button itself."""
        custom_id = which["custom_id"] if isinstance(which, dict) else which
        return await self.double.press_button(self.guild, self.channel, self.id, message, custom_id)

    async def press(
        self, message: SentMessage | dict, which: str | dict, timeout: float = TIMEOUT
    ) -> SentMessage:
        """Press a button and return the bot's answer."""
        return await (await self.click(message, which)).reply(timeout=timeout)

    async def choose(
        self, message: SentMessage | dict, custom_id: str, values: Sequence[str]
    ) -> InteractionHandle:
        """Pick `values` in the select menu `custom_id` on `message`."""
        return await self.double.select_menu(
            self.guild, self.channel, self.id, message, custom_id, values
        )

    async def send_form(self, form: InteractionCallback, **by_label: str) -> InteractionHandle:
        """Submit the form the bot showed, inputs picked by label start (see `fill`)."""
        return await self.double.submit_modal(
            self.guild, self.channel, self.id, form.data["custom_id"], fill(form, **by_label)
        )

    async def submit(self, form: InteractionCallback, **by_label: str) -> SentMessage:
        """Submit the form and return the bot's answer."""
        return await (await self.send_form(form, **by_label)).reply(timeout=TIMEOUT)

    def attach(self, data: bytes, filename: str = "facts.json") -> str:
        """Upload a file for a slash command option here; its attachment id."""
        return self.double.upload_attachment(self.channel, filename, data)

    async def import_facts(
        self, facts: list[dict] | bytes, filename: str = "facts.json"
    ) -> SentMessage:
        """`/fact import` of these records (or these raw bytes): the dry-run reply."""
        data = facts if isinstance(facts, bytes) else json.dumps({"facts": facts}).encode()
        return await self.command("fact import", {"file": self.attach(data, filename)})

    async def add_fact(self, **by_label: str) -> SentMessage:
        """`/fact add`, filled in and submitted: the bot's answer."""
        return await self.submit(await self.open_form("fact add"), **by_label)

    # -- the database the bot writes
    def rows(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        assert self.bot is not None, "this user talks to no bot process"
        return self.bot.rows(sql, params)


class Users:
    """The default world's people, each in their usual channel."""

    def __init__(self, double: DiscordDouble, bot: BotProcess | None = None):
        ids = double.ids
        self.double, self.bot = double, bot
        self.member = self.user(ids.member)
        self.admin = self.user(ids.admin)  # Manage Server in Fact Club
        self.role_admin = self.user(ids.role_admin)  # has the Fact Keepers role
        self.owner = self.user(ids.owner)  # the application's owner
        self.other_admin = self.user(ids.other_admin, ids.guild2, ids.guild2_channel)

    def user(self, user_id: int, guild: int | None = None, channel: int | None = None) -> User:
        """Anybody: by default in Fact Club's #general."""
        ids = self.double.ids
        return User(
            self.double,
            self.bot,
            user_id,
            guild if guild is not None or channel is not None else ids.guild,
            channel or ids.general_channel,
        )


# -- what the bot sent ------------------------------------------------------------------
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


def button(message, label: str) -> dict:
    """The one component labelled `label` (StopIteration when there is none)."""
    return next(b for b in buttons(message) if b.get("label") == label)


def custom_ids(message, start: str = "", end: str = "") -> list[str]:
    """The custom_ids of `message`'s components that start and end as given."""
    found = [b.get("custom_id", "") for b in buttons(message)]
    return [c for c in found if c and c.startswith(start) and c.endswith(end)]


def select_menu(message) -> dict:
    """The first string select menu on `message`."""
    return next(c for c in buttons(message) if c["type"] == 3)


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


def new_fact_id(reply) -> str:
    """The id in "Added `id` ..."."""
    return reply.content.split("`")[1]
