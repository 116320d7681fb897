"""Load test: `python -m bench.load [--clients 50] [--questions 20] [--workers N | --url URL] [--reloads 10]`.

Three ways to run it, all on loopback only, all stopping by themselves (per-request and overall time-outs):

- default: the app in this process (own temp index and query log, rate limit raised);
- `--workers N`: starts `python app.py --workers N` on 127.0.0.1 with its own temp index, on the database of
  POLICYBOT_DATABASE_URL (PostgreSQL; the temp SQLite file when it is empty), sends the clients from
  different loopback addresses so that the parent hands them to every worker, then triggers `--reloads`
  index reloads the way a deployment sees them (a new `current` build, which every worker follows within
  POLICYBOT_INDEX_POLL_SECONDS) and measures each worker's memory (RSS) before and after;
- `--url URL`: a running app on this machine (rows counted in its database: POLICYBOT_DATABASE_URL, else
  POLICYBOT_QUERY_LOG_PATH; no memory or reloads, its processes are not ours).

It reports errors, lost query-log rows (rows in the database must equal requests), p50/p95 latency and memory,
and writes its result under its mode's key in `--out` (bench/load.json). Exit status 1 when a request
failed, a row was lost, or (with --workers) a worker grew more than --max-growth % over the reloads.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import psutil

from core.config import Settings, load_settings

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
START_TIMEOUT_S = 600  # the first worker builds the index of the bundled corpus before it is ready
RELOAD_TIMEOUT_S = 120  # every worker must have loaded a new build within this
POLL_SECONDS = "0.5"  # workers look for a new `current` build this often during the test
ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (default: this one), in MB."""
    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except psutil.Error:
        return 0.0


