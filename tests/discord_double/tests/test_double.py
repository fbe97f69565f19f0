"""The Discord double against the real discord.py client (and a few raw protocol checks)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.discord_double import DiscordDouble, point_discord_py_at, restore_discord_py
from tests.discord_double.validation import check_message, check_modal

TOKEN = "test-token"
REPO = Path(__file__).resolve().parents[3]


def intents() -> discord.Intents:
    value = discord.Intents.default()
    value.message_content = True
    value.members = True
    return value


class Feedback(discord.ui.Modal, title="Suggest a fact"):
    text = discord.ui.TextInput(label="Fact", custom_id="feedback:text", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}")


class Vote(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.clicks: list[int] = []

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.green)
    async def yes(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.clicks.append(interaction.user.id)
        await interaction.response.send_message("counted", ephemeral=True)


class TinyBot(commands.Bot):
    """A small bot: replies to messages, has slash commands, a modal and a persistent view."""

    def __init__(self, **options: Any) -> None:
        super().__init__(command_prefix="!", intents=intents(), guild_ready_timeout=0.05, **options)
        self.ready_event = asyncio.Event()
        self.resumed_event = asyncio.Event()
        self.received: list[discord.Message] = []
        self.vote = Vote()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return  # discord.py sleeps 5 s before re-identifying; not needed against the double

    async def setup_hook(self) -> None:
        self.add_view(self.vote)

        @self.tree.command(name="ping", description="Ping the bot")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="suggest", description="Suggest a fact")
        async def suggest(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Feedback())

        fact = app_commands.Group(name="fact", description="Facts")

        @fact.command(name="add", description="Add a fact")
        async def add(interaction: discord.Interaction, text: str, weight: int = 1) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"added {text} x{weight}")

        self.tree.add_command(fact)

        @self.tree.context_menu(name="Save as fact")
        async def save(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"saved: {message.content}", ephemeral=True)

        async def topics(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=t, value=t)
                for t in ("bees", "bears", "beetles")
                if t.startswith(current)
            ]

        @self.tree.command(name="ask", description="Ask about a topic")
        @app_commands.autocomplete(topic=topics)
        async def ask(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.defer()
            await interaction.edit_original_response(content=f"about {topic}")

        @self.tree.command(name="slow", description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            with contextlib.suppress(discord.NotFound):
                await interaction.response.send_message("finally")

        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready_event.set()

    async def on_resumed(self) -> None:
        self.resumed_event.set()

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message)
        if not message.author.bot:
            await message.reply(f"pong {message.author.name}", mention_author=False)


@pytest_asyncio.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble.with_default_world(heartbeat_interval=1000) as d:
        point_discord_py_at(d.base_url)
        try:
            yield d
        finally:
            restore_discord_py()


@contextlib.asynccontextmanager
async def running(bot: TinyBot) -> AsyncIterator[TinyBot]:
    """Run ``bot`` until READY; always close it and wait for its task."""
    task = asyncio.create_task(bot.start(TOKEN))
    ready = asyncio.create_task(bot.ready_event.wait())
    try:
        await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # raises the start-up error
        assert bot.ready_event.is_set(), "bot did not become ready"
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        await asyncio.wait_for(task, 5)


async def eventually(condition: Any, timeout: float = 5.0) -> None:
    """Poll ``condition()`` until true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


# -- discord.py end to end --------------------------------------------------------------------
@pytest.mark.asyncio
async def test_connects_gets_ready_and_caches_guilds(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()) as bot:
        await double.wait_until_ready(timeout=5)
        guild = bot.get_guild(ids.guild)
        assert guild is not None and guild.name == "Fact Club"
        assert {c.name for c in guild.text_channels} == {"general", "facts"}
        assert guild.get_member(ids.admin).guild_permissions.manage_guild
        assert not guild.get_member(ids.member).guild_permissions.manage_guild
        assert [r.name for r in guild.get_member(ids.role_admin).roles][1:] == ["Fact Keepers"]
        assert guild.me.id == ids.bot and bot.user.bot
        assert bot.get_guild(ids.guild2).get_member(ids.other_admin).guild_permissions.manage_guild
        assert bot.application_id == ids.app
        assert await bot.is_owner(guild.get_member(ids.owner))
        assert all(conn.compress for conn in double.gateway.connections)  # zlib-stream in use
    identify = next(r for r in double.gateway_log.items if r.direction == "in" and r.op == 2)
    assert identify.data["intents"] == intents().value
    assert double.identify_count == 1
    assert {
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "PUT /applications/{app_id}/commands",
    } <= {r.route for r in double.requests}
    double.assert_clean()


