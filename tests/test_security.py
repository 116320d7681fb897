"""Issue 19, items 1, 2, 3 and 7: feedback tokens, login lockout, security headers, bad input, /staff, /api/docs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.browser_support import STAFF_PASSWORD, settings_with, shared_bot
from web import create_app
from web.security import frame_origins

ZH = "外资研发中心有什么资金支持？"


@pytest.fixture(scope="module")
def bot():
    return shared_bot()


def _client(bot, tmp_path: Path, **changes: object) -> TestClient:
    return TestClient(create_app(bot, settings_with(tmp_path, **changes)))


@pytest.fixture
def client(bot, tmp_path: Path):
    with _client(bot, tmp_path, rate_limit_per_minute=1000) as test_client:
        yield test_client


# --- 1. feedback needs the answer's token ----------------------------------------------------------------


def _rate(client: TestClient, entry: int, token: str, rating: int = 1, comment: str = "") -> int:
    body = {"id": entry, "feedback_token": token, "rating": rating, "comment": comment}
    return client.post("/api/feedback", json=body).status_code


def test_feedback_needs_the_token_of_that_answer(client: TestClient) -> None:
    mine = client.post("/api/ask", json={"question": "火星移民政策是什么？"}).json()
    other = client.post("/api/ask", json={"question": ZH}).json()
    assert mine["feedback_token"] and mine["feedback_token"] != other["feedback_token"]
    assert _rate(client, int(mine["id"]), mine["feedback_token"], -1, "需要火星政策") == 200
    log = client.app.state.querylog
    # An outsider knows the sequential id but not the token: nothing changes, and nothing says whether the id exists.
    for token in ("", "guess", other["feedback_token"], mine["feedback_token"] + "x"):
        assert _rate(client, int(mine["id"]), token, 1, "wiped") in (404, 422)
    entry = log.get(int(mine["id"]))
    assert (entry.feedback, entry.comment) == (-1, "需要火星政策")
    assert client.post("/api/feedback", json={"id": int(mine["id"]), "rating": 1}).status_code == 422  # no token
    # A token is stored only as its hash.
    with log.database.read() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT feedback_token FROM queries")]
    assert mine["feedback_token"] not in stored and all(len(s) == 64 for s in stored)


def test_feedback_is_rate_limited(bot, tmp_path: Path) -> None:
    with _client(bot, tmp_path, rate_limit_per_minute=3) as limited:
        body = limited.post("/api/ask", json={"question": ZH}).json()
        codes = [_rate(limited, int(body["id"]), "wrong-token") for _ in range(5)]
        assert codes == [404, 404, 404, 429, 429]
        assert limited.post("/api/ask", json={"question": ZH}).status_code == 200  # its own budget


def test_the_chat_rates_only_its_own_answers(bot, tmp_path: Path) -> None:
    from web.querylog import QueryLog
    from web.ui import converse

    log = QueryLog(tmp_path / "q.sqlite3")
    steps = list(converse(bot, log, ZH, [], [], "zh", True, {}))
    ids = steps[-1][5]
    entry, token = ids[1]
    assert log.feedback(entry, -1, token=token) and log.get(entry).feedback == -1
    assert not log.feedback(entry, 1, token="another session's token") and log.get(entry).feedback == -1
    assert not log.comment(entry, "wiped", token="") and log.get(entry).comment == ""


# --- 2. staff login lockout ------------------------------------------------------------------------------


def _login(client: TestClient, password: str, user: str = "staff", ip: str | None = None):
    return client.post("/staff/login", data={"username": user, "password": password})


def test_login_locks_out_after_repeated_failures_even_with_the_right_password(
    bot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(bot, tmp_path, login_max_failures=3, login_lockout_minutes=15) as client:
        with caplog.at_level(logging.WARNING, logger="policybot.security"):
            codes = [_login(client, f"guess-{i}").status_code for i in range(3)]
            assert codes == [400, 400, 400]
            locked = _login(client, STAFF_PASSWORD)
        assert locked.status_code == 429 and "Too many failed logins" in locked.json()["detail"]
        assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60 + 1
        assert client.get("/staff/config").status_code == 401  # no session cookie was set
        assert sum("staff login failed" in r.message for r in caplog.records) == 3
        assert any("locked out" in r.message for r in caplog.records)


def test_lockout_ends_after_the_window_and_success_resets_the_client(bot, tmp_path: Path) -> None:
    with _client(bot, tmp_path, login_max_failures=2) as client:
        guard = client.app.state.guard
        now = [1_000_000.0]
        guard._clock = lambda: now[0]
        assert [_login(client, "x").status_code for _ in range(2)] == [400, 400]
        assert _login(client, STAFF_PASSWORD).status_code == 429
        now[0] += 15 * 60 + 1
        assert _login(client, STAFF_PASSWORD).status_code == 200
        assert _login(client, "x").status_code == 400  # the count restarted after the success
        assert _login(client, STAFF_PASSWORD).status_code == 200


def test_a_user_name_locks_across_clients(bot, tmp_path: Path) -> None:
    from web.security import USER_FACTOR

    with _client(bot, tmp_path, login_max_failures=2) as client:
        guard = client.app.state.guard
        for i in range(2 * USER_FACTOR):  # many clients, two failures each: none of them is locked by address
            guard.failed(f"10.0.0.{i}", "staff")
        assert guard.retry_after("10.9.9.9", "staff") > 0
        assert _login(client, STAFF_PASSWORD).status_code == 429
        assert guard.retry_after("10.9.9.9", "someone-else") == 0


# --- 3. security headers -----------------------------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_security_headers_and_framing(bot, tmp_path: Path) -> None:
    with _client(bot, tmp_path, frame_ancestors="https://www.park.example https://*.park.example") as client:
        public = client.get("/")
        assert public.status_code == 200
        csp = _csp(public)
        assert csp["frame-ancestors"] == "frame-ancestors 'self' https://www.park.example https://*.park.example"
        assert "x-frame-options" not in public.headers  # CSP lists the embedding sites; XFO cannot
        assert "https:" not in csp["script-src"] and "http:" not in csp["script-src"]  # no CDN
        for path in ("/staff/", "/api/health", "/api/docs"):
            response = client.get(path)
            assert _csp(response)["frame-ancestors"] == "frame-ancestors 'none'", path
            assert response.headers["x-frame-options"] == "DENY"
        for response in (public, client.get("/api/health")):
            assert response.headers["x-content-type-options"] == "nosniff"
    with _client(bot, tmp_path) as client:
        public = client.get("/")
        assert _csp(public)["frame-ancestors"] == "frame-ancestors 'self'"
        assert public.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_console_session_cookie_is_same_site_strict(client: TestClient) -> None:
    response = _login(client, STAFF_PASSWORD)
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all(re.search(r"samesite=strict", c, re.I) for c in cookies)
    assert not any(re.search(r"samesite=none", c, re.I) for c in cookies)
    assert client.get("/staff/config").status_code == 200  # the session still works


def test_frame_ancestors_must_be_origins(bot, tmp_path: Path) -> None:
    assert frame_origins(settings_with(tmp_path, frame_ancestors="https://a.example, http://b.example:8080")) == [
        "https://a.example",
        "http://b.example:8080",
    ]
    with pytest.raises(ValueError, match="POLICYBOT_FRAME_ANCESTORS"):
        create_app(bot, settings_with(tmp_path, frame_ancestors="https://a.example; script-src *"))


# --- 7. /staff, bad JSON text, /api/docs ------------------------------------------------------------------


def test_staff_without_a_slash_leads_to_the_console(client: TestClient) -> None:
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code in (307, 308) and response.headers["location"] == "/staff/"
    assert client.get("/staff").status_code == 200  # the login page


def test_a_lone_surrogate_is_a_clear_422_not_a_500(client: TestClient) -> None:
    raw = '{"question": "外资\\ud800研发中心"}'.encode()
    response = client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "surrogate" in response.text
    history = b'{"question": "ok", "history": [["a\\udfff", "b"]]}'
    assert client.post("/api/ask", content=history, headers={"Content-Type": "application/json"}).status_code == 422
    feedback = b'{"id": 1, "feedback_token": "x", "rating": 1, "comment": "\\ud83d"}'
    assert (
        client.post("/api/feedback", content=feedback, headers={"Content-Type": "application/json"}).status_code == 422
    )


def test_api_docs_load_nothing_from_other_hosts(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/ask" in page.text and "feedback_token" in page.text
    assert "<script" not in page.text.lower()
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page.text)
    assert client.get("/api/openapi.json").json()["paths"]["/api/feedback"]


def test_parallel_guesses_cannot_slip_under_the_limit(bot, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with _client(bot, tmp_path, login_max_failures=3) as client, ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: _login(client, f"guess-{i}").status_code, range(12)))
        assert codes.count(400) == 3 and codes.count(429) == 9, codes  # each attempt is counted before the check
        assert _login(client, STAFF_PASSWORD).status_code == 429
