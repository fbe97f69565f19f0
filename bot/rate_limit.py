"""Per-user rate limiting for asking: a sliding window, in memory."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class AskLimiter:
    """At most `rate` questions per `per` seconds per user."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0.0 if the user may ask now (and count it); else seconds to wait."""
        now = self._clock()
        window = self._asked.setdefault(user_id, deque())
        while window and now - window[0] >= self.per:
            window.popleft()
        if len(window) < self.rate:
            window.append(now)
            self._warned.pop(user_id, None)
            if len(self._asked) > 10_000:
                self._forget_idle(now)
            return 0.0
        return self.per - (now - window[0])

    def should_warn(self, user_id: int) -> bool:
        """True once per limited stretch, so a spammer gets one notice, not many."""
        now = self._clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < self.per:
            return False
        self._warned[user_id] = now
        return True

    def _forget_idle(self, now: float) -> None:
        idle = [uid for uid, w in self._asked.items() if not w or now - w[-1] >= self.per]
        for uid in idle:
            del self._asked[uid]
            self._warned.pop(uid, None)
