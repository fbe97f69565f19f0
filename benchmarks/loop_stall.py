"""How long the event loop goes unserved while questions are answered.

A ticker coroutine sleeps 1 ms at a time and records how late it wakes up;
meanwhile questions arrive at a steady rate and are answered the way the bot
answers them: `asyncio.to_thread(kb.ask, ...)`, which retrieves and writes the
question log to SQLite. Lateness is the loop's stall: time it could not run
anything else (gateway heartbeats, other messages).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from knowledge.service import KnowledgeBase

TICK_S = 0.001


async def measure_loop_stall(
    kb: KnowledgeBase, questions: list[str], rate: float, seconds: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    lateness: list[float] = []
    ask_ms: list[float] = []
    errors: list[str] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK_S)
            lateness.append((time.perf_counter() - before - TICK_S) * 1000)

    async def ask(n: int) -> None:
        t0 = time.perf_counter()
        try:
            await asyncio.to_thread(
                kb.ask,
                questions[n % len(questions)],
                guild_id=1,
                channel_id=2,
                user_id=n % 97,
                via="bench",
            )
        except Exception as exc:  # reported, not raised: the run goes on
            errors.append(repr(exc))
        ask_ms.append((time.perf_counter() - t0) * 1000)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.2)  # the ticker's own baseline first
    baseline = list(lateness)
    lateness.clear()
    start = loop.time()
    total = int(rate * seconds)
    tasks = []
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
        tasks.append(asyncio.create_task(ask(n)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    done.set()
    await tick
    ordered = sorted(lateness)
    return {
        "rate": rate,
        "seconds": seconds,
        "asked": total,
        "answered_per_s": len(ask_ms) / elapsed if elapsed else 0.0,
        "errors": errors[:5],
        "error_count": len(errors),
        "ticks": len(ordered),
        "max_stall_ms": ordered[-1] if ordered else 0.0,
        "p99_stall_ms": ordered[int(len(ordered) * 0.99)] if ordered else 0.0,
        "idle_max_stall_ms": max(baseline) if baseline else 0.0,
        "ask_p50_ms": sorted(ask_ms)[len(ask_ms) // 2] if ask_ms else 0.0,
        "ask_p99_ms": sorted(ask_ms)[int(len(ask_ms) * 0.99)] if ask_ms else 0.0,
    }
