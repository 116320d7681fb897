"""bench.load's options (the load test itself is not part of pytest: `python -m bench.load --workers 2`)."""

from __future__ import annotations

import pytest

from bench.load import client_sources, parse_args
from web.workers import worker_for


def test_defaults_run_in_process_with_ten_reloads_for_workers() -> None:
    args = parse_args([])
    assert (args.clients, args.questions, args.workers, args.url, args.reloads) == (50, 20, 0, "", 10)
    assert parse_args(["--workers", "2", "--reloads", "3"]).workers == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "http://10.0.0.5:7860/"],  # loopback only
        ["--url", "https://127.0.0.1:7860/"],
        ["--url", "http://example.org/"],
        ["--workers", "2", "--url", "http://127.0.0.1:7860/"],  # one target
        ["--clients", "0"],
        ["--clients", "251"],
        ["--reloads", "-1"],
    ],
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2


def test_clients_are_spread_evenly_over_the_workers() -> None:
    sources = client_sources(50, 2)
    assert len(set(sources)) == 50 and all(s.startswith("127.0.0.") for s in sources)
    assert [worker_for(s, 2) for s in sources].count(0) == 25  # the parent hands 25 clients to each worker
