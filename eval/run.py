"""Run a golden file through the bot and write results.jsonl, summary.json, report.md and chart.png."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from bot import PolicyBot, answer_json
from core.config import Settings
from eval.calibrate import expected_calibration_error, roc_auc
from eval.golden import GoldenQuestion
from eval.metrics import QUALITY_METRICS, RETRIEVAL_K, aggregate, score


def eval_settings(settings: Settings) -> Settings:
    """Retrieve deep enough for MRR@10; answers do not change (they use the top 3)."""
    return replace(settings, top_k=max(settings.top_k, RETRIEVAL_K))


def run_golden(bot: PolicyBot, questions: list[GoldenQuestion]) -> list[dict]:
    rows = []
    for q in questions:
        started = time.perf_counter()
        answer = bot.ask(q.question)
        latency = (time.perf_counter() - started) * 1000
        result = score(q, answer, bot.index.full_text)
        payload = answer_json(answer, bot.index.full_text, q.id)
        rows.append(
            {
                "id": q.id,
                "lang": q.lang,
                "kind": q.kind,
                "question": q.question,
                "expected": {"answerable": q.answerable, "evidence": q.evidence, "facts": q.facts},
                "retrieved": [
                    {**r, "rank": i + 1, "right": ok}
                    for i, (r, ok) in enumerate(
                        zip(payload["retrieved"], _padded(result["right"], payload["retrieved"]), strict=True)
                    )
                ],
                "answer": payload["answer"],
                "declined": payload["declined"],
                "confidence": payload["confidence"],
                "citations": [
                    {"clause_id": c["clause_id"], "label": c["label"], "doc_id": c["doc_id"], "right": ok}
                    for c, ok in zip(
                        payload["citations"], _padded(result["cited_right"], payload["citations"]), strict=True
                    )
                ],
                "first_right_rank": result["first_right_rank"],
                "metrics": result["metrics"],
                "latency_ms": round(latency, 2),
            }
        )
    return rows


def _padded(flags: list[bool], items: list) -> list[bool | None]:
    """Rightness per item; None where it does not apply (an unanswerable question has no right clause)."""
    return [*flags[: len(items)], *[None] * (len(items) - len(flags))]


def confidence_pairs(rows: list[dict]) -> list[tuple[float, bool]]:
    """(confidence, answerable) of every question that was searched."""
    return [(r["confidence"], r["expected"]["answerable"]) for r in rows if r.get("confidence") is not None]


def summarise(rows: list[dict]) -> dict:
    pairs = confidence_pairs(rows)
    return {
        "calibration": {"ece": round(expected_calibration_error(pairs), 4), "roc_auc": roc_auc(pairs)},
        "overall": aggregate(rows),
        "by_lang": {
            lang: aggregate(r for r in rows if r["lang"] == lang) for lang in sorted({r["lang"] for r in rows})
        },
        "by_kind": {
            kind: aggregate(r for r in rows if r["kind"] == kind) for kind in sorted({r["kind"] for r in rows})
        },
    }


def write_outputs(rows: list[dict], summary: dict, out: Path, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(
        json.dumps({**meta, **summary}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    chart = _chart(summary, out / "chart.png")
    (out / "report.md").write_text(report_markdown(rows, summary, meta, chart), encoding="utf-8")


COLUMNS = (*QUALITY_METRICS, "latency_p50_ms", "latency_p95_ms")


def report_markdown(rows: list[dict], summary: dict, meta: dict, chart: str | None) -> str:
    lines = [f"# policybot evaluation: {meta.get('golden', '')}", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += ["", "| slice | n | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 2) + "|"]
    slices = [("overall", summary["overall"])]
    slices += [(f"lang={k}", v) for k, v in summary["by_lang"].items()]
    slices += [(f"kind={k}", v) for k, v in summary["by_kind"].items()]
    for name, values in slices:
        cells = ["–" if values.get(c) is None else f"{values[c]:.2f}" for c in COLUMNS]
        lines.append(f"| {name} | {values['questions']} | " + " | ".join(cells) + " |")
    if chart:
        lines += ["", f"![metrics by language]({chart})"]
    lines += ["", "## Failed questions", ""]
    for row in rows:
        problems = _failures(row)
        if not problems:
            continue
        lines.append(f"### {row['id']} ({row['lang']}, {row['kind']}): {row['question']}")
        lines.append(f"- failed: {', '.join(problems)}")
        if row["expected"]["evidence"]:
            lines.append(f"- expected evidence: {' / '.join(row['expected']['evidence'])}")
        got = "; ".join(f"{r['rank']}. {r['clause_id']}" for r in row["retrieved"][:3])
        lines.append(f"- retrieved instead: {got or 'nothing'}")
        lines.append(f"- answer: {row['answer'][:200].replace(chr(10), ' ')}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _failures(row: dict) -> list[str]:
    m = row["metrics"]
    checks = {
        "hit@5": m["hit@5"] == 0.0,
        "false decline": m["false_decline_rate"] == 1.0,
        "not declined": m["decline_accuracy"] == 0.0,
        "facts missing": m["fact_recall"] == 0.0,
        "wrong citation": m["citation_hit"] == 0.0 and m["false_decline_rate"] == 0.0,
    }
    return [name for name, failed in checks.items() if failed]


def _chart(summary: dict, path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(QUALITY_METRICS)
    slices = {"all": summary["overall"], **summary["by_lang"]}
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / len(slices)
    for i, (label, values) in enumerate(slices.items()):
        heights = [values.get(n) or 0.0 for n in names]
        ax.bar([x + i * width for x in range(len(names))], heights, width, label=label)
    ax.set_xticks([x + width * (len(slices) - 1) / 2 for x in range(len(names))], names, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title("policybot on the golden set")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


SIDE_BY_SIDE = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "fact_recall",
    "short_fact_recall",
    "decline_accuracy",
    "false_decline_rate",
)
_CALIBRATION = ("ece", "roc_auc")


def side_by_side(summaries: dict[str, dict]) -> str:
    """One markdown table: each question set and language in a row, the main metrics in columns."""
    lines = ["| set | lang | n | " + " | ".join(SIDE_BY_SIDE) + " |", "|---" * (len(SIDE_BY_SIDE) + 3) + "|"]
    for name, summary in summaries.items():
        for lang, values in summary["by_lang"].items():
            cells = ["–" if values.get(m) is None else f"{values[m]:.2f}" for m in SIDE_BY_SIDE]
            lines.append(f"| {name} | {lang} | {values['questions']} | " + " | ".join(cells) + " |")
    lines += ["", "| set | " + " | ".join(_CALIBRATION) + " |", "|---" * (len(_CALIBRATION) + 1) + "|"]
    for name, summary in summaries.items():
        values = summary.get("calibration", {})
        cells = ["–" if values.get(m) is None else f"{values[m]:.2f}" for m in _CALIBRATION]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
