"""App start-up: seconds from launching `app.py` until its web page answers, cold (index built) and warm."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StartUp:
    seconds: float | None  # None: the app did not answer within the time limit
    built_index: bool  # whether this start had to build the index (a fresh or stale one)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_start(index_dir: Path, timeout: float = 180.0) -> StartUp:
    """Start app.py lexical-only on index_dir, wait for HTTP 200 on its page, then stop it."""
    port = free_port()
    env = {
        **os.environ,
        "POLICYBOT_EMBED_MODEL": "none",
        "POLICYBOT_INDEX_DIR": str(index_dir),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    log = index_dir.parent / f"app-{time.time_ns()}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            seconds = _wait_until_up(f"http://127.0.0.1:{port}/", process, started, timeout)
        finally:
            _stop(process)
    text = log.read_text(encoding="utf-8", errors="replace")
    return StartUp(None if seconds is None else round(seconds, 3), "index built" in text)


def _wait_until_up(url: str, process: subprocess.Popen, started: float, timeout: float) -> float | None:
    while time.perf_counter() - started < timeout and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    return None


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
