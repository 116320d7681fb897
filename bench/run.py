"""The driver: every measurement in a subprocess, merged into bench/results.json after each step."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench.coldstart import app_start
from bench.targets import check_targets, ratios

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = Path(__file__).with_name("results.json")
MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...]  # clauses; 0 = the bundled corpus as it is
    rounds: int  # timed passes over the questions (each question's median is kept)
    limit: int | None  # questions per pass; None = the whole golden set
    dense: bool  # also the dense / hybrid path with the tiny local model
    peer: bool  # also the LangChain recipe
    cold_start: bool
    real_model: bool  # also a real embedding model, when one is on disk
    real_recall_size: int  # clauses embedded by the real model to measure HNSW recall (0 = skip)
    out: Path  # where results.json and chart.png go
    work: Path  # scratch: indexes, vectors, the tiny model, worker logs
    command: str = "python -m bench"


def size_label(size: int) -> str:
    return "bundled" if size == 0 else str(size)


def run_bench(config: BenchConfig, log=print) -> dict:
    """Measure every size in config.sizes; results of other sizes already in the output file are kept."""
    config.work.mkdir(parents=True, exist_ok=True)
    results = _previous(config.out / "results.json")
    results.pop("command", None)
    run = {"command": config.command, "started": dt.datetime.now().isoformat(timespec="seconds")}
    results.update(machine=machine(), protocol=_protocol(config), runs=[*results.get("runs", []), run])
    model = _tiny_model(config) if config.dense and config.sizes else ""
    for size in config.sizes:
        log(f"[bench] {size_label(size)}: building")
        results.setdefault("sizes", {})[size_label(size)] = measure_size(config, size, model, log)
        _save(results, config.out)
    if config.cold_start:
        log("[bench] app start-up")
        results["app_start"] = measure_start(config.work / "start")
        _save(results, config.out)
    if config.real_model:
        results["real_model"] = measure_real_model(config, log)
    results["ratios"] = ratios(results)
    results["targets"] = check_targets(results)
    _save(results, config.out)
    return results


def measure_size(config: BenchConfig, size: int, model: str, log=print) -> dict:
    work = config.work / f"size-{size_label(size)}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    dense = {"dense_dir": str(work / "dense"), "model": model, "vectors": str(work / "vectors.npy")} if model else {}
    entry: dict = {"measured_at": dt.datetime.now().isoformat(timespec="seconds"), "rounds": config.rounds}
    entry["questions_per_round"] = config.limit or "all golden"
    entry["build"] = worker(config, "build", size=size, lexical_dir=str(work / "lexical"), **dense)
    entry["clauses"] = entry["build"]["clauses"]
    timing = {"rounds": config.rounds, "limit": config.limit}
    log(f"[bench] {size_label(size)}: serving lexical-only")
    entry["serve_lexical"] = worker(config, "serve", index_dir=str(work / "lexical"), **timing)
    if model:
        log(f"[bench] {size_label(size)}: serving hybrid (tiny model)")
        entry["serve_dense"] = worker(config, "serve", index_dir=str(work / "dense"), model=model, **timing)
        log(f"[bench] {size_label(size)}: dense search and HNSW recall")
        entry["search"] = worker(config, "search", vectors=dense["vectors"], model=model, rounds=config.rounds)
    if config.peer:
        log(f"[bench] {size_label(size)}: LangChain recipe")
        entry["peer"] = worker(config, "peer", size=size, model=model, **timing)
    shutil.rmtree(work, ignore_errors=True)
    return entry


def measure_start(work: Path) -> dict:
    """Cold start (fresh index folder: the index is built) then warm start (index loaded)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cold = app_start(work / "index")
    warm = app_start(work / "index")
    shutil.rmtree(work, ignore_errors=True)
    return {"cold": cold.__dict__, "warm": warm.__dict__}


def measure_real_model(config: BenchConfig, log=print) -> dict | str:
    """A real embedding model, if one is on disk: build throughput, golden-set quality, HNSW recall."""
    from bench.models import cached_real_model
    from bench.ours import bench_settings

    name = cached_real_model(bench_settings(config.work))
    if not name:
        return "not available (no real embedding model in the Hugging Face cache or a local folder)"
    work = config.work / "real-model"
    shutil.rmtree(work, ignore_errors=True)
    log(f"[bench] real model {name}: bundled corpus")
    try:
        dense = {"dense_dir": str(work / "dense"), "model": name}
        out = {"model": name, "build": worker(config, "build", size=0, lexical_dir=str(work / "lex"), **dense)}
        timing = {"rounds": config.rounds, "limit": config.limit}
        out["serve_dense"] = worker(config, "serve", index_dir=str(work / "dense"), model=name, **timing)
        if config.real_recall_size:
            log(f"[bench] real model: HNSW recall at {config.real_recall_size:,} clauses")
            out.update(_real_recall(config, name))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _real_recall(config: BenchConfig, name: str) -> dict:
    """Embed the synthetic corpus with the real model (kept in the scratch folder: ~25 min at 100k here)."""
    size = config.real_recall_size
    vectors = config.work / f"real-vectors-{size}.npy"
    meta = vectors.with_suffix(".json")
    cached = _previous(meta)
    if cached.get("model") != name or not vectors.exists():
        cached = {"model": name, **worker(config, "build", size=size, model=name, vectors=str(vectors))}
        meta.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    search = worker(config, "search", vectors=str(vectors), model=name, rounds=config.rounds)
    return {"recall_build": cached, "search": search}


def worker(config: BenchConfig, task: str, **args) -> dict:
    """Run one bench.worker task in a fresh interpreter; its stderr goes to a log file in the work folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["TOKENIZERS_PARALLELISM"] = "false"
    with (config.work / "workers.log").open("a", encoding="utf-8") as err:
        err.write(f"\n=== {task} {json.dumps(args, ensure_ascii=False)}\n")
        err.flush()
        done = subprocess.run(
            [sys.executable, "-m", "bench.worker", task, json.dumps(args)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode or not lines:
        raise RuntimeError(f"bench worker '{task}' failed (exit {done.returncode}); see {config.work / 'workers.log'}")
    return json.loads(lines[-1][len(MARKER) :])


def machine() -> dict:
    import psutil

    cpu = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), platform.processor()
    )
    versions = {}
    for package in ("bm25s", "jieba", "faiss-cpu", "sentence-transformers", "torch", "langchain-core", "rank-bm25"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "versions": versions,
    }


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def _protocol(config: BenchConfig) -> dict:
    return {
        "rounds": config.rounds,
        "questions": config.limit or "all golden",
        "latency": "per question, the median of its rounds; p50/p95/p99 over questions (nearest rank). "
        "Per-question memos are emptied at the start of each round; the process is warmed up with "
        "non-golden questions first.",
        "quality": "answerable golden questions; a clause or chunk is right when it contains the evidence",
    }


def _tiny_model(config: BenchConfig) -> str:
    from bench.models import build_tiny_model

    folder = config.work / "tiny-model"
    if not (folder / "config_sentence_transformers.json").exists():
        build_tiny_model(folder)
    return str(folder)


def _previous(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(results: dict, out: Path) -> None:
    from bench.report import write_chart

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_chart(results, out / "chart.png")