def one_client(url: str, client: int, count: int, deadline: float, source: str = "") -> list[tuple[float, str]]:
    """(latency ms, error or '') per question; each question on a new connection from `source` (a loopback
    address: the parent hands connections to workers by client address, so addresses decide the worker)."""
    parts = urllib.parse.urlsplit(url)
    results = []
    for i in range(count):
        if time.monotonic() > deadline:
            results.append((0.0, "overall time-out"))
            continue
        body = json.dumps({"question": QUESTIONS[(client + i) % len(QUESTIONS)]}).encode()
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=REQUEST_TIMEOUT_S, source_address=(source, 0) if source else None
        )
        try:
            connection.request("POST", parts.path or "/", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = json.loads(response.read())
            error = "" if response.status == 200 and payload.get("answer") else f"status {response.status}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        results.append(((time.perf_counter() - started) * 1000, error))
    return results


def client_sources(clients: int, workers: int) -> list[str]:
    """One loopback address per client, chosen so that the clients are spread evenly over the workers."""
    from web.workers import worker_for

    buckets: list[list[str]] = [[] for _ in range(workers)]
    for last in range(2, 255):
        address = f"127.0.0.{last}"
        buckets[worker_for(address, workers)].append(address)
    return [buckets[c % workers][(c // workers) % len(buckets[c % workers])] for c in range(clients)]


def hammer(url: str, clients: int, questions: int, sources: list[str]) -> tuple[list[tuple[float, str]], float]:
    """Every client's questions at once (one thread each): the results and the wall time in seconds."""
    deadline = time.monotonic() + OVERALL_TIMEOUT_S
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(one_client, url, c, questions, deadline, sources[c]) for c in range(clients)]
        results = [r for f in futures for r in f.result()]
    return results, time.perf_counter() - started


def summary(results: list[tuple[float, str]], rows: int, wall: float) -> dict:
    latencies = sorted(ms for ms, error in results if not error)
    errors = [error for _, error in results if error]
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(results),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "log_rows": rows,
        "lost_log_rows": len(results) - len(errors) - rows,
        "p50_ms": round(quantiles[49], 1),
        "p95_ms": round(quantiles[94], 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "throughput_per_s": round(len(results) / wall, 1) if wall else 0.0,
        "wall_s": round(wall, 1),
    }


# --- default: the app in this process -------------------------------------------------------------------


def run(clients: int, questions: int, workdir: Path) -> dict:
    from bot import PolicyBot
    from web import create_app, start_server

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
        rows_before = app.state.querylog.total()
        rss_before = rss_mb()
        results, wall = hammer(url, clients, questions, [""] * clients)
        rss_after = rss_mb()
        rows = app.state.querylog.total() - rows_before
    finally:
        running.stop()
    return {
        "mode": "in_process",
        "clients": clients,
        "questions_per_client": questions,
        **summary(results, rows, wall),
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
    }


# --- --workers N: app.py --workers N on the shared database, memory over index reloads ------------------


def run_workers(clients: int, questions: int, workers: int, reloads: int, workdir: Path, settings: Settings) -> dict:
    from web.querylog import QueryLog

    querylog = QueryLog(workdir / "queries.sqlite3", 0, settings.database_url)
    database = querylog.database.dialect
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "POLICYBOT_INDEX_DIR": str(workdir / "index"),
        "POLICYBOT_EMBED_MODEL": "none",
        "POLICYBOT_LLM_BASE_URL": "",
        "POLICYBOT_QUERY_LOG_PATH": str(workdir / "queries.sqlite3"),
        "POLICYBOT_DATABASE_URL": settings.database_url,
        "POLICYBOT_RATE_LIMIT_PER_MINUTE": str(clients * questions * 10),  # raised: this measures load
        "POLICYBOT_STAFF_PASSWORD": "",
        "POLICYBOT_INDEX_POLL_SECONDS": POLL_SECONDS,
    }
    log_path = workdir / "app.log"
    with log_path.open("w") as log:
        app = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: "policybot ready at" in log_path.read_text(), app, START_TIMEOUT_S, log_path)
        pids = sorted(child.pid for child in psutil.Process(app.pid).children())
        if len(pids) != workers:
            raise RuntimeError(f"expected {workers} worker processes, found {pids}")
        url = f"http://127.0.0.1:{port}/api/ask"
        sources = client_sources(clients, workers)
        per_worker = client_sources(workers, workers)  # one address that reaches each worker
        for source in per_worker:
            one_client(url, 0, len(QUESTIONS), time.monotonic() + 120, source)  # warm-up (not counted)
        rows_before = querylog.total()
        rss_start = {pid: rss_mb(pid) for pid in pids}
        results, wall = hammer(url, clients, questions, sources)
        rss_loaded = {pid: rss_mb(pid) for pid in pids}
        reload_seconds, asked = [], []
        trace: dict[int, list[float]] = {pid: [] for pid in pids}  # RSS after each reload
        build_settings = replace(settings, index_dir=workdir / "index", embed_model="none")
        for _ in range(reloads):
            seconds = _reload_everywhere(build_settings, app, pids, log_path)
            reload_seconds.append(seconds)
            for source in per_worker:  # the new bot answers (and is then replaced by the next reload)
                asked += one_client(url, 0, len(QUESTIONS), time.monotonic() + 120, source)
            for pid in pids:
                trace[pid].append(rss_mb(pid))
        time.sleep(2)  # a replaced bot is freed when its last request ends: let the finalisers run
        rss_end = {pid: rss_mb(pid) for pid in pids}
        rows = querylog.total() - rows_before
    finally:
        _stop(app)
        querylog.database.engine.dispose()
    report = summary(results + asked, rows, 0.0)
    load = summary(results, rows, wall)  # latency and throughput of the load phase alone
    memory = {
        f"worker {i}": {
            "pid": pid,
            "rss_mb_start": rss_start[pid],
            "rss_mb_after_load": rss_loaded[pid],
            "rss_mb_after_reloads": rss_end[pid],
            "reload_growth_pct": round(100 * (rss_end[pid] - rss_loaded[pid]) / rss_loaded[pid], 1),
            "rss_mb_after_each_reload": trace[pid],
        }
        for i, pid in enumerate(pids)
    }
    return {
        "mode": f"workers_{workers}_{database}",
        "workers": workers,
        "database": database,
        "clients": clients,
        "questions_per_client": questions,
        **{k: report[k] for k in ("requests", "errors", "error_examples", "log_rows", "lost_log_rows")},
        **{k: load[k] for k in ("p50_ms", "p95_ms", "max_ms", "throughput_per_s", "wall_s")},
        "reloads": reloads,
        "reload_s_mean": round(statistics.mean(reload_seconds), 2) if reload_seconds else 0.0,
        "reload_s_max": round(max(reload_seconds, default=0.0), 2),
        "questions_between_reloads": len(asked),
        "rss": memory,
        "max_reload_growth_pct": max((m["reload_growth_pct"] for m in memory.values()), default=0.0),
    }


def _reload_everywhere(settings: Settings, app: subprocess.Popen, pids: list[int], log_path: Path) -> float:
    """Build a new index and switch `current` (as `python -m index build` does); seconds until every worker
    says it answers from that build."""
    from index import rebuild, update_lock

    started = time.perf_counter()
    with update_lock(settings.index_dir):
        build = rebuild(settings).folder.name
    pattern = re.compile(rf"pid (\d+)\].*now answering from .*{re.escape(build)}")

    def everyone() -> bool:
        seen = {int(m.group(1)) for m in map(pattern.search, log_path.read_text().splitlines()) if m}
        return set(pids) <= seen

    _wait_for(everyone, app, RELOAD_TIMEOUT_S, log_path)
    return time.perf_counter() - started


def _wait_for(condition, app: subprocess.Popen, timeout: float, log_path: Path) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if app.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text()[-3000:]
            raise RuntimeError(f"the app did not get there in {timeout:.0f} s (exit {app.poll()}):\n{tail}")
        time.sleep(0.2)


def _stop(app: subprocess.Popen) -> None:
    """SIGTERM to the parent, which stops its workers; killed if it does not end in 30 s."""
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(app.pid).children():
                child.kill()
            app.kill()
            app.wait()


# --- --url URL: a running app on this machine ------------------------------------------------------------


def run_url(url: str, clients: int, questions: int, workers: int, settings: Settings) -> dict:
    from web.querylog import QueryLog

    querylog = QueryLog(settings.query_log_path, 0, settings.database_url)
    ask = urllib.parse.urljoin(url if url.endswith("/") else url + "/", "api/ask")
    sources = client_sources(clients, workers)
    try:
        one_client(ask, 0, 1, time.monotonic() + 60, sources[0])  # warm-up (not counted)
        rows_before = querylog.total()
        results, wall = hammer(ask, clients, questions, sources)
        rows = querylog.total() - rows_before
    finally:
        querylog.database.engine.dispose()
    return {
        "mode": "url",
        "url": url,
        "database": querylog.database.dialect,
        "clients": clients,
        "questions_per_client": questions,
        **summary(results, rows, wall),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, checked: positive counts, --workers or --url (not both), a loopback URL only."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per client")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--workers", type=int, default=0, help="start `python app.py --workers N` and test it")
    target.add_argument("--url", default="", help="test a running app on this machine, e.g. http://127.0.0.1:7860/")
    parser.add_argument("--reloads", type=int, default=10, help="--workers: index reloads to measure memory over")
    parser.add_argument("--max-growth", type=float, default=10.0, help="--workers: allowed RSS growth per worker, %%")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "load.json")
    args = parser.parse_args(argv)
    for name in ("clients", "questions"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.workers < 0 or args.reloads < 0:
        parser.error("--workers and --reloads cannot be negative")
    if args.clients > 250:
        parser.error("--clients: at most 250 (one loopback address each)")
    if args.url:
        parts = urllib.parse.urlsplit(args.url)
        if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK:
            parser.error(f"--url must be http://127.0.0.1:PORT/ (loopback only), not {args.url!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as tmp:
        if args.url:
            report = run_url(args.url, args.clients, args.questions, max(args.workers, 2), settings)
        elif args.workers:
            report = run_workers(args.clients, args.questions, args.workers, args.reloads, Path(tmp), settings)
        else:
            report = run(args.clients, args.questions, Path(tmp))
    ok = report["errors"] == 0 and report["lost_log_rows"] == 0
    if "max_reload_growth_pct" in report:
        report["max_growth_pct_allowed"] = args.max_growth
        ok = ok and report["max_reload_growth_pct"] <= args.max_growth
    report["ok"] = ok
    results = {}
    if args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
        if "requests" in results:  # the single in-process result of earlier versions: kept under its mode
            results = {"in_process": {"mode": "in_process", **results}}
    results[report["mode"]] = report
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