@pytest.mark.asyncio
async def test_message_create_and_reply_are_recorded(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()) as bot:
        sent = await double.send_message(
            ids.guild, ids.general_channel, ids.member, "hello bot", mentions=[ids.bot]
        )
        reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=5)
        assert reply.kind == "channel" and reply.content == "pong member"
        assert reply.message_reference["message_id"] == sent["id"]
        assert reply.message["referenced_message"]["id"] == sent["id"]
        assert reply.allowed_mentions is not None
        assert reply.allowed_mentions["replied_user"] is False
        received = bot.received[0]
        assert received.content == "hello bot" and isinstance(received.author, discord.Member)
        assert received.author.id == ids.member and bot.user in received.mentions
        # Discord echoes the bot's own message back on the gateway.
        await eventually(lambda: any(m.id == reply.message_id for m in bot.received))
    double.assert_clean()


@pytest.mark.asyncio
async def test_slash_commands_sync_and_get_responses(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()):
        names = {c["name"] for c in double.commands.global_commands}
        assert names == {"ping", "suggest", "fact", "ask", "slow", "Save as fact"}
        ping = await double.slash_command(ids.guild, ids.general_channel, ids.member, "ping")
        stored = next(c for c in double.commands.global_commands if c["name"] == "ping")
        assert ping.payload["data"]["id"] == stored["id"]
        response = await ping.response(timeout=5)
        assert response.type == 4 and response.content == "pong" and response.ephemeral

        add = await double.slash_command(
            ids.guild, ids.facts_channel, ids.admin, "fact add", {"text": "bees dance", "weight": 3}
        )
        deferred = await add.response(timeout=5)
        assert deferred.type == 5
        (followup,) = await add.followups(timeout=5)
        assert followup.content == "added bees dance x3"
        assert followup.channel_id == ids.facts_channel and followup.interaction_id == add.id
    double.assert_clean()


@pytest.mark.asyncio
async def test_context_menu_autocomplete_deferred_edit_and_dm(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()):
        target = await double.send_message(
            ids.guild, ids.general_channel, ids.member, "Bees can dance"
        )
        save = await double.context_menu_message(
            ids.guild, ids.general_channel, ids.admin, "Save as fact", target
        )
        assert (await save.response(timeout=5)).content == "saved: Bees can dance"

        typing = await double.autocomplete(
            ids.guild, ids.general_channel, ids.member, "ask", {"topic": "bee"}, focused="topic"
        )
        choices = (await typing.response(timeout=5)).data["choices"]
        assert [c["name"] for c in choices] == ["bees", "beetles"]

        ask = await double.slash_command(
            ids.guild, ids.general_channel, ids.member, "ask", {"topic": "bees"}
        )
        answer = await ask.reply(timeout=5)
        assert answer.kind == "webhook_edit" and answer.content == "about bees"
        assert answer.message_id == ask.original_message_id

        dm = await double.slash_command(None, 555, ids.member, "ping")
        assert (await dm.response(timeout=5)).content == "pong"
        assert "user" in dm.payload and "member" not in dm.payload
    double.assert_clean()


@pytest.mark.asyncio
async def test_late_interaction_response_is_a_violation(double: DiscordDouble) -> None:
    ids = double.ids
    double.interaction_deadline = 0.1
    async with running(TinyBot()):
        slow = await double.slash_command(ids.guild, ids.general_channel, ids.member, "slow")
        request = await double.wait_for_request(
            lambda r: r.params.get("interaction_id") == str(slow.id), timeout=5
        )
        await eventually(lambda: request.status is not None)
        assert request.status == 404 and not slow.acknowledged
    assert [(v.code, v.message) for v in double.violations] == [(10062, "Unknown interaction")]


