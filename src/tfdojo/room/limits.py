"""How many verdicts a learner may send: a token bucket per learner.

Each learner's bucket holds up to ``burst`` tokens and refills at ``per_minute`` tokens a
minute; a verdict takes one. So a learner may send ``per_minute`` verdicts a minute for as
long as they like, and ``burst`` at once after a stretch offline (the client's outbox),
but a runaway loop is held to the average. Kept in memory: a restart refills every bucket.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimit:
    """Token buckets keyed by learner."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # learner -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """Take a token for ``key``: 0 if there was one, else the seconds until there is."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
