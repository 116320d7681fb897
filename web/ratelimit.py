"""Per-client rate limit: a sliding window of request times per client address.

With a database (the app's: SQLite or PostgreSQL, see web/db.py) the window is shared by every worker
and replica, so `--workers 4` does not quadruple a client's budget; without one (unit tests, scripts) it
is kept in this process's memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from web.db import Database, rate_hits

WINDOW_S = 60.0
_PURGE_EVERY_S = 60.0
MESSAGE = (
    "提问过于频繁，请稍后再试（每分钟最多 {n} 个问题）。"
    " Too many questions: please wait a moment and try again (at most {n} a minute)."
)


class RateLimiter:
    """At most `per_minute` hits per key in any 60-second window; 0 turns the limit off. Thread-safe."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.time, database: Database | None = None
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._database = database
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._purged_at = 0.0

    def allow(self, key: str) -> bool:
        """Count one hit for key; False (and not counted) when the window is full."""
        if self.per_minute <= 0:
            return True
        now = self._clock()
        if self._database is not None:
            if now - self._purged_at > _PURGE_EVERY_S:  # old hits only slow the count down: drop them
                self._purged_at = now
                self._database.purge_counters(rate_hits, now - WINDOW_S)
            return bool(self._database.take(key, now, WINDOW_S, self.per_minute))
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
        now = self._clock()
        if self._database is not None:
            oldest = self._database.oldest(rate_hits, key, now, WINDOW_S)
        else:
            with self._lock:
                hits = self._hits.get(key)
                oldest = hits[0] if hits else None
        if oldest is None:
            return 0
        return max(1, int(WINDOW_S - (now - oldest)) + 1)

    def message(self) -> str:
        return MESSAGE.format(n=self.per_minute)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= WINDOW_S]:
            del self._hits[key]