@pytest.mark.asyncio
async def test_button_press_reaches_persistent_view(double: DiscordDouble) -> None:
    ids = double.ids
    # A message posted "before a restart": only the persistent view can handle it.
    button = {"type": 2, "style": 3, "label": "Yes", "custom_id": "vote:yes"}
    message = double.add_message(
        ids.general_channel, ids.bot, "Vote!", components=[{"type": 1, "components": [button]}]
    )
    async with running(TinyBot()) as bot:
        press = await double.press_button(
            ids.guild, ids.general_channel, ids.member, message, "vote:yes"
        )
        response = await press.response(timeout=5)
        assert response.type == 4 and response.content == "counted" and response.ephemeral
        assert bot.vote.clicks == [ids.member]
    double.assert_clean()


@pytest.mark.asyncio
async def test_modal_submit_reaches_on_submit(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()):
        suggest = await double.slash_command(ids.guild, ids.general_channel, ids.member, "suggest")
        modal = await suggest.response(timeout=5)
        assert modal.type == 9 and modal.data["title"] == "Suggest a fact"
        submit = await double.submit_modal(
            ids.guild,
            ids.general_channel,
            ids.member,
            modal.data["custom_id"],
            {"feedback:text": "Bees dance"},
        )
        answer = await submit.response(timeout=5)
        assert answer.type == 4 and answer.content == "thanks: Bees dance"
    double.assert_clean()


@pytest.mark.asyncio
async def test_oversized_payloads_fail_like_discord(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()) as bot:
        channel = bot.get_channel(ids.general_channel)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.status == 400 and too_long.value.code == 50035
        with pytest.raises(discord.HTTPException) as big_embed:
            await channel.send(embed=discord.Embed(title="t" * 257))
        assert big_embed.value.code == 50035
    assert [line for v in double.violations for line in v.describe()] == [
        "content: Must be 2000 or fewer in length.",
        "embeds.0.title: Must be 256 or fewer in length.",
    ]
    assert double.sent_messages == []


@pytest.mark.asyncio
async def test_resumes_after_dropped_connection_and_replays(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()) as bot:
        await double.drop_connections()
        await double.send_message(ids.guild, ids.general_channel, ids.member, "while away")
        await double.wait_for_resume(timeout=5)
        await asyncio.wait_for(bot.resumed_event.wait(), 5)
        missed = await double.wait_for_message(channel_id=ids.general_channel, timeout=5)
        assert missed.message["referenced_message"]["content"] == "while away"

        await double.send_message(ids.guild, ids.facts_channel, ids.admin, "after resume")
        later = await double.wait_for_message(channel_id=ids.facts_channel, timeout=5)
        assert later.content == "pong admin"
        assert double.identify_count == 1 and double.resume_count == 1
        assert [c.path for c in double.gateway.connections] == ["/gateway/resume"]
    double.assert_clean()


@pytest.mark.asyncio
async def test_reconnect_and_invalid_session(double: DiscordDouble) -> None:
    ids = double.ids
    async with running(TinyBot()) as bot:
        await double.send_reconnect()
        await double.wait_for_resume(1, timeout=5)
        await double.send_invalid_session(resumable=False)
        await double.wait_for_identify(2, timeout=5)
        await double.wait_until_ready(timeout=5)
        await double.send_message(ids.guild, ids.general_channel, ids.member, "still there?")
        reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=5)
        assert reply.content == "pong member"
        assert bot.is_ready()
    double.assert_clean()


