"""PostgreSQL for the tests: POLICYBOT_TEST_DATABASE_URL names an empty database the tests may wipe.

.ci/run starts Debian's PostgreSQL and sets it; without it (a laptop without PostgreSQL) the tests that
need it are skipped, and say why.
"""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("POLICYBOT_TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(not PG_URL, reason="POLICYBOT_TEST_DATABASE_URL is not set (.ci/run sets it)")


def fresh_postgres() -> str:
    """The test database with policybot's tables dropped (each test starts from nothing)."""
    from web.db import Database, metadata

    database = Database(PG_URL)
    with database.write() as conn:
        metadata.drop_all(conn)
    database.engine.dispose()
    return PG_URL
