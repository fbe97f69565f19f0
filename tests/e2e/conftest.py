"""One Discord double and one bot process per test module (they take a second to start)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.discord_double import DiscordDouble

from .harness import BotProcess

FAST = "[bot]\nask_rate = 1000\nask_per_seconds = 1\nsync_commands_on_start = true\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def double():
    async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
        yield double


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(double, tmp_path_factory):
    process = BotProcess(double, tmp_path_factory.mktemp("bot"), FAST)
    await process.start()
    yield process
    code = await process.stop()
    assert code in (0, -15), process.log
    assert "Traceback" not in process.log, process.log
    errors = [line for line in process.output if " ERROR " in line or '"level": "ERROR"' in line]
    assert errors == [], "\n".join(errors)


@pytest.fixture(autouse=True)
def no_discord_violations(request):
    """Every e2e test ends with no payload Discord would reject and no unknown route."""
    yield
    if "double" in request.fixturenames:
        double = request.getfixturevalue("double")
        assert double.violations == [], double.violations
        assert double.unknown_routes == [], double.unknown_routes