@pytest.mark.asyncio
async def test_files_and_rate_limits(double: DiscordDouble) -> None:
    ids = double.ids
    double.rest_faults.rate_limit("POST /channels/{channel_id}/messages", retry_after=0.2)
    async with running(TinyBot()) as bot:
        channel = bot.get_channel(ids.general_channel)
        file = discord.File(fp=__import__("io").BytesIO(b"chart-bytes"), filename="chart.png")
        message = await channel.send("see chart", file=file)
        assert message.attachments[0].filename == "chart.png"
        assert await message.attachments[0].read() == b"chart-bytes"
    posts = [r for r in double.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].files == [("chart.png", b"chart-bytes", "application/octet-stream")]
    assert posts[1].json["content"] == "see chart"
    double.assert_clean()


class ShardedBot(commands.AutoShardedBot):
    """An AutoShardedBot that records messages (shard count comes from GET /gateway/bot)."""

    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=intents(), guild_ready_timeout=0.05)
        self.received: list[discord.Message] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message)


@pytest.mark.asyncio
async def test_auto_sharded_bot_gets_one_connection_per_shard() -> None:
    async with DiscordDouble.with_default_world(shard_count=2) as double:
        point_discord_py_at(double.base_url)
        ids = double.ids
        bot = ShardedBot()
        task = asyncio.create_task(bot.start(TOKEN))
        try:
            await double.wait_until_ready(timeout=5)
            await asyncio.wait_for(bot.wait_until_ready(), 5)
            assert bot.shard_count == 2
            assert bot.get_guild(ids.guild).shard_id == 0
            assert bot.get_guild(ids.guild2).shard_id == 1
            await double.send_message(ids.guild2, ids.guild2_channel, ids.other_admin, "hi")
            await eventually(lambda: len(bot.received) == 1)
            frame = next(r for r in double.gateway_log.items if r.event == "MESSAGE_CREATE")
            assert frame.shard_id == 1
        finally:
            await bot.close()
            await asyncio.wait_for(task, 5)
            restore_discord_py()
    shards = [
        r.data["shard"] for r in double.gateway_log.items if r.direction == "in" and r.op == 2
    ]
    assert sorted(shards) == [[0, 2], [1, 2]]
    double.assert_clean()


