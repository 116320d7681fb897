"""One measurement in a process of its own: `python -m bench.worker TASK JSON_ARGS`.

Each task prints one line `BENCH-RESULT {json}` last. A fresh process per measurement keeps the driver's
memory, imports and caches out of the numbers (the lexical serving process never imports torch).
"""

from __future__ import annotations

import json
import logging
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.ours import (
    WARM_UP,
    bench_settings,
    configurations,
    forget,
    load_bot,
    run_protocol,
)
from bench.quality import DEPTH, Quality, aggregate_quality, score_ranking
from bench.stats import current_rss_mb, peak_rss_mb, summarise_latency, timed
from bench.synthetic import sentence_pool, synthetic_corpus
from bot import PolicyBot
from eval.golden import GoldenQuestion, load_golden
from index import Glossary, build_index
from index.glossary import GLOSSARY_FILE
from index.store import dense_text
from index.translations import load_translations
from ingest import Corpus, load_corpus

MARKER = "BENCH-RESULT "
RECALL_QUERIES = 500
EF_SEARCH = (64, 96, 128, 192, 256, 384)
TIE = 1e-5  # inner products this close count as equally near


def _inputs(size: int) -> tuple[Corpus, Glossary, dict]:
    """The bundled corpus (size 0) or a synthetic one of `size` clauses, its glossary and translations."""
    settings = bench_settings(Path("."))
    corpus = load_corpus(settings.data_dir)
    translations = load_translations(settings.data_dir, corpus.clauses)
    if size:
        corpus = synthetic_corpus(corpus, load_golden(), size)
    return corpus, Glossary.load(settings.data_dir / GLOSSARY_FILE), translations


def pick_questions(limit: int | None) -> list[GoldenQuestion]:
    """The golden set, or `limit` questions spread evenly over it (both languages, all kinds)."""
    questions = load_golden()
    if not limit or limit >= len(questions):
        return questions
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def _embedder(model: str):
    from index.dense import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, bench_settings(Path(".")).embed_batch_size)


def task_build(size: int, lexical_dir: str = "", dense_dir: str = "", model: str = "", vectors: str = "") -> dict:
    """Lexical build (what POLICYBOT_EMBED_MODEL=none does) timed end to end; dense build timed on its own."""
    from index.dense import DenseIndex

    corpus, glossary, translations = _inputs(size)
    threshold = bench_settings(Path(".")).hnsw_threshold
    clauses = [c for c in corpus.clauses if c.searchable]
    out: dict = {"clauses": len(clauses), "documents": len(corpus.documents)}
    if lexical_dir:  # empty: only the vectors are wanted
        _, seconds = timed(lambda: build_index(corpus, Path(lexical_dir), glossary, None, threshold, translations))
        out["lexical"] = {"seconds": round(seconds, 3), "clauses_per_s": round(len(clauses) / seconds, 1)}
    if model:
        from bench.models import PrecomputedEmbedder

        embedder = _embedder(model)
        matrix, embed_s = timed(lambda: embedder.embed([dense_text(c) for c in clauses]))
        dense, index_s = timed(lambda: DenseIndex.build(matrix, threshold))
        total = embed_s + index_s
        out["dense"] = {
            "model": Path(model).name,
            "dimension": embedder.dimension,
            "index": type(dense.index).__name__,
            "embed_seconds": round(embed_s, 3),
            "index_seconds": round(index_s, 3),
            "seconds": round(total, 3),
            "clauses_per_s": round(len(clauses) / total, 1),
        }
        if vectors:
            np.save(vectors, matrix)
        if dense_dir:
            build_index(
                corpus, Path(dense_dir), glossary, PrecomputedEmbedder(embedder, matrix), threshold, translations
            )
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def task_serve(index_dir: str, model: str = "", rounds: int = 3, limit: int | None = None) -> dict:
    """Load the built index as the app does, warm up, then time and score every configuration."""
    embedder = _embedder(model) if model else None
    bot, load_s = timed(lambda: load_bot(Path(index_dir), embedder))
    for question in WARM_UP:
        bot.ask(question)
    questions = pick_questions(limit)
    configs = {name: _measure(run, bot, questions, rounds) for name, run in configurations(bot).items()}
    out = {
        "load_seconds": round(load_s, 3),
        "retrievers": bot.index.retrievers,
        "configs": configs,
        "rss_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
    }
    return out


def _measure(run: Callable[[str], list[str]], bot: PolicyBot, questions: list[GoldenQuestion], rounds: int) -> dict:
    latency, ranked = run_protocol(run, questions, rounds, lambda: forget(bot))
    return {"latency": latency.__dict__, **_quality(ranked, questions)}


def _quality(ranked: Sequence[list[str]], questions: Sequence[GoldenQuestion]) -> dict:
    def of(lang: str | None) -> Quality:
        scores = [
            score_ranking(texts, q)
            for texts, q in zip(ranked, questions, strict=True)
            if q.answerable and lang in (None, q.lang)
        ]
        return aggregate_quality(scores)

    return {"quality": of(None).__dict__, "quality_by_lang": {lang: of(lang).__dict__ for lang in ("zh", "en")}}


