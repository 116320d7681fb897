"""HTTP protections around the whole app: staff-login lockout and security headers (ASGI middleware).

Both are plain ASGI middleware so they see every response, including Gradio's own routes (its login,
its assets, its queue), which FastAPI dependencies would not reach.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from web.db import Database, login_failures

log = logging.getLogger("policybot.security")
LOGIN_PATH = "/staff/login"
USER_FACTOR = 4  # a user name locks after 4x the per-client failures: a few clients' typos must not lock it
LOCKED = "登录失败次数过多，请 {m} 分钟后再试。 · Too many failed logins: try again in {m} minutes."
MAX_LOGIN_BODY = 16 * 1024  # a login form is tiny; a bigger body is refused before it is read


class LoginGuard:
    """Counts failed staff logins per client address and per user name, in the shared database."""

    def __init__(self, database: Database, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.max_failures = settings.login_max_failures
        self.window = settings.login_lockout_minutes * 60.0
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0

    def _keys(self, client: str, user: str) -> list[tuple[str, int]]:
        return [
            (f"client:{client}", self.max_failures),
            (f"user:{user.strip().lower()}", self.max_failures * USER_FACTOR),
        ]

    def begin(self, client: str, user: str) -> tuple[list[int], int]:
        """Count this attempt as a failure up front: (its rows, 0), or ([], seconds left) when locked out.

        Counted before the password is checked, so parallel guesses (on one worker or several) cannot all
        slip under the limit, and a worker's next check sees a failure another worker has just answered.
        """
        if not self.enabled:
            return [], 0
        now, rows = self._clock(), []
        for key, limit in self._keys(client, user):
            row = self.database.take(key, now, self.window, limit, table=login_failures)
            if not row:
                self.database.forget(login_failures, rows)
                return [], self._wait(key, now)
            rows.append(row)
        return rows, 0

    def retry_after(self, client: str, user: str) -> int:
        """0 when this client may try to log in as this user; else the seconds until the lockout ends."""
        if not self.enabled:
            return 0
        now = self._clock()
        locked = [
            key
            for key, limit in self._keys(client, user)
            if self.database.count(login_failures, key, now, self.window) >= limit
        ]
        return max((self._wait(key, now) for key in locked), default=0)

    def _wait(self, key: str, now: float) -> int:
        oldest = self.database.oldest(login_failures, key, now, self.window) or now
        return max(1, int(self.window - (now - oldest)) + 1)

    def failed(self, client: str, user: str, rows: list[int] | None = None) -> None:
        """A wrong password: the attempt's rows stay (they were counted by `begin`, or are added now)."""
        now = self._clock()
        if rows is None:
            for key, _ in self._keys(client, user):
                self.database.add_failure(key, now)
        self.database.purge_counters(login_failures, now - self.window)
        log.warning("staff login failed: user %r from %s", user[:60], client)

    def succeeded(self, client: str, user: str, rows: list[int] | None = None) -> None:
        # The client's count restarts; the user's keeps earlier failures, so a guesser cannot reset it by
        # logging in elsewhere. This attempt itself was no failure.
        if rows:
            self.database.forget(login_failures, rows)
        self.database.clear(login_failures, f"client:{client}")
        log.info("staff login: user %r from %s", user[:60], client)

    def abandoned(self, rows: list[int]) -> None:
        """The attempt ended neither way (e.g. a server error): it does not count."""
        if rows:
            self.database.forget(login_failures, rows)