SUBPROCESS_BOT = """
import os, discord
from tests.discord_double.client_patch import point_discord_py_at

point_discord_py_at(os.environ["FACTBOT_DISCORD_API_BASE"])
intents = discord.Intents.default()
intents.message_content = True
client = discord.Client(intents=intents, guild_ready_timeout=0.05)

@client.event
async def on_message(message):
    if message.author != client.user:
        await message.channel.send("echo: " + message.content)

client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


@pytest.mark.asyncio
async def test_bot_in_a_subprocess(double: DiscordDouble, tmp_path: Path) -> None:
    ids = double.ids
    script = tmp_path / "bot.py"
    script.write_text(SUBPROCESS_BOT)
    env = {
        **os.environ,
        "FACTBOT_DISCORD_API_BASE": double.base_url,
        "DISCORD_TOKEN": TOKEN,
        "PYTHONPATH": str(REPO),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env=env, cwd=str(REPO), stderr=asyncio.subprocess.PIPE
    )
    try:
        await double.wait_until_ready(timeout=8)
        await double.send_message(ids.guild, ids.general_channel, ids.member, "over loopback")
        reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=5)
        assert reply.content == "echo: over loopback"
    finally:
        if proc.returncode is None:
            proc.terminate()
        _, stderr = await asyncio.wait_for(proc.communicate(), 5)
    assert proc.returncode in (0, -15), stderr.decode()
    double.assert_clean()


# -- raw protocol -------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_rest_auth_json_and_unknown_routes(double: DiscordDouble) -> None:
    auth = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{double.base_url}/api/v10/users/@me") as resp:
            assert resp.status == 401
        async with http.get(f"{double.base_url}/api/v10/users/@me", headers=auth) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == str(double.ids.bot)
        async with http.get(f"{double.base_url}/api/v10/gateway/bot", headers=auth) as resp:
            body = await resp.json()
            assert body["url"] == f"{double.ws_url}/gateway" and body["shards"] == 1
        async with http.get(f"{double.base_url}/api/v10/no/such/route", headers=auth) as resp:
            assert resp.status == 404
    assert [r.path for r in double.unknown_routes] == ["/no/such/route"]
    with pytest.raises(AssertionError, match="unknown route GET /no/such/route"):
        double.assert_clean()


@pytest.mark.asyncio
async def test_gateway_protocol_without_compression(double: DiscordDouble) -> None:
    url = f"{double.ws_url}/gateway?v=10&encoding=json"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            hello = await ws.receive_json(timeout=2)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 1000
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json(timeout=2))["op"] == 11
            identify = {"token": TOKEN, "intents": 513, "shard": [0, 1], "properties": {}}
            await ws.send_json({"op": 2, "d": identify})
            ready = await ws.receive_json(timeout=2)
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == f"{double.ws_url}/gateway/resume"
            creates = [await ws.receive_json(timeout=2) for _ in range(2)]
            assert [c["t"] for c in creates] == ["GUILD_CREATE", "GUILD_CREATE"]
            assert len(creates[0]["d"]["members"]) == 1  # no GUILD_MEMBERS intent: only the bot
            double.ack_heartbeats = False
            await ws.send_json({"op": 1, "d": 3})
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive_json(timeout=0.2)
        async with http.ws_connect(url) as ws:
            await ws.receive_json(timeout=2)
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0}})
            closed = await ws.receive(timeout=2)
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004


@pytest.mark.asyncio
async def test_gateway_zlib_stream_frames(double: DiscordDouble) -> None:
    url = f"{double.ws_url}/gateway?v=10&encoding=json&compress=zlib-stream"
    inflater = zlib.decompressobj()
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        frame = await ws.receive_bytes(timeout=2)
        assert frame.endswith(b"\x00\x00\xff\xff")
        assert json.loads(inflater.decompress(frame))["op"] == 10
        await ws.send_json({"op": 1, "d": None})
        assert json.loads(inflater.decompress(await ws.receive_bytes(timeout=2)))["op"] == 11


@pytest.mark.parametrize(
    ("body", "files", "expected"),
    [
        ({"content": "x" * 2000}, 0, None),
        ({"content": "x" * 2001}, 0, "content"),
        ({"embeds": [{"description": "d"}] * 11}, 0, "embeds"),
        ({"embeds": [{"description": "d" * 4097}]}, 0, "embeds.0.description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, 0, "embeds.0.fields"),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            0,
            "embeds.0.fields.0.name",
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            0,
            "embeds.0.fields.0.value",
        ),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, 0, "embeds.0.footer.text"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, 0, "embeds.0.author.name"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, 0, "embeds"),
        ({"components": [{"type": 1, "components": []}] * 6}, 0, "components"),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "b", "custom_id": str(i)}
                            for i in range(6)
                        ],
                    }
                ]
            },
            0,
            "components.0.components",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "b" * 81, "custom_id": "c"}
                        ],
                    }
                ]
            },
            0,
            "components.0.components.0.label",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "b", "custom_id": "c" * 101}
                        ],
                    }
                ]
            },
            0,
            "components.0.components.0.custom_id",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ]
            },
            0,
            "components.0.components.0.options",
        ),
        ({"content": "files"}, 11, "attachments"),
    ],
)
def test_message_limits(body: dict[str, Any], files: int, expected: str | None) -> None:
    error = check_message(body, files)
    if expected is None:
        assert error is None
        return
    assert error is not None and error.code == 50035
    node = error.errors
    for part in expected.split("."):
        node = node[part]
    assert node["_errors"]


def test_empty_message_and_modal_limits() -> None:
    assert check_message({"content": ""}, 0).code == 50006
    assert check_message({"content": ""}, 0, partial=True) is None
    text_input = {
        "type": 4,
        "custom_id": "t",
        "style": 1,
        "label": "l" * 46,
        "placeholder": "p" * 101,
        "value": "v" * 4001,
    }
    error = check_modal(
        {
            "custom_id": "m",
            "title": "t" * 46,
            "components": [{"type": 1, "components": [text_input]}],
        }
    )
    assert error is not None
    errors = error.errors["data"]
    assert "title" in errors
    assert set(errors["components"]["0"]["components"]["0"]) == {"label", "placeholder", "value"}