def task_peer(size: int, model: str = "", rounds: int = 3, limit: int | None = None) -> dict:
    """Build the LangChain recipe over the same corpus and time / score it on the same questions."""
    from bench.peer import build_bm25, build_ensemble, ranked_texts, split_corpus

    corpus, _, _ = _inputs(size)
    chunks, split_s = timed(lambda: split_corpus(corpus))
    bm25, bm25_s = timed(lambda: build_bm25(chunks))
    retrievers = {"peer_bm25": bm25}
    build = {"chunks": len(chunks), "split_seconds": round(split_s, 3), "bm25_seconds": round(bm25_s, 3)}
    if model:
        ensemble, dense_s = timed(lambda: build_ensemble(bm25, chunks, _embedder(model)))
        retrievers["peer_ensemble"] = ensemble
        build["faiss_seconds"] = round(dense_s, 3)
    questions = pick_questions(limit)
    configs = {}
    for name, retriever in retrievers.items():
        for question in WARM_UP:
            ranked_texts(retriever, question)
        latency, ranked = run_protocol(lambda q, r=retriever: ranked_texts(r, q), questions, rounds, lambda: None)
        configs[name] = {"latency": latency.__dict__, **_quality(ranked, questions)}
    return {"build": build, "configs": configs, "peak_rss_mb": peak_rss_mb()}


def task_search(vectors: str, model: str, rounds: int = 3) -> dict:
    """Single-query dense search: FAISS flat with 1 and all OpenMP threads, numpy, HNSW; HNSW recall@10."""
    import faiss

    from index.dense import DenseIndex

    matrix = np.load(vectors)
    queries = _embedder(model).embed(_recall_queries(), kind="query")
    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    threads = faiss.omp_get_max_threads()
    out: dict = {"vectors": len(matrix), "dimension": int(matrix.shape[1]), "queries": len(queries)}
    for label, n in (("flat_1_thread", 1), (f"flat_{threads}_threads", threads)):
        faiss.omp_set_num_threads(n)
        out[label] = _search_latency(lambda q: flat.search(q.reshape(1, -1), DEPTH), queries, rounds)
    out["numpy"] = _search_latency(lambda q: np.argpartition(-(matrix @ q), DEPTH)[:DEPTH], queries, rounds)
    faiss.omp_set_num_threads(threads)
    hnsw, build_s = timed(lambda: DenseIndex.build(matrix, hnsw_threshold=0).index)
    faiss.omp_set_num_threads(1)
    out["hnsw_1_thread"] = _search_latency(lambda q: hnsw.search(q.reshape(1, -1), DEPTH), queries, rounds)
    exact = flat.search(queries, DEPTH)
    out["hnsw"] = {"build_seconds": round(build_s, 3), "ef_search": hnsw.hnsw.efSearch, **_recall(hnsw, queries, exact)}
    out["hnsw_ef_search"] = {}  # the search breadth policybot ships, against wider and narrower ones
    shipped = hnsw.hnsw.efSearch
    for ef in EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        latency = _search_latency(lambda q: hnsw.search(q.reshape(1, -1), DEPTH), queries, rounds)
        out["hnsw_ef_search"][str(ef)] = {**_recall(hnsw, queries, exact), **latency}
    hnsw.hnsw.efSearch = shipped
    return out


def _recall(index, queries: np.ndarray, exact: tuple[np.ndarray, np.ndarray]) -> dict:
    """Recall@10 against flat search, averaged over the queries.

    recall_at_10 counts a result as found when it is as near as the exact tenth (within TIE), so that of
    identical clauses (7% of a synthetic corpus) it does not matter which one is returned; id_recall_at_10
    asks for the very same ids.
    """
    scores, ids = index.search(queries, DEPTH)
    exact_scores, exact_ids = exact
    near = [np.sum(s >= e[-1] - TIE) / DEPTH for s, e in zip(scores, exact_scores, strict=True)]
    same = [len(set(a) & set(e)) / DEPTH for a, e in zip(ids, exact_ids, strict=True)]
    return {"recall_at_10": round(float(np.mean(near)), 4), "id_recall_at_10": round(float(np.mean(same)), 4)}


def _recall_queries() -> list[str]:
    """Golden questions plus real sentences as further queries (seeded), RECALL_QUERIES in all."""
    questions = [q.question for q in load_golden()]
    corpus = load_corpus(bench_settings(Path(".")).data_dir)
    pool = sentence_pool(corpus, [])
    return questions + random.Random(7).sample(pool, max(0, RECALL_QUERIES - len(questions)))


def _search_latency(search: Callable[[np.ndarray], object], queries: np.ndarray, rounds: int) -> dict:
    per_query: list[list[float]] = [[] for _ in queries]
    for _ in range(rounds):
        for i, query in enumerate(queries):
            _, seconds = timed(lambda q=query: search(q))
            per_query[i].append(seconds * 1000)
    latency = summarise_latency(per_query)
    return {"p50_ms": latency.p50_ms, "p95_ms": latency.p95_ms, "p99_ms": latency.p99_ms}


TASKS: dict[str, Callable[..., dict]] = {
    "build": task_build,
    "serve": task_serve,
    "peer": task_peer,
    "search": task_search,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    result = TASKS[argv[0]](**json.loads(argv[1] if len(argv) > 1 else "{}"))
    print(MARKER + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