class LoginGuardMiddleware:
    """Refuses POST /staff/login with 429 while the client or the user name is locked out, even with the
    right password; records each failed attempt (Gradio answers a wrong password with 400)."""

    def __init__(self, app: ASGIApp, guard: LoginGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != LOGIN_PATH:
            await self.app(scope, receive, send)
            return
        body, too_big = await _read_body(receive)
        if too_big:
            await _json(send, 413, {"detail": "login request too large"})
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        user = _form_user(scope, body)
        rows, wait = await asyncio.to_thread(self.guard.begin, client, user)
        if wait:
            log.warning("staff login refused (locked out): user %r from %s, %d s left", user[:60], client, wait)
            minutes = max(1, round(wait / 60))
            await _json(send, 429, {"detail": LOCKED.format(m=minutes)}, [(b"retry-after", str(wait).encode())])
            return
        status: list[int] = []

        async def replay() -> Message:
            if not status:
                status.append(0)
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[:] = [message["status"]]
            await send(message)

        try:
            await self.app(scope, replay, watch)
        finally:
            if status and status[0] == 200:
                await asyncio.to_thread(self.guard.succeeded, client, user, rows)
            elif status and status[0] == 400:  # Gradio's "Incorrect credentials"
                await asyncio.to_thread(self.guard.failed, client, user, rows)
            else:
                await asyncio.to_thread(self.guard.abandoned, rows)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_LOGIN_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), False


def _form_user(scope: Scope, body: bytes) -> str:
    """The username field of a urlencoded or multipart login form ('' when there is none)."""
    content_type = dict(scope.get("headers") or ()).get(b"content-type", b"").decode("latin-1")
    text = body.decode("utf-8", "replace")
    if "multipart/form-data" in content_type:
        found = re.search(r'name="username"\r\n\r\n([^\r]*)\r\n', text)
        return found.group(1).strip() if found else ""
    return (parse_qs(text).get("username") or [""])[0].strip()


async def _json(send: Send, status: int, payload: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- security headers -------------------------------------------------------------------------------------

# Gradio's page needs inline scripts and styles and evaluates the `js=` event code with new Function
# ('unsafe-eval'); everything else comes from this host only: no CDN, no fonts, no other origin.
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
)


def frame_origins(settings: Settings) -> list[str]:
    """POLICYBOT_FRAME_ANCESTORS as a list; anything that is not an http(s) origin is refused at start."""
    origins = [o for o in re.split(r"[\s,]+", settings.frame_ancestors.strip()) if o]
    for origin in origins:
        if not re.fullmatch(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d+)?", origin):
            raise ValueError(f"POLICYBOT_FRAME_ANCESTORS: {origin!r} is not an origin like https://www.example.gov.cn")
    return origins


class SecurityHeadersMiddleware:
    """CSP, X-Frame-Options, nosniff and Referrer-Policy on every response.

    The public chat at "/" may be framed by this site and the origins in POLICYBOT_FRAME_ANCESTORS (the
    documented iframe embedding); the staff console, the API and everything else by nobody (clickjacking
    on "Confirm and rebuild"). The console's session cookie is made SameSite=Strict: Gradio sets it
    SameSite=None so that it works inside iframes, which the console never is.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        origins = frame_origins(settings)
        self.public_csp = _CSP.format(ancestors=" ".join(["'self'", *origins])).encode()
        self.closed_csp = _CSP.format(ancestors="'none'").encode()
        # X-Frame-Options cannot list origins: with embedding origins set, CSP alone decides (browsers that
        # know frame-ancestors ignore X-Frame-Options anyway).
        self.public_xfo = b"" if origins else b"SAMEORIGIN"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        closed = path == "/staff" or path.startswith(("/staff/", "/api/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                if closed:
                    headers = [(k, _strict(v) if k.lower() == b"set-cookie" else v) for k, v in headers]
                    headers += [(b"content-security-policy", self.closed_csp), (b"x-frame-options", b"DENY")]
                else:
                    headers.append((b"content-security-policy", self.public_csp))
                    if self.public_xfo:
                        headers.append((b"x-frame-options", self.public_xfo))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_OURS = {b"content-security-policy", b"x-frame-options", b"x-content-type-options", b"referrer-policy"}


def _strict(cookie: bytes) -> bytes:
    """Set-Cookie with SameSite=Strict instead of whatever Gradio chose (None or nothing)."""
    text = re.sub(rb";\s*samesite=[a-z]+", b"", cookie, flags=re.IGNORECASE)
    return text + b"; SameSite=strict"
