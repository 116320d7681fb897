"""Latency percentiles, peak memory and the frozen records they travel in."""

from __future__ import annotations

import math
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Latency:
    """Milliseconds per question: each question's median over the rounds, then percentiles over questions."""

    questions: int
    rounds: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value at or below which pct % of the values lie)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


def summarise_latency(per_question: Sequence[Sequence[float]]) -> Latency:
    """per_question[i] = that question's timings (ms) over the rounds; the median damps a noisy neighbour."""
    medians = [statistics.median(times) for times in per_question]
    return Latency(
        questions=len(medians),
        rounds=min(len(t) for t in per_question),
        p50_ms=round(percentile(medians, 50), 3),
        p95_ms=round(percentile(medians, 95), 3),
        p99_ms=round(percentile(medians, 99), 3),
        mean_ms=round(statistics.fmean(medians), 3),
        max_ms=round(max(medians), 3),
    )


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """fn's result and its wall time in seconds."""
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)
