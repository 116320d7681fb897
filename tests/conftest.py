"""Shared fixtures: the real bundled corpus, and no network for any test."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ingest import Corpus, load_corpus

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SEED_IDS = ("cp-pharma-plan", "bj-pharma-plan", "cp-meddevice-plan", "cp-measures-draft", "lsp-overview")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests are offline: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus(DATA_DIR)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR
