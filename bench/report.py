"""The results as Markdown tables (for the README) and as one PNG chart."""

from __future__ import annotations

from pathlib import Path

from bench.targets import config_of

CONFIGS = (
    ("answer", "policybot: whole extractive answer (lexical, offline)"),
    ("lexical", "policybot: lexical retrieval"),
    ("dense", "policybot: dense retrieval (tiny model)"),
    ("hybrid", "policybot: hybrid retrieval (tiny model)"),
    ("answer_hybrid", "policybot: whole answer, hybrid"),
    ("peer_bm25", "peer: BM25Retriever (jieba), 750/150 chunks"),
    ("peer_ensemble", "peer: BM25 + FAISS EnsembleRetriever 0.5/0.5"),
)


def _num(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def latency_table(results: dict) -> str:
    rows = [
        "| corpus | configuration | p50 ms | p95 ms | p99 ms | hit@1 | hit@5 | MRR@10 | evidence in first 1,500 chars |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, entry in results.get("sizes", {}).items():
        corpus = f"{label} ({entry.get('clauses', '?'):,} clauses)" if label == "bundled" else f"{int(label):,} clauses"
        for name, title in CONFIGS:
            found = config_of(entry, name)
            if not found:
                continue
            lat, q = found["latency"], found["quality"]
            rows.append(
                f"| {corpus} | {title} | {_num(lat['p50_ms'])} | {_num(lat['p95_ms'])} | {_num(lat['p99_ms'])} "
                f"| {_num(q['hit_at_1'], 3)} | {_num(q['hit_at_5'], 3)} | {_num(q['mrr_at_10'], 3)} "
                f"| {_num(q['budget_hit'], 3)} |"
            )
    return "\n".join(rows)


def scale_table(results: dict) -> str:
    rows = [
        "| corpus | lexical build clauses/s | dense build clauses/s (tiny) | serving peak RSS MB: lexical / hybrid (tiny) / peer | index load s |",
        "|---|---:|---:|---|---:|",
    ]
    for label, entry in results.get("sizes", {}).items():
        build = entry.get("build", {})
        rss = [entry.get(p, {}).get("peak_rss_mb") for p in ("serve_lexical", "serve_dense", "peer")]
        rows.append(
            f"| {label} | {_num(build.get('lexical', {}).get('clauses_per_s'), 0)} "
            f"| {_num(build.get('dense', {}).get('clauses_per_s'), 0)} | {' / '.join(_num(r, 0) for r in rss)} "
            f"| {_num(entry.get('serve_lexical', {}).get('load_seconds'), 2)} |"
        )
    return "\n".join(rows)


def targets_table(results: dict) -> str:
    rows = ["| target | measured | met |", "|---|---:|---|"]
    for t in results.get("targets", []):
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        rows.append(f"| {t['target']} | {_num(t['measured'], 3)} | {met} |")
    return "\n".join(rows)


def markdown(results: dict) -> str:
    return "\n\n".join((latency_table(results), scale_table(results), targets_table(results)))


SHORT = {  # chart legends
    "answer": "answer (lexical)",
    "lexical": "lexical retrieval",
    "dense": "dense (tiny model)",
    "hybrid": "hybrid (tiny model)",
    "answer_hybrid": "answer, hybrid",
    "peer_bm25": "peer BM25",
    "peer_ensemble": "peer BM25+FAISS",
}


def write_chart(results: dict, path: Path) -> Path | None:
    """Latency p95 by size, golden-set quality, build throughput and serving memory, with the targets."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = results.get("sizes", {})
    if not sizes:
        return None
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    _latency_panel(axes[0][0], sizes)
    _quality_panel(axes[0][1], sizes.get("bundled") or next(iter(sizes.values())))
    _bars(axes[1][0], sizes, _build_rate, "lexical build, clauses/s (target >= 2,000)", 2000)
    _bars(axes[1][1], sizes, _serving_rss, "serving peak RSS, lexical, MB (target <= 1,536 at 100k)", 1536)
    fig.suptitle(f"policybot benchmark on {results.get('machine', {}).get('cores', '?')} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _build_rate(entry: dict) -> float | None:
    return entry.get("build", {}).get("lexical", {}).get("clauses_per_s")


def _serving_rss(entry: dict) -> float | None:
    return entry.get("serve_lexical", {}).get("peak_rss_mb")


def _latency_panel(ax, sizes: dict) -> None:
    labels = list(sizes)
    for name, _ in CONFIGS:
        values = [(config_of(sizes[s], name) or {}).get("latency", {}).get("p95_ms") for s in labels]
        if any(v is not None for v in values):
            style = "--" if name.startswith("peer") else "-"
            ax.plot(labels, [float("nan") if v is None else v for v in values], style, marker="o", label=SHORT[name])
    ax.axhline(30, color="grey", linewidth=0.8, linestyle=":")
    ax.axhline(150, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_title("p95 latency per question, ms (targets: 30 bundled, 150 at 100k)")
    ax.legend(fontsize=7)


def _quality_panel(ax, entry: dict) -> None:
    keys = ("hit_at_1", "hit_at_5", "mrr_at_10", "budget_hit")
    names = [n for n in ("answer", "hybrid", "peer_bm25", "peer_ensemble") if config_of(entry, n)]
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        quality = config_of(entry, name)["quality"]
        ax.bar([x + i * width for x in range(len(keys))], [quality[k] for k in keys], width, label=SHORT[name])
    ax.set_xticks(
        [x + width * (len(names) - 1) / 2 for x in range(len(keys))], ["hit@1", "hit@5", "MRR@10", "in 1,500 chars"]
    )
    ax.set_ylim(0, 1.25)
    ax.set_title("golden set, bundled corpus")
    ax.legend(fontsize=7, ncol=2, loc="upper center")


def _bars(ax, sizes: dict, value, title: str, target: float) -> None:
    labels = [s for s in sizes if value(sizes[s]) is not None]
    ax.bar(labels, [value(sizes[s]) for s in labels])
    ax.axhline(target, color="grey", linewidth=0.8, linestyle=":")
    ax.set_title(title)
