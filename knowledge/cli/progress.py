"""Progress of a long terminal command on stderr: a bar redrawn in place on a
terminal, plain lines (at most one every few seconds) otherwise, e.g. in a log."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

PLAIN_EVERY_SECONDS = 5.0


class ProgressPrinter:
    """Callable as (phase, done, total), as knowledge.curation.bulk_import reports."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty()
        self.started = time.monotonic()
        self._phase = ""
        self._last_line = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self._phase:
            self.finish()
            self._phase, self.started, self._last_line = phase, now, 0.0
        share = done / total if total else 1.0
        elapsed = now - self.started
        if self.bar:
            width = max(10, min(40, shutil.get_terminal_size((80, 20)).columns - 40))
            filled = round(width * share)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{phase:<9} [{bar}] {share:6.1%}  {elapsed:5.1f} s")
            self.stream.flush()
        elif share >= 1.0 or now - self._last_line >= PLAIN_EVERY_SECONDS or not self._last_line:
            self.stream.write(f"{phase}: {share:.0%} ({elapsed:.1f} s)\n")
            self.stream.flush()
            self._last_line = now

    def finish(self) -> None:
        """End the bar's line (call before printing anything else)."""
        if self.bar and self._phase:
            self.stream.write("\n")
            self.stream.flush()
        self._phase = ""
