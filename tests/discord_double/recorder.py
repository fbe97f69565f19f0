"""An append-only log that tests can await on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
Predicate = Callable[[T], bool]


@dataclass
class _Waiter(Generic[T]):
    predicate: Predicate[T]
    future: asyncio.Future[T]
    consume: bool


class Recorder(Generic[T]):
    """A list of items plus ``wait``: await the first item matching a predicate.

    With ``consume=True`` each item is handed out at most once to consuming waits,
    so "wait for the next reply" style tests do not see an older reply twice.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[T] = []
        self._consumed: set[int] = set()
        self._waiters: list[_Waiter[T]] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: T) -> None:
        """Append ``item`` and wake the waiters it matches."""
        index = len(self.items)
        self.items.append(item)
        for waiter in list(self._waiters):
            if waiter.future.done() or (waiter.consume and index in self._consumed):
                continue
            if waiter.predicate(item):
                if waiter.consume:
                    self._consumed.add(index)
                waiter.future.set_result(item)
                self._waiters.remove(waiter)

    def consume(self, item: T) -> None:
        """Mark ``item`` as handed out (consuming waits will skip it)."""
        for index, candidate in enumerate(self.items):
            if candidate is item:
                self._consumed.add(index)

    def find(self, predicate: Predicate[T], *, consume: bool = False, start: int = 0) -> T | None:
        """Return the first recorded item matching ``predicate`` (from index ``start``)."""
        for index in range(start, len(self.items)):
            if consume and index in self._consumed:
                continue
            if predicate(self.items[index]):
                if consume:
                    self._consumed.add(index)
                return self.items[index]
        return None

    async def wait(
        self,
        predicate: Predicate[T],
        timeout: float,
        *,
        consume: bool = False,
        start: int = 0,
    ) -> T:
        """Return the first item (already recorded or future) matching ``predicate``.

        Raises ``TimeoutError`` naming what was recorded if nothing matches in time.
        """
        found = self.find(predicate, consume=consume, start=start)
        if found is not None:
            return found
        waiter = _Waiter(predicate, asyncio.get_running_loop().create_future(), consume)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except TimeoutError:
            recent = "\n  ".join(repr(i)[:300] for i in self.items[-5:]) or "(nothing)"
            raise TimeoutError(
                f"no matching {self.what} within {timeout}s; last recorded:\n  {recent}"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            if not waiter.future.done():
                waiter.future.cancel()

    def cancel_waiters(self) -> None:
        """Cancel every pending wait (used on shutdown)."""
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()
        self._waiters.clear()
