"""python -m bench.sets: policybot and the LangChain peer recipe on the golden, held-out and real question sets.

Retrieval quality only (hit@1, hit@5, MRR@10 over each answerable question's first ten ranked texts), offline
(no model) on the bundled corpus; written to bench/sets.json and printed as the README's quality table.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from bench.peer import build_bm25, ranked_texts, split_corpus
from bench.quality import DEPTH, aggregate_quality, score_ranking
from bot import PolicyBot, detect_language
from core.config import load_settings
from eval.golden import EVAL_SETS, load_golden
from ingest import load_corpus

OUT = Path(__file__).with_name("sets.json")


def measure(index_dir: Path | None = None) -> dict:
    overrides = {"embed_model": "none", **({"index_dir": index_dir} if index_dir else {})}
    bot = PolicyBot.from_settings(load_settings(**overrides))
    peer = build_bm25(split_corpus(load_corpus(bot.settings.data_dir)))

    def ours(question: str) -> list[str]:
        hits = bot.retriever.search(question, detect_language(question), k=DEPTH).hits
        return [bot.index.full_text(h.clause.clause_id) for h in hits]

    out: dict = {}
    for name, path in EVAL_SETS.items():
        questions = [q for q in load_golden(path) if q.answerable]
        for lang in ("zh", "en"):
            chosen = [q for q in questions if q.lang == lang]
            out[f"{name}/{lang}"] = {
                system: aggregate_quality([score_ranking(run(q.question), q) for q in chosen]).__dict__
                for system, run in (("policybot", ours), ("peer", lambda text: ranked_texts(peer, text)))
            }
    return out


def table(results: dict) -> str:
    lines = [
        "| set | lang | answerable | policybot hit@1 | policybot hit@5 | peer hit@1 | peer hit@5 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, systems in results.items():
        name, lang = key.split("/")
        ours, peer = systems["policybot"], systems["peer"]
        lines.append(
            f"| {name} | {lang} | {ours['questions']} | {ours['hit_at_1']:.2f} | {ours['hit_at_5']:.2f} |"
            f" {peer['hit_at_1']:.2f} | {peer['hit_at_5']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    results = measure()
    OUT.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
