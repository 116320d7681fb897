"""The query log: one row per question, read by the staff console.

It keeps the question text, language, outcome, cited clause ids, latency and feedback: nothing about
who asked (no IP address, no session, no user agent). Rows older than the retention period are deleted.
It lives in the app's database (web/db.py): the SQLite file by default, PostgreSQL with POLICYBOT_DATABASE_URL.

Feedback needs the answer's token: `record` stores only the token's sha256, `feedback` and `comment` change
a row only when given the token that came with the answer (the API returns it as `feedback_token`, the chat
keeps it in the asker's own session). Ids are sequential, so an id alone must not be enough.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, select, update

from web.db import Database, login_failures, queries, rate_hits, sqlite_url

STATUSES = ("answered", "declined", "error")
MAX_COMMENT_CHARS = 1000
MAX_TOKEN_CHARS = 100
_PURGE_EVERY_S = 24 * 3600


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


def new_token() -> str:
    """A per-answer secret for its feedback (128 bits: not guessable, unlike the sequential ids)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class QueryLog:
    """Thread-safe and process-safe: every call is one short transaction in the shared database."""

    def __init__(self, path: Path | None = None, retention_days: int = 90, url: str = "") -> None:
        """`url` (POLICYBOT_DATABASE_URL) wins; without one, the SQLite file at `path`."""
        if not url:
            if path is None:
                raise ValueError("QueryLog needs a SQLite path or a database URL")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path) if path is not None else None
        self.retention_days = retention_days
        self.database = Database(url or sqlite_url(Path(path)))  # type: ignore[arg-type]
        self._purged_at = 0.0
        self.purge()

    def record(
        self,
        question: str,
        lang: str,
        status: str,
        clause_ids: Sequence[str] = (),
        latency_ms: float = 0.0,
        channel: str = "chat",
        token: str = "",
    ) -> int:
        """Store one question; returns its id. `token` (see new_token) is what its feedback must bring."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if time.monotonic() - self._purged_at > _PURGE_EVERY_S:  # a long-running server purges daily
            self.purge()
        row = {
            "asked_at": _now(),
            "channel": channel,
            "question": _text(question),  # the chat passes text as typed: a lone surrogate must not fail the insert
            "lang": lang,
            "status": status,
            "clause_ids": json.dumps(list(clause_ids), ensure_ascii=False),
            "latency_ms": latency_ms,
            "comment": "",
            "feedback_token": token_hash(token) if token else "",
        }
        with self.database.write() as conn:
            return int(conn.execute(queries.insert().values(**row)).inserted_primary_key[0])

    def feedback(self, entry_id: int, rating: int | None, comment: str | None = None, *, token: str) -> bool:
        """Set 👍 (1) / 👎 (-1) / none (None); a comment, when given, replaces the old one.

        False when there is no such id or the token is not the one issued with that answer (the two are not
        told apart, so a guessed id reveals nothing).
        """
        if rating not in (1, -1, None):
            raise ValueError(f"rating must be 1, -1 or None, not {rating!r}")
        values: dict[str, object] = {"feedback": rating}
        if comment is not None:
            values["comment"] = _text(comment.strip()[:MAX_COMMENT_CHARS])
        return self._update(entry_id, token, values)

    def comment(self, entry_id: int, comment: str, *, token: str) -> bool:
        """Add a comment without touching the rating (the same token rule as `feedback`)."""
        return self._update(entry_id, token, {"comment": _text(comment.strip()[:MAX_COMMENT_CHARS])})

    def _update(self, entry_id: int, token: str, values: dict[str, object]) -> bool:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return False
        # A row recorded without a token (feedback_token '') never matches: sha256 is never empty.
        where = and_(queries.c.id == entry_id, queries.c.feedback_token == token_hash(token))
        with self.database.write() as conn:
            return conn.execute(update(queries).where(where).values(**values)).rowcount > 0

    def get(self, entry_id: int) -> LogEntry | None:
        rows = self._select(queries.c.id == entry_id, 1)
        return rows[0] if rows else None

    def recent(self, limit: int = 50) -> list[LogEntry]:
        return self._select(None, limit)

    def gaps(self, limit: int = 50) -> list[LogEntry]:
        """Content gaps: recent questions the bot declined or an asker marked not helpful."""
        return self._select((queries.c.status == "declined") | (queries.c.feedback == -1), limit)

    def counts(self) -> dict[str, int]:
        """Questions per status, plus helpful / not helpful feedback."""
        with self.database.read() as conn:
            out = {status: 0 for status in STATUSES}
            grouped = conn.execute(select(queries.c.status, func.count()).group_by(queries.c.status))
            out.update({status: int(n) for status, n in grouped})
            rated = select(func.count()).select_from(queries)
            out["helpful"] = int(conn.execute(rated.where(queries.c.feedback == 1)).scalar_one())
            out["not_helpful"] = int(conn.execute(rated.where(queries.c.feedback == -1)).scalar_one())
        return out

    def total(self) -> int:
        with self.database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(queries)).scalar_one())

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete rows older than the retention period (and expired rate-limit counters); returns how many rows went."""
        self._purged_at = time.monotonic()
        moment = now or dt.datetime.now(dt.UTC)
        for table in (rate_hits, login_failures):  # the limiter and the login guard purge their own more often
            self.database.purge_counters(table, moment.timestamp() - 24 * 3600)
        if self.retention_days <= 0:
            return 0
        cutoff = moment - dt.timedelta(days=self.retention_days)
        with self.database.write() as conn:
            return conn.execute(queries.delete().where(queries.c.asked_at < _iso(cutoff))).rowcount

    def _select(self, where, limit: int) -> list[LogEntry]:  # noqa: ANN001
        columns = [queries.c[name] for name in LogEntry.__dataclass_fields__]
        statement = select(*columns).order_by(queries.c.id.desc()).limit(limit)
        if where is not None:
            statement = statement.where(where)
        with self.database.read() as conn:
            rows = conn.execute(statement).all()
        return [LogEntry(*row[:6], tuple(json.loads(row[6])), *row[7:]) for row in rows]


def _text(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


def _now() -> str:
    return _iso(dt.datetime.now(dt.UTC))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
