"""The query log: one SQLite row per question, read by the staff console.

It keeps the question text, language, outcome, cited clause ids, latency and feedback: nothing about
who asked (no IP address, no session, no user agent). Rows older than the retention period are deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("answered", "declined", "error")
MAX_COMMENT_CHARS = 1000
_PURGE_EVERY_S = 24 * 3600
_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at TEXT NOT NULL,            -- UTC, ISO 8601 seconds
    channel TEXT NOT NULL,             -- chat | api
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,              -- answered | declined | error
    clause_ids TEXT NOT NULL,          -- JSON list of the cited clause ids
    latency_ms REAL NOT NULL,
    feedback INTEGER,                  -- 1 helpful, -1 not helpful, NULL none
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS queries_asked_at ON queries (asked_at);
"""


@dataclass(frozen=True)
class LogEntry:
    id: int
    asked_at: str
    channel: str
    question: str
    lang: str
    status: str
    clause_ids: tuple[str, ...]
    latency_ms: float
    feedback: int | None
    comment: str


class QueryLog:
    """Thread-safe: one short connection per call, writes serialised by a lock."""

    def __init__(self, path: Path, retention_days: int = 90) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._purged_at = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self.purge()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def record(
        self,
        question: str,
        lang: str,
        status: str,
        clause_ids: Sequence[str] = (),
        latency_ms: float = 0.0,
        channel: str = "chat",
    ) -> int:
        """Store one question; returns its id (what feedback refers to)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if time.monotonic() - self._purged_at > _PURGE_EVERY_S:  # a long-running server purges daily
            self.purge()
        row = (_now(), channel, question, lang, status, json.dumps(list(clause_ids), ensure_ascii=False), latency_ms)
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO queries (asked_at, channel, question, lang, status, clause_ids, latency_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def feedback(self, entry_id: int, rating: int | None, comment: str | None = None) -> bool:
        """Set 👍 (1) / 👎 (-1) / none (None); a comment, when given, replaces the old one. False if no such id."""
        if rating not in (1, -1, None):
            raise ValueError(f"rating must be 1, -1 or None, not {rating!r}")
        with self._lock, self._connect() as db:
            if comment is None:
                cursor = db.execute("UPDATE queries SET feedback = ? WHERE id = ?", (rating, entry_id))
            else:
                cursor = db.execute(
                    "UPDATE queries SET feedback = ?, comment = ? WHERE id = ?",
                    (rating, comment.strip()[:MAX_COMMENT_CHARS], entry_id),
                )
            return cursor.rowcount > 0

    def comment(self, entry_id: int, comment: str) -> bool:
        """Add a comment without touching the rating."""
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "UPDATE queries SET comment = ? WHERE id = ?", (comment.strip()[:MAX_COMMENT_CHARS], entry_id)
            )
            return cursor.rowcount > 0

    def get(self, entry_id: int) -> LogEntry | None:
        rows = self._select("WHERE id = ?", (entry_id,), 1)
        return rows[0] if rows else None

    def recent(self, limit: int = 50) -> list[LogEntry]:
        return self._select("", (), limit)

    def gaps(self, limit: int = 50) -> list[LogEntry]:
        """Content gaps: recent questions the bot declined or an asker marked not helpful."""
        return self._select("WHERE status = 'declined' OR feedback = -1", (), limit)

    def counts(self) -> dict[str, int]:
        """Questions per status, plus helpful / not helpful feedback."""
        with self._connect() as db:
            out = {status: 0 for status in STATUSES}
            out.update(dict(db.execute("SELECT status, COUNT(*) FROM queries GROUP BY status").fetchall()))
            out["helpful"] = db.execute("SELECT COUNT(*) FROM queries WHERE feedback = 1").fetchone()[0]
            out["not_helpful"] = db.execute("SELECT COUNT(*) FROM queries WHERE feedback = -1").fetchone()[0]
        return out

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many went."""
        if self.retention_days <= 0:
            return 0
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=self.retention_days)
        with self._lock, self._connect() as db:
            self._purged_at = time.monotonic()
            return db.execute("DELETE FROM queries WHERE asked_at < ?", (_iso(cutoff),)).rowcount

    def _select(self, where: str, params: tuple, limit: int) -> list[LogEntry]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, asked_at, channel, question, lang, status, clause_ids, latency_ms, feedback, comment"
                f" FROM queries {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [LogEntry(*row[:6], tuple(json.loads(row[6])), *row[7:]) for row in rows]


def _now() -> str:
    return _iso(dt.datetime.now(dt.UTC))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
