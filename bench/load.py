"""Load test: `python -m bench.load [--clients 50] [--questions 20] [--out bench/load.json]`.

Starts the app on loopback (own temp index and query log, rate limit raised), sends each client's
questions to /api/ask from its own thread, then reports errors, lost query-log rows, p50/p95 latency and
the process's memory before and after. Loopback only; it stops by itself (per-request and overall time-outs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot import PolicyBot
from core.config import load_settings
from web import create_app, start_server

QUESTIONS = (
    "外资研发中心有什么资金支持？",
    "Is there funding for a multinational R&D centre?",
    "建设细胞与基因治疗公共服务平台能支持多少钱？",
    "临床试验启动时间要压缩到多久？",
    "Can foreign-invested enterprises take part in government procurement?",
    "京政办发〔2024〕14号是哪个部门发的？",
    "药品上市许可持有人应当承担哪些责任？",
    "火星移民政策是什么？",
)
REQUEST_TIMEOUT_S = 60
OVERALL_TIMEOUT_S = 900


def rss_mb() -> float:
    """Resident memory of this process (server and clients share it), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def one_client(url: str, client: int, count: int, deadline: float) -> list[tuple[float, str]]:
    """(latency ms, error or '') per question."""
    results = []
    for i in range(count):
        if time.monotonic() > deadline:
            results.append((0.0, "overall time-out"))
            continue
        body = json.dumps({"question": QUESTIONS[(client + i) % len(QUESTIONS)]}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                payload = json.loads(response.read())
                error = "" if response.status == 200 and payload.get("answer") else f"status {response.status}"
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        results.append(((time.perf_counter() - started) * 1000, error))
    return results


def run(clients: int, questions: int, workdir: Path) -> dict:
    settings = load_settings(
        {},
        embed_model="none",
        llm_base_url="",
        index_dir=workdir / "index",
        query_log_path=workdir / "queries.sqlite3",
        rate_limit_per_minute=clients * questions * 10,  # raised: this measures load, not the limit
        staff_password="",
    )
    bot = PolicyBot.from_settings(settings)
    app = create_app(bot, settings)
    running = start_server(app, "127.0.0.1", _free_port())
    try:
        url = running.url + "api/ask"
        one_client(url, 0, 1, time.monotonic() + 60)  # warm-up (not counted)
        rows_before = sum(app.state.querylog.counts()[s] for s in ("answered", "declined", "error"))
        rss_before = rss_mb()
        deadline = time.monotonic() + OVERALL_TIMEOUT_S
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            futures = [pool.submit(one_client, url, c, questions, deadline) for c in range(clients)]
            results = [r for f in futures for r in f.result()]
        wall = time.perf_counter() - started
        rss_after = rss_mb()
        counts = app.state.querylog.counts()
    finally:
        running.stop()
    latencies = sorted(ms for ms, error in results if not error)
    errors = [error for _, error in results if error]
    rows = sum(counts[s] for s in ("answered", "declined", "error")) - rows_before
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "clients": clients,
        "questions_per_client": questions,
        "requests": len(results),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "log_rows": rows,
        "lost_log_rows": len(results) - len(errors) - rows,
        "p50_ms": round(quantiles[49], 1),
        "p95_ms": round(quantiles[94], 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "throughput_per_s": round(len(results) / wall, 1),
        "wall_s": round(wall, 1),
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "load.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as tmp:
        report = run(args.clients, args.questions, Path(tmp))
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report["errors"] == 0 and report["lost_log_rows"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
