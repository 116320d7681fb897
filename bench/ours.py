"""policybot's side: the bot over a built index, its retrieval configurations, and a question protocol."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bench.stats import Latency, summarise_latency
from bot import PolicyBot, detect_language
from core.config import Settings, load_settings
from eval.gate import GATE_DAY
from eval.golden import GoldenQuestion
from eval.run import eval_settings
from index import Glossary, load_index
from index.dense import Embedder
from index.glossary import GLOSSARY_FILE

R = TypeVar("R")
# Asked before timing, so jieba's tagger, wordfreq's tables and the dense model are loaded; none is golden.
WARM_UP = (
    "生物医药企业落户昌平有哪些扶持政策？",
    "医疗器械注册证办理需要多长时间？",
    "人类遗传资源出境要审批吗？",
    "What incentives exist for a biotech start-up in Changping?",
    "How long does approval of a clinical trial take?",
    "Can a foreign company own a hospital in Beijing?",
)


def bench_settings(index_dir: Path, embed_model: str = "none") -> Settings:
    """The eval's settings (ten ranks for MRR@10) with a fixed day; the environment is ignored."""
    return eval_settings(load_settings({}, index_dir=index_dir, embed_model=embed_model, today=GATE_DAY))


def load_bot(index_dir: Path, embedder: Embedder | None = None) -> PolicyBot:
    """The serving bot over an index already built in index_dir (never rebuilds)."""
    settings = bench_settings(index_dir, embedder.name if embedder else "none")
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    return PolicyBot(settings, load_index(index_dir, embedder), glossary)


def forget(bot: PolicyBot) -> None:
    """Empty the per-question memos, so no question is timed on its own cached result."""
    for index in (bot.index.lexical, bot.index.english, bot.index.questions):
        if index is not None:
            index.tokenizer.forget()
    getattr(bot.retriever, "_df_cache", {}).clear()


def ranked_clause_texts(bot: PolicyBot, clause_ids: Sequence[str]) -> list[str]:
    return [bot.index.full_text(cid) for cid in dict.fromkeys(clause_ids)]


def configurations(bot: PolicyBot) -> dict[str, Callable[[str], list[str]]]:
    """Name -> question -> ranked clause texts. With a dense index loaded, retrieval is hybrid."""
    dense = bot.index.dense is not None and bot.index.embedder is not None

    def retrieve(question: str) -> list[str]:
        hits = bot.retriever.search(question, detect_language(question)).hits
        return ranked_clause_texts(bot, [h.clause.clause_id for h in hits])

    def answer(question: str) -> list[str]:
        return ranked_clause_texts(bot, [h.clause.clause_id for h in bot.ask(question).retrieved])

    def dense_only(question: str) -> list[str]:
        vector = bot.index.embedder.embed([question], kind="query")[0]
        found = bot.index.dense.search(vector, bot.settings.candidates)
        return ranked_clause_texts(bot, [bot.index.clauses[i].clause_id for i, _ in found])

    if not dense:
        return {"lexical": retrieve, "answer": answer}
    return {"dense": dense_only, "hybrid": retrieve, "answer_hybrid": answer}


def run_protocol(
    run: Callable[[str], R], questions: Sequence[GoldenQuestion], rounds: int, forget_all: Callable[[], None]
) -> tuple[Latency, list[R]]:
    """Time every question in each round (memos emptied first); results of the first round are returned."""
    per_question: list[list[float]] = [[] for _ in questions]
    first: list[R] = []
    for round_number in range(rounds):
        forget_all()
        for i, question in enumerate(questions):
            started = time.perf_counter()
            result = run(question.question)
            per_question[i].append((time.perf_counter() - started) * 1000)
            if round_number == 0:
                first.append(result)
    return summarise_latency(per_question), first
