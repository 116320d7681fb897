"""policybot / peer ratios and the issue's targets, read from the results (pure functions)."""

from __future__ import annotations

GB = 1024.0
COMPARISONS = (  # (ours, peer): the offline answer against the shipped recipe, and like against like
    ("answer", "peer_ensemble"),
    ("lexical", "peer_bm25"),
    ("hybrid", "peer_ensemble"),
)
QUALITY_KEYS = ("hit_at_1", "hit_at_5", "mrr_at_10", "budget_hit")


def config_of(entry: dict, name: str) -> dict | None:
    """A configuration's latency and quality, from whichever process measured it."""
    for part in ("serve_lexical", "serve_dense", "peer"):
        found = entry.get(part, {}).get("configs", {}).get(name)
        if found:
            return found
    return None


def compare(ours: dict, peer: dict) -> dict:
    """Quality as ours, peer, ours - peer and ours / peer; latency as ours / peer (below 1 = policybot faster)."""
    out: dict = {}
    for key in QUALITY_KEYS:
        a, b = ours["quality"][key], peer["quality"][key]
        out[key] = {"policybot": a, "peer": b, "difference": round(a - b, 4), "ratio": _ratio(a, b)}
    for lang in ("zh", "en"):  # English questions meet a Chinese-only corpus on the peer's side: read apart
        mine, theirs = ours.get("quality_by_lang", {}).get(lang), peer.get("quality_by_lang", {}).get(lang)
        if mine and theirs:
            out[f"{lang}_only"] = {k: {"policybot": mine[k], "peer": theirs[k]} for k in QUALITY_KEYS}
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        a, b = ours["latency"][key], peer["latency"][key]
        out[f"latency_{key}"] = {"policybot": a, "peer": b, "ratio": _ratio(a, b)}
    return out


def ratios(results: dict) -> dict:
    out: dict = {}
    for label, entry in results.get("sizes", {}).items():
        for ours, peer in COMPARISONS:
            a, b = config_of(entry, ours), config_of(entry, peer)
            if a and b:
                out.setdefault(label, {})[f"{ours}/{peer}"] = compare(a, b)
    return out


def check_targets(results: dict) -> list[dict]:
    """Each target: what it asks, what was measured, and whether it is met (None: not measured)."""
    sizes = results.get("sizes", {})
    bundled, big = sizes.get("bundled", {}), sizes.get("100000", {})
    out = [
        _target("answer p95 <= 30 ms, bundled corpus", _p95(bundled, "answer"), lambda v: v <= 30),
        _target("answer p95 <= 150 ms, 100k clauses", _p95(big, "answer"), lambda v: v <= 150),
    ]
    for label in ("10000", "100000"):
        rate = sizes.get(label, {}).get("build", {}).get("lexical", {}).get("clauses_per_s")
        out.append(_target(f"lexical build >= 2,000 clauses/s, {label} clauses", rate, lambda v: v >= 2000))
    rss = big.get("serve_lexical", {}).get("peak_rss_mb")
    out.append(_target("serving memory <= 1.5 GB at 100k clauses (no dense model)", rss, lambda v: v <= 1.5 * GB))
    start = results.get("app_start", {}).get("cold", {}).get("seconds")
    out.append(_target("app ready <= 10 s after start (cold: index built)", start, lambda v: v <= 10))
    versus = results.get("ratios", {}).get("bundled", {}).get("answer/peer_ensemble")
    for key, name in (("hit_at_1", "hit@1"), ("budget_hit", "equal-budget hit (1,500 chars)")):
        diff = versus[key]["difference"] if versus else None
        out.append(_target(f"{name} >= peer + 0.10 (golden set)", diff, lambda v: v >= 0.10))
    ratio = versus["latency_p95_ms"]["ratio"] if versus else None
    out.append(_target("answer p95 no worse than the peer's retrieval p95 (ratio <= 1)", ratio, lambda v: v <= 1))
    return out


def _p95(entry: dict, name: str) -> float | None:
    found = config_of(entry, name)
    return found["latency"]["p95_ms"] if found else None


def _target(name: str, measured: float | None, rule) -> dict:
    return {"target": name, "measured": measured, "met": None if measured is None else bool(rule(measured))}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None
