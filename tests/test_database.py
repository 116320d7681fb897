"""Issue 19: the query log, feedback tokens, rate limits and login lockout on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from core.config import load_settings
from tests.pg_support import PG_URL, fresh_postgres
from web.db import Database, DatabaseUrlError, normalise_url
from web.querylog import QueryLog
from web.ratelimit import RateLimiter
from web.security import LoginGuard

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="no PostgreSQL"))]


@pytest.fixture(params=BACKENDS)
def querylog(request, tmp_path: Path) -> QueryLog:
    if request.param == "sqlite":
        return QueryLog(tmp_path / "q.sqlite3")
    return QueryLog(None, url=fresh_postgres())


def test_rows_feedback_gaps_and_retention(querylog: QueryLog) -> None:
    answered = querylog.record("外资研发中心有什么资金支持？", "zh", "answered", ["cp#四.(十二)"], 12.5, token="tok")
    declined = querylog.record("火星移民政策是什么？", "zh", "declined", [], 3.0, token="tok2")
    assert not querylog.feedback(answered, -1, token="tok2")  # another answer's token
    assert querylog.feedback(answered, -1, "  没有说申请流程  ", token="tok")
    assert [g.id for g in querylog.gaps()] == [declined, answered]
    assert querylog.get(answered).comment == "没有说申请流程" and querylog.get(answered).clause_ids == ("cp#四.(十二)",)
    assert querylog.counts() == {"answered": 1, "declined": 1, "error": 0, "helpful": 0, "not_helpful": 1}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=querylog.retention_days + 1)
    assert querylog.purge(now=later) == 2 and querylog.total() == 0


def test_concurrent_writers_lose_no_row(querylog: QueryLog) -> None:
    def write(n: int) -> None:
        for i in range(25):
            querylog.record(f"问题 {n}-{i}", "zh", "answered", token=f"t{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert querylog.total() == 200


def test_rate_limit_is_shared_by_two_processes_worth_of_limiters(querylog: QueryLog) -> None:
    now = [1_000.0]
    # Two limiters on the same database stand for two workers: the client's budget is one.
    first, second = (RateLimiter(3, clock=lambda: now[0], database=querylog.database) for _ in range(2))
    assert [first.allow("1.2.3.4"), second.allow("1.2.3.4"), first.allow("1.2.3.4")] == [True, True, True]
    assert not second.allow("1.2.3.4") and not first.allow("1.2.3.4")
    assert second.retry_after("1.2.3.4") >= 1 and first.allow("5.6.7.8")
    now[0] += 60.5
    assert second.allow("1.2.3.4")


def test_login_failures_are_shared(querylog: QueryLog, tmp_path: Path) -> None:
    settings = load_settings({}, login_max_failures=2, query_log_path=tmp_path / "x")
    a, b = LoginGuard(querylog.database, settings), LoginGuard(querylog.database, settings)
    a.failed("10.0.0.1", "staff")
    assert b.retry_after("10.0.0.1", "staff") == 0
    b.failed("10.0.0.1", "staff")
    assert a.retry_after("10.0.0.1", "staff") > 0 and b.retry_after("10.0.0.2", "staff") == 0


def test_database_urls() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    with pytest.raises(DatabaseUrlError, match="POLICYBOT_DATABASE_URL"):
        Database("nosuchdb://x")
    assert load_settings({"POLICYBOT_DATABASE_URL": "postgresql://x/y"}).database_url == "postgresql://x/y"


def test_an_old_sqlite_log_gets_the_token_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE queries (id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at TEXT NOT NULL, channel TEXT NOT NULL,"
            " question TEXT NOT NULL, lang TEXT NOT NULL, status TEXT NOT NULL, clause_ids TEXT NOT NULL,"
            " latency_ms REAL NOT NULL, feedback INTEGER, comment TEXT NOT NULL DEFAULT '')"
        )
        db.execute(
            "INSERT INTO queries VALUES (1, '2099-01-01T00:00:00+00:00', 'chat', 'q', 'zh', 'answered', '[]', 1, NULL, '')"
        )
    log = QueryLog(path)
    assert log.get(1).question == "q" and not log.feedback(1, 1, token="anything")  # old rows take no feedback
    assert log.feedback(log.record("new", "zh", "answered", token="t"), 1, token="t")
