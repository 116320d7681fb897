"""Shared by the app tests: one real bot on the bundled corpus (lexical only, built once into a temp dir)."""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from bot import PolicyBot
from core.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
# Flags for a container: no sandbox (root), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF_PASSWORD = "test-staff-password"


@lru_cache(maxsize=1)
def _workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="policybot-web-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def base_settings() -> Settings:
    """Offline settings on the bundled corpus; the index lives in a temp dir shared by the app tests."""
    return load_settings(
        {},
        data_dir=ROOT / "data",
        index_dir=_workdir() / "index",
        embed_model="none",
        llm_base_url="",
        llm_model="",
        today="2026-11-23",
        staff_password=STAFF_PASSWORD,
        query_log_path=_workdir() / "queries.sqlite3",
    )


@lru_cache(maxsize=1)
def shared_bot() -> PolicyBot:
    """Built once per test session (the index build takes a few seconds)."""
    return PolicyBot.from_settings(base_settings())


def settings_with(tmp_path: Path, **changes: object) -> Settings:
    """The shared settings with a fresh query log under tmp_path."""
    return replace(base_settings(), query_log_path=tmp_path / "queries.sqlite3", **changes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ANSWER_WAIT_MS = 30_000


def ask(page, question: str) -> None:
    """Type a question into the chat, send it, wait for the finished answer (cards or a decline)."""
    before = page.locator("#pb-chat [data-testid=bot]").count()
    page.fill("#pb-question textarea", question)
    page.click("#pb-send")
    page.wait_for_function(
        "n => { const m = document.querySelectorAll('#pb-chat [data-testid=bot]');"
        " return m.length > n && !m[m.length - 1].querySelector('.pb-streaming'); }",
        arg=before,
        timeout=ANSWER_WAIT_MS,
    )
