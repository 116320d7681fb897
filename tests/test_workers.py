"""Issue 19: several workers and replicas on one PostgreSQL (real server processes, real database).

`python app.py --workers 2` and a second replica (`python app.py` on another port) share the query log,
feedback tokens, rate limits and login lockout through PostgreSQL, and all three processes follow a new
`current` index build. Clients come from different loopback addresses (127.0.0.2, ...), so that the
workers' sticky hand-over sends them to different workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser_support import STAFF_PASSWORD, free_port
from tests.conftest import ROOT
from tests.pg_support import fresh_postgres, needs_postgres
from web.querylog import QueryLog
from web.workers import worker_for

pytestmark = [needs_postgres, pytest.mark.slow]
ZH = "外资研发中心有什么资金支持？"
START_S = 240


def _env(tmp: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "POLICYBOT_DATABASE_URL": url,
        "POLICYBOT_EMBED_MODEL": "none",
        "POLICYBOT_LLM_BASE_URL": "",
        "POLICYBOT_INDEX_DIR": str(tmp / "index"),
        "POLICYBOT_QUERY_LOG_PATH": str(tmp / "unused.sqlite3"),
        "POLICYBOT_STAFF_PASSWORD": STAFF_PASSWORD,
        "POLICYBOT_RATE_LIMIT_PER_MINUTE": "6",
        "POLICYBOT_LOGIN_MAX_FAILURES": "2",
        "POLICYBOT_INDEX_POLL_SECONDS": "0.5",
        "POLICYBOT_TODAY": "2026-11-23",
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    process = subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, env=env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + START_S
    while "policybot ready at" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"app.py {' '.join(args)} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("workers")
    url = fresh_postgres()
    env = _env(tmp, url)
    ports = free_port(), free_port()
    logs = tmp / "workers.log", tmp / "replica.log"
    workers = _start(["--workers", "2", "--port", str(ports[0])], env, logs[0])
    replica = None
    try:
        replica = _start(["--port", str(ports[1])], env, logs[1])
        yield {"ports": ports, "logs": logs, "url": url, "env": env, "tmp": tmp}
    finally:
        for process in (workers, replica):
            if process is not None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _client(port: int, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=60)


def _sources_for_each_worker(count: int = 2) -> list[str]:
    """Loopback addresses that the parent hands to worker 0, 1, ... (one each)."""
    found: dict[int, str] = {}
    for last in range(2, 250):
        address = f"127.0.0.{last}"
        found.setdefault(worker_for(address, count), address)
        if len(found) == count:
            return [found[i] for i in range(count)]
    raise AssertionError("no address for every worker")


def test_two_workers_share_the_log_and_feedback(deployment: dict) -> None:
    port = deployment["ports"][0]
    log = QueryLog(None, url=deployment["url"])
    before = log.total()
    answers = []
    for source in _sources_for_each_worker():
        with _client(port, source) as client:
            for _ in range(3):
                response = client.post("/api/ask", json={"question": ZH})
                assert response.status_code == 200, response.text
                answers.append(response.json())
    assert log.total() - before == 6  # no row lost, whichever worker answered
    # Feedback for an answer of worker 0, sent through worker 1 and through the other replica.
    first, second = answers[0], answers[1]
    (other_worker,) = _sources_for_each_worker()[1:]
    with _client(port, other_worker) as client:
        rate = {"id": int(first["id"]), "feedback_token": first["feedback_token"], "rating": -1, "comment": "w1"}
        assert client.post("/api/feedback", json=rate).status_code == 200
        forged = {**rate, "feedback_token": second["feedback_token"]}
        assert client.post("/api/feedback", json=forged).status_code == 404
    assert log.get(int(first["id"])).feedback == -1
    with _client(deployment["ports"][1], "127.0.0.1") as client:
        assert client.get("/staff", follow_redirects=False).status_code == 307


def test_replicas_share_the_rate_limit_and_the_login_lockout(deployment: dict) -> None:
    clients = [_client(port, "127.0.0.77") for port in deployment["ports"]]
    try:
        codes = [clients[i % 2].post("/api/ask", json={"question": ZH}).status_code for i in range(8)]
        assert codes.count(200) == 6 and codes[-2:] == [429, 429], codes  # one budget of 6, not 6 per replica
        login = [clients[i % 2].post("/staff/login", data={"username": "staff", "password": "guess"}) for i in range(2)]
        assert [r.status_code for r in login] == [400, 400]
        right = clients[0].post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD})
        assert right.status_code == 429  # locked by failures counted on both replicas
    finally:
        for client in clients:
            client.close()


def test_every_worker_follows_a_new_index_build(deployment: dict) -> None:
    index_dir = deployment["tmp"] / "index"
    old = (index_dir / "current").resolve().name
    built = subprocess.run(
        [sys.executable, "-m", "index", "build"], cwd=ROOT, env=deployment["env"], capture_output=True, timeout=300
    )
    assert built.returncode == 0, built.stderr.decode()[-2000:]
    new = (index_dir / "current").resolve().name
    assert new != old
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines = [
            line
            for log in deployment["logs"]
            for line in log.read_text().splitlines()
            if "now answering from" in line and new in line
        ]
        pids = {line.split("pid ")[1].split("]")[0] if "pid " in line else "replica" for line in lines}
        if len(pids) == 3:  # worker 0, worker 1 and the replica
            break
        time.sleep(0.5)
    assert len(pids) == 3, pids
    for port in deployment["ports"]:
        with _client(port, "127.0.0.1") as client:
            assert client.get("/api/health").json()["index_built_at"]
