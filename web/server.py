"""One FastAPI app: /api routes, the staff console at /staff, the public chat at /; served by uvicorn."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import threading
import time
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from gradio.networking import setup_tunnel

from bot import PolicyBot
from core.config import Settings
from core.errors import PolicybotError
from web.api import api_router, validation_error_body
from web.apidocs import docs_html
from web.console import build_console
from web.holder import BotHolder, as_holder, warm_up
from web.lookup import catalogue_numbers
from web.querylog import QueryLog
from web.ratelimit import RateLimiter
from web.security import LoginGuard, LoginGuardMiddleware, SecurityHeadersMiddleware, frame_origins
from web.ui import build_chat
from web.updates import IndexWatcher, Updater

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent / "assets"
PUBLIC_MAX_FILE_BYTES = 1024
CSS = ASSETS / "policybot.css"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# System fonts only: Gradio's default theme loads Google Fonts, which are blocked or slow in China.
FONTS = ["system-ui", "-apple-system", "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Consolas", "monospace"]
HEAD = (
    '<meta name="description" content="中关村生命科学园政策问答 · Zhongguancun Life Science Park policy Q&A">'
    f"<style>{(ASSETS / 'page.css').read_text(encoding='utf-8')}</style>"
)
DISABLED = """<!doctype html><meta charset="utf-8"><title>policybot staff console</title>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;line-height:1.6">
<h1>坐席控制台未启用 · Staff console disabled</h1>
<p>设置环境变量 <code>POLICYBOT_STAFF_PASSWORD</code> 并重启应用后即可使用。</p>
<p>Set <code>POLICYBOT_STAFF_PASSWORD</code> and restart the app to enable it.</p></body>"""
MIN_PRODUCTION_PASSWORD = 12
# Gradio queue: how many chat answers run at once (the rest wait in the queue, up to MAX_QUEUED each).
CHAT_CONCURRENCY, CONSOLE_CONCURRENCY, MAX_QUEUED = 4, 2, 200


class InsecureSettingsError(PolicybotError, RuntimeError):
    """Production mode with a missing or weak staff password: the app refuses to start."""


def check_production(settings: Settings) -> None:
    """In production mode the console needs a real password: no default, no empty, no short one."""
    if settings.production and len(settings.staff_password) < MIN_PRODUCTION_PASSWORD:
        state = "is not set" if not settings.staff_password else f"is shorter than {MIN_PRODUCTION_PASSWORD} characters"
        raise InsecureSettingsError(
            f"POLICYBOT_PRODUCTION is on but POLICYBOT_STAFF_PASSWORD {state}; set a strong staff password"
            f" (at least {MIN_PRODUCTION_PASSWORD} characters) before starting the app"
        )


def version() -> str:
    try:
        return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="teal", neutral_hue="slate", font=FONTS, font_mono=MONO)


def staff_login(settings: Settings):
    """Gradio's login check: both names compared in constant time."""
    user, password = settings.staff_user.encode(), settings.staff_password.encode()

    def check(username: str, given: str) -> bool:
        same_user = hmac.compare_digest((username or "").encode(), user)
        same_password = hmac.compare_digest((given or "").encode(), password)
        return bool(password) and same_user and same_password

    return check


def cors_origins(settings: Settings) -> list[str]:
    return [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]


def load_bot(settings: Settings) -> PolicyBot:
    """The bot a server starts with: index loaded (or built), then warmed up before it takes any question."""
    started = time.perf_counter()
    bot = PolicyBot.from_settings(settings)
    warm_up(bot)
    log.info("bot ready in %.1f s (warm-up included)", time.perf_counter() - started)
    return bot


def create_app(bot: PolicyBot | BotHolder, settings: Settings, querylog: QueryLog | None = None) -> FastAPI:
    """The whole site; routes first, the chat at "/" last so it does not shadow /api and /staff.

    The chat, the API and the console all read `app.state.bots.current` per request, so an index update
    from the console (or its "reload from disk" after a CLI add / rollback) goes live without a restart.
    """
    check_production(settings)
    frame_origins(settings)  # a malformed POLICYBOT_FRAME_ANCESTORS stops the start, not the first page
    holder = as_holder(bot)
    querylog = querylog or QueryLog(settings.query_log_path, settings.log_retention_days, settings.database_url)
    # One budget per client for the API and the chat, kept in the database that all workers share.
    limiter = RateLimiter(settings.rate_limit_per_minute, database=querylog.database)
    guard = LoginGuard(querylog.database, settings)
    # Every worker follows `current` on disk: a build switched by another worker or the CLI goes live here too.
    watcher = IndexWatcher(Updater(holder, settings), settings.index_poll_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher.start()
        try:
            yield
        finally:
            watcher.stop()

    # docs_url=None: FastAPI's Swagger page loads scripts from a CDN; /api/docs below loads nothing.
    app = FastAPI(
        title="policybot",
        version=version(),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    if origins := cors_origins(settings):
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type"]
        )
    app.add_middleware(LoginGuardMiddleware, guard=guard)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # outermost: every response gets the headers
    app.include_router(api_router(holder, querylog, settings, version(), limiter), prefix="/api")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_error_body(list(exc.errors())), status_code=422)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(docs_html(app.openapi()))

    @app.get("/staff", include_in_schema=False)
    def staff_slash(request: Request) -> RedirectResponse:
        # The address the app prints has no slash; the console (a mount) lives at /staff/.
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/staff/{query}", status_code=307)

    common = {
        "theme": theme(),
        "css_paths": [CSS],
        "head": HEAD,
        "ssr_mode": False,
        "footer_links": [],
        "mcp_server": False,
    }
    app.state.updater = None
    if settings.staff_password:
        numbers = catalogue_numbers(settings.data_dir)
        app.state.updater = watcher.updater  # one update at a time: the console's and the watcher's
        console = build_console(holder, querylog, numbers, settings, app.state.updater).queue(
            default_concurrency_limit=CONSOLE_CONCURRENCY, max_size=MAX_QUEUED
        )
        gr.mount_gradio_app(
            app,
            console,
            path="/staff",
            auth=staff_login(settings),
            auth_message="policybot 坐席控制台 · Staff console",
            max_file_size=settings.max_upload_mb * 1024 * 1024,  # the browser and the server refuse bigger uploads
            **common,
        )
    else:

        @app.get("/staff/{rest:path}", include_in_schema=False)
        def staff_disabled(rest: str = "") -> HTMLResponse:
            return HTMLResponse(DISABLED, status_code=503)

    chat = build_chat(holder, querylog, limiter).queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=MAX_QUEUED)
    # The public chat takes no files; its upload route refuses anything but a tiny one.
    gr.mount_gradio_app(app, chat, path="/", max_file_size=PUBLIC_MAX_FILE_BYTES, **common)
    app.state.querylog = querylog
    app.state.bots = holder
    app.state.limiter = limiter
    app.state.guard = guard
    app.state.watcher = watcher
    return app


@dataclass
class RunningServer:
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_server(app: FastAPI, host: str, port: int, timeout: float = 60.0) -> RunningServer:
    """Serve in a background thread; returns once the server accepts connections."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="policybot-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the server did not start on {host}:{port} (is the port in use?)")
        time.sleep(0.05)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return RunningServer(server, thread, f"http://{shown}:{port}/")


def share_link(host: str, port: int) -> str:
    """A temporary public *.gradio.live link through Gradio's share tunnel (needs internet access)."""
    return setup_tunnel("127.0.0.1" if host in ("0.0.0.0", "::") else host, port, secrets.token_urlsafe(32), None, None)
