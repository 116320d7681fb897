"""eval: the golden question set, the harness that scores policybot on it, and the regression gate."""

from eval.golden import GOLDEN_FILE, GoldenQuestion, load_golden
from eval.metrics import QUALITY_METRICS, aggregate, score
from eval.run import run_golden, summarise

__all__ = [
    "GOLDEN_FILE",
    "QUALITY_METRICS",
    "GoldenQuestion",
    "aggregate",
    "load_golden",
    "run_golden",
    "score",
    "summarise",
]
