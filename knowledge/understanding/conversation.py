"""What each person last asked in each channel, so "and twitter?" can be read
against it: in memory, bounded, and expiring. Never shared between people."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..models import Fact


@dataclass(frozen=True)
class Turn:
    """One answered (or offered) question, as it was searched."""

    question: str
    facts: tuple[Fact, ...]
    at: float


@dataclass(frozen=True)
class Speaker:
    """Whose conversation: one person in one channel of one server."""

    guild_id: int | None
    channel_id: int | None
    user_id: int | str | None


class ConversationMemory:
    """The last turn of each speaker, forgotten after `followup_seconds`
    (or `reply_seconds` when the message replies to the bot's answer), and
    the least recently used speakers dropped beyond `max_speakers`."""

    def __init__(
        self,
        *,
        followup_seconds: float,
        reply_seconds: float,
        max_speakers: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.followup_seconds = followup_seconds
        self.reply_seconds = max(reply_seconds, followup_seconds)
        self.max_speakers = max_speakers
        self.clock = clock
        self._turns: OrderedDict[Speaker, Turn] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, speaker: Speaker, *, replying: bool = False) -> Turn | None:
        """The speaker's last turn if it is recent enough, else None."""
        if speaker.user_id is None:
            return None
        limit = self.reply_seconds if replying else self.followup_seconds
        with self._lock:
            turn = self._turns.get(speaker)
            if turn is None:
                return None
            if self.clock() - turn.at > limit:
                if self.clock() - turn.at > self.reply_seconds:
                    del self._turns[speaker]
                return None
            return turn

    def remember(self, speaker: Speaker, question: str, facts: tuple[Fact, ...]) -> None:
        if speaker.user_id is None:
            return
        with self._lock:
            self._turns.pop(speaker, None)
            self._turns[speaker] = Turn(question, facts, self.clock())
            while len(self._turns) > self.max_speakers:
                self._turns.popitem(last=False)

    def __len__(self) -> int:
        return len(self._turns)
