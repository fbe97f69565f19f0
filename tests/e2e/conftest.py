"""One Discord double and one bot process per test module (they take a second to start).

A module sets them up with markers instead of fixtures of its own:

    pytestmark = [
        pytest.mark.double(heartbeat_interval=1000, prepare=add_channels),
        pytest.mark.bot(ask_rate=3, ask_per_seconds=60, module="tests.e2e.faulty_bot"),
    ]

- `double(**options)`: options for `DiscordDouble.with_default_world` (a quick 2 s
  heartbeat unless given), and `prepare(double)` to add to its world first.
- `bot(...)`: `ask_rate`, `ask_per_seconds` and `extra_config` (see `bot_config`),
  `module` (another entry point), `env`, `prepare(process)` to run before it starts
  (e.g. to fill its database) and `check_log(process)` for what its log may hold
  once stopped (by default no traceback, no ERROR line and no token).
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.discord_double import DiscordDouble

from .harness import BotProcess, Users, assert_clean_log, bot_config


def pytest_configure(config):
    config.addinivalue_line("markers", "double(**options): this module's Discord double")
    config.addinivalue_line("markers", "bot(**options): this module's bot process")


def marker_options(request, name: str) -> dict:
    marker = request.node.get_closest_marker(name)
    return dict(marker.kwargs) if marker else {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def double(request):
    options = {"heartbeat_interval": 2000, **marker_options(request, "double")}
    prepare = options.pop("prepare", None)
    async with DiscordDouble.with_default_world(**options) as double:
        if prepare:
            prepare(double)
        yield double


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(request, double, tmp_path_factory):
    options = marker_options(request, "bot")
    config = bot_config(
        options.pop("ask_rate", 1000),
        options.pop("ask_per_seconds", 1),
        options.pop("extra_config", ""),
    )
    prepare = options.pop("prepare", None)
    check_log = options.pop("check_log", assert_clean_log)
    workdir = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    process = BotProcess(double, workdir, config, **options)
    if prepare:
        prepare(process)
    await process.start()
    yield process
    code = await process.stop()
    assert code in (0, -15), process.log
    check_log(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def users(double, bot) -> Users:
    """The default world's people, talking to this module's bot."""
    return Users(double, bot)


@pytest.fixture(autouse=True)
def no_discord_violations(request):
    """Every e2e test ends with no payload Discord would reject and no unknown route."""
    yield
    if "double" in request.fixturenames:
        double = request.getfixturevalue("double")
        assert double.violations == [], double.violations
        assert double.unknown_routes == [], double.unknown_routes
