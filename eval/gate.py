"""The regression gate: today's scores against eval/baseline.json (raising the baseline is a deliberate commit)."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import LOWER_IS_BETTER, QUALITY_METRICS

BASELINE_FILE = Path(__file__).with_name("baseline.json")
TOLERANCE = 0.02  # two points
GATE_DAY = "2026-11-23"  # a fixed "today", so that expiry warnings do not move the scores


def baseline_of(summary: dict) -> dict:
    """The slices and metrics the gate watches (latency is left to bench/: it depends on the machine)."""
    slices = {"overall": summary["overall"], **{f"lang={k}": v for k, v in summary["by_lang"].items()}}
    return {
        name: {m: values[m] for m in QUALITY_METRICS if values.get(m) is not None} for name, values in slices.items()
    }


def regressions(summary: dict, baseline: dict) -> list[str]:
    """Every metric of one question set more than two points worse than its baseline."""
    now = baseline_of(summary)
    out = []
    for slice_name, metrics in baseline.items():
        for metric, before in metrics.items():
            after = now.get(slice_name, {}).get(metric)
            if after is None:
                out.append(f"{slice_name} {metric}: missing (baseline {before:.3f})")
                continue
            worse = after - before if metric in LOWER_IS_BETTER else before - after
            if worse > TOLERANCE:
                out.append(f"{slice_name} {metric}: {after:.3f} vs baseline {before:.3f}")
    return out


def write_baseline(summaries: dict[str, dict], path: Path = BASELINE_FILE) -> None:
    """The gated scores of every question set (golden, holdout, real), keyed by set name."""
    payload = {name: baseline_of(summary) for name, summary in summaries.items()}
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_baseline(path: Path = BASELINE_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
