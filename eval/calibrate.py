"""How well the bot's confidence is calibrated: ECE, ROC AUC, a reliability diagram and ROC curves per set.

A question's confidence is the answerability model's probability that the retrieved clauses answer it; the
truth is whether the question set marks it answerable. Thresholds are not chosen here: the model's come from
held-out generated data (`python -m bot train-answerability`); this only reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

BINS = 10


def expected_calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = BINS) -> float:
    """Mean |confidence - share answerable| over equal-width bins, weighted by the questions in each bin."""
    if not pairs:
        return 0.0
    total = 0.0
    for members in _bins(pairs, bins):
        if members:
            mean = sum(p for p, _ in members) / len(members)
            observed = sum(ok for _, ok in members) / len(members)
            total += len(members) * abs(mean - observed)
    return total / len(pairs)


def roc_auc(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Probability that an answerable question gets a higher confidence than an unanswerable one (ties half)."""
    positives = [p for p, ok in pairs if ok]
    negatives = [p for p, ok in pairs if not ok]
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def roc_curve(pairs: Sequence[tuple[float, bool]]) -> list[tuple[float, float]]:
    """(false-positive rate, true-positive rate) as the threshold falls through every confidence."""
    positives = sum(ok for _, ok in pairs) or 1
    negatives = sum(not ok for _, ok in pairs) or 1
    points, tp, fp = [(0.0, 0.0)], 0, 0
    for _, ok in sorted(pairs, key=lambda pair: -pair[0]):
        tp, fp = tp + ok, fp + (not ok)
        points.append((fp / negatives, tp / positives))
    return points


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = BINS) -> list[tuple[float, float, int]]:
    """(mean confidence, share answerable, questions) for each non-empty bin."""
    return [(sum(p for p, _ in m) / len(m), sum(ok for _, ok in m) / len(m), len(m)) for m in _bins(pairs, bins) if m]


def _bins(pairs: Sequence[tuple[float, bool]], bins: int) -> list[list[tuple[float, bool]]]:
    out: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, ok in pairs:
        out[min(bins - 1, int(p * bins))].append((p, ok))
    return out


def draw(sets: dict[str, Sequence[tuple[float, bool]]], path: Path) -> Path | None:
    """Reliability diagram and ROC curves, one line per question set."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.plot([0, 1], [0, 1], ":", color="grey")
    right.plot([0, 1], [0, 1], ":", color="grey")
    for name, pairs in sets.items():
        points = reliability(pairs)
        left.plot(
            [p for p, _, _ in points],
            [o for _, o, _ in points],
            "o-",
            label=f"{name} (ECE {expected_calibration_error(pairs):.2f})",
        )
        auc = roc_auc(pairs)
        curve = roc_curve(pairs)
        right.plot([x for x, _ in curve], [y for _, y in curve], label=f"{name} (AUC {auc:.2f})" if auc else name)
    left.set(xlabel="confidence", ylabel="share answerable", title="reliability", xlim=(0, 1), ylim=(0, 1))
    right.set(xlabel="unanswerable answered (FPR)", ylabel="answerable answered (TPR)", title="ROC")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
