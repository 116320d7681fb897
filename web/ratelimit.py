"""Per-client rate limit: an in-memory sliding window of request times per client address."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0
MESSAGE = (
    "提问过于频繁，请稍后再试（每分钟最多 {n} 个问题）。"
    " Too many questions: please wait a moment and try again (at most {n} a minute)."
)


class RateLimiter:
    """At most `per_minute` hits per key in any 60-second window; 0 turns the limit off. Thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one hit for key; False (and not counted) when the window is full."""
        if self.per_minute <= 0:
            return True
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= WINDOW_S:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # many clients: forget the idle ones so memory stays bounded
                self._forget_idle(now)
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until the oldest hit in key's window expires."""
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return 0
            return max(1, int(WINDOW_S - (self._clock() - hits[0])) + 1)

    def message(self) -> str:
        return MESSAGE.format(n=self.per_minute)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= WINDOW_S]:
            del self._hits[key]
