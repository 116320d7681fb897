"""The app's shared state in one database (SQLAlchemy): query log, feedback tokens, rate limits, login failures.

`POLICYBOT_DATABASE_URL` picks the database: empty = the SQLite file at `POLICYBOT_QUERY_LOG_PATH` (one host),
`postgresql+psycopg://user:password@host/db` = PostgreSQL, shared by every worker (`python app.py --workers N`)
and by replicas behind a load balancer. Everything that must be the same for all workers lives here, never in
a process's memory: a question logged by one worker gets its feedback through another, and a client's rate
limit and a user's login failures count the same whichever worker they reach.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from core.errors import PolicybotError

log = logging.getLogger(__name__)
metadata = MetaData()

queries = Table(
    "queries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", Text, nullable=False),  # UTC, ISO 8601 seconds
    Column("channel", Text, nullable=False),  # chat | api
    Column("question", Text, nullable=False),
    Column("lang", Text, nullable=False),
    Column("status", Text, nullable=False),  # answered | declined | error
    Column("clause_ids", Text, nullable=False),  # JSON list of the cited clause ids
    Column("latency_ms", Float, nullable=False),
    Column("feedback", Integer),  # 1 helpful, -1 not helpful, NULL none
    Column("comment", Text, nullable=False, server_default=""),
    # sha256 of the answer's feedback token: only whoever got the answer can rate it (the token is never stored).
    Column("feedback_token", String(64), nullable=False, server_default=""),
    Index("queries_asked_at", "asked_at"),
)
# Client addresses and user names are kept only for the window they count in (see purge_counters), never
# joined to questions: the query log itself still holds nothing about who asked.
rate_hits = Table(
    "rate_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("at", Float, nullable=False),  # wall-clock seconds: monotonic clocks differ between processes
    Index("rate_hits_key_at", "key", "at"),
)
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),  # "client:1.2.3.4" or "user:staff"
    Column("at", Float, nullable=False),
    Index("login_failures_key_at", "key", "at"),
)


class DatabaseUrlError(PolicybotError, ValueError):
    """POLICYBOT_DATABASE_URL cannot be used; the message says why."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// (as hosting services write them) use psycopg 3, the driver installed."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine per process; thread-safe. SQLite writes are serialised in-process (SQLite locks the file
    for each write anyway, and waiting on a lock here is cheaper than retrying on 'database is locked')."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        try:
            self.engine = _engine(self.url)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise DatabaseUrlError(f"POLICYBOT_DATABASE_URL is not usable ({exc})") from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._create()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on success (serialised on SQLite)."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _create(self) -> None:
        # Several workers start at once: creating the same table twice must not fail any of them.
        with self.write() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(4711019)"))  # one creator at a time
            metadata.create_all(conn, checkfirst=True)
            columns = {c["name"] for c in inspect(conn).get_columns("queries")}
            if "feedback_token" not in columns:  # a query log from before feedback tokens
                conn.execute(text("ALTER TABLE queries ADD COLUMN feedback_token VARCHAR(64) NOT NULL DEFAULT ''"))

    # --- sliding-window counters (rate limit, login failures) ---------------------------------------------

    def take(self, key: str, now: float, window: float, limit: int, table: Table = rate_hits) -> int:
        """Count one hit for key unless `limit` hits already fall in the window: its row id, or 0 when refused.

        Insert first, then count the hits up to and including this one: two workers racing for the last
        slot can both be refused, never both admitted (the limit is never exceeded).
        """
        with self.write() as conn:
            new_id = conn.execute(table.insert().values(key=key, at=now)).inserted_primary_key[0]
            ahead = conn.execute(
                select(func.count())
                .select_from(table)
                .where(table.c.key == key, table.c.at > now - window, table.c.id <= new_id)
            ).scalar_one()
            if ahead > limit:
                conn.execute(delete(table).where(table.c.id == new_id))
                return 0
            return int(new_id)

    def forget(self, table: Table, ids: list[int]) -> None:
        with self.write() as conn:
            conn.execute(delete(table).where(table.c.id.in_(ids)))

    def oldest(self, table: Table, key: str, now: float, window: float) -> float | None:
        with self.read() as conn:
            return conn.execute(
                select(func.min(table.c.at)).where(table.c.key == key, table.c.at > now - window)
            ).scalar_one()

    def add_failure(self, key: str, now: float) -> None:
        with self.write() as conn:
            conn.execute(login_failures.insert().values(key=key, at=now))

    def count(self, table: Table, key: str, now: float, window: float) -> int:
        with self.read() as conn:
            return conn.execute(
                select(func.count()).select_from(table).where(table.c.key == key, table.c.at > now - window)
            ).scalar_one()

    def clear(self, table: Table, key: str) -> None:
        with self.write() as conn:
            conn.execute(delete(table).where(table.c.key == key))

    def purge_counters(self, table: Table, before: float) -> int:
        """Delete a counter table's rows older than `before` (outside every window)."""
        with self.write() as conn:
            return conn.execute(delete(table).where(table.c.at < before)).rowcount


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            # WAL: readers never wait for the writer, and several worker processes can share the file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # Enough connections for FastAPI's thread pool (40) without opening one per request.
    return create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=True, pool_recycle=1800)
