"""The benchmark's machinery: scoring (policybot clauses and peer chunks alike), synthetic corpora, the
speed-ups in index/ that must not change results, targets, and a smoke run at tiny size. No timing asserts."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import faiss
import numpy as np
import pytest

from bench.__main__ import main as bench_main
from bench.models import build_tiny_model
from bench.peer import CHUNK_OVERLAP, CHUNK_SIZE, build_bm25, ranked_texts, split_corpus
from bench.quality import CONTEXT_BUDGET, aggregate_quality, score_ranking
from bench.stats import percentile, summarise_latency
from bench.synthetic import synthetic_corpus
from bench.targets import check_targets, ratios
from bot import PolicyBot
from core.config import load_settings
from core.schema import Document, DocumentInfo
from eval.golden import GoldenQuestion, load_golden, squash
from eval.metrics import score
from index.dense import DenseIndex, SentenceTransformerEmbedder
from index.lexical import SubstringCounter
from index.store import dense_text
from index.tokenize import normalise_query_text
from ingest import Corpus

GOLDEN = load_golden()


def _question(*evidence: str) -> GoldenQuestion:
    return GoldenQuestion("t", "zh", "外资研发中心有什么资金支持？", True, evidence, (), "number")


# --- scoring --------------------------------------------------------------------------------------------


def test_a_chunk_counts_when_it_contains_the_evidence_whitespace_aside() -> None:
    q = _question("给予不超过1000万元的资金支持")
    texts = ["无关的条款。", "根据研发投入增长情况给予不超过\n1000万元的 资金支持。", "又一条。"]
    result = score_ranking(texts, q)
    assert result.first_right == 2 and result.budget_hit


def test_big_chunks_hit_at_k_but_miss_the_equal_budget() -> None:
    q = _question("给予不超过1000万元的资金支持")
    late = "甲" * (CONTEXT_BUDGET + 100) + "给予不超过1000万元的资金支持"
    assert score_ranking([late], q).first_right == 1
    assert not score_ranking([late], q).budget_hit
    # the budget runs over the ranked texts put together: a long wrong first chunk pushes a right second one out
    assert not score_ranking(["乙" * CONTEXT_BUDGET, "给予不超过1000万元的资金支持"], q).budget_hit
    assert score_ranking(["乙" * 100, "给予不超过1000万元的资金支持"], q).budget_hit


def test_only_the_first_ten_ranks_count_and_any_evidence_string_will_do() -> None:
    q = _question("第一处证据文字", "第二处证据文字")
    assert score_ranking(["无"] * 10 + ["第一处证据文字"], q).first_right is None
    assert score_ranking(["无", "这里有第二处证据文字"], q).first_right == 2


def test_aggregate_quality_on_hand_made_ranks() -> None:
    q = _question("证据文字在此")
    scores = [
        score_ranking(t, q)
        for t in (["证据文字在此"], ["无", "无", "证据文字在此"], ["无"], ["无"] * 6 + ["证据文字在此"])
    ]
    quality = aggregate_quality(scores)
    assert (quality.hit_at_1, quality.hit_at_5) == (0.25, 0.5)
    assert quality.mrr_at_10 == round((1 + 1 / 3 + 1 / 7) / 4, 4)


@pytest.fixture(scope="module")
def lexical_bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("bench-index"), embed_model="none", top_k=10)
    return PolicyBot.from_settings(settings)


def test_scoring_agrees_with_the_eval_harness(lexical_bot: PolicyBot) -> None:
    for q in [q for q in GOLDEN if q.answerable][::9]:
        answer = lexical_bot.ask(q.question)
        texts = [lexical_bot.index.full_text(h.clause.clause_id) for h in answer.retrieved]
        assert score_ranking(texts, q).first_right == score(q, answer, lexical_bot.index.full_text)["first_right_rank"]


# --- the peer recipe --------------------------------------------------------------------------------------


def _tiny_corpus() -> Corpus:
    filler = "本市支持企业开展创新活动，按照有关规定给予奖励。" * 40
    texts = {
        "a": filler + "对新设立的外资研发中心给予不超过1000万元的资金支持。" + filler,
        "b": "临床试验机构备案后，启动时间压缩至25周以内。" + filler,
    }
    documents = tuple(
        Document(DocumentInfo(doc_id=k, title=k, source_file=f"{k}.txt"), text=v) for k, v in texts.items()
    )
    return Corpus(documents, ())


def test_peer_chunks_follow_the_recipe_and_bm25_finds_the_evidence() -> None:
    chunks = split_corpus(_tiny_corpus())
    assert all(len(c.page_content) <= CHUNK_SIZE for c in chunks) and len(chunks) > 3
    first, second = (c.page_content for c in chunks[:2])
    assert first[-CHUNK_OVERLAP // 2 :] in second  # neighbouring chunks overlap
    ranked = ranked_texts(build_bm25(chunks), "外资研发中心有什么资金支持？")
    q = _question("给予不超过1000万元的资金支持")
    assert score_ranking(ranked, q).first_right is not None


# --- synthetic corpora --------------------------------------------------------------------------------------


def test_synthetic_corpus_keeps_the_real_clauses_and_adds_no_evidence(corpus: Corpus) -> None:
    real = [c for c in corpus.clauses if c.searchable]
    big = synthetic_corpus(corpus, GOLDEN, len(real) + 500)
    made = big.clauses[len(corpus.clauses) :]
    assert big.clauses[: len(corpus.clauses)] == corpus.clauses
    assert len([c for c in big.clauses if c.searchable]) == len(real) + 500
    assert len({c.clause_id for c in big.clauses}) == len({c.clause_id for c in corpus.clauses}) + 500
    evidence = [squash(e) for q in GOLDEN for e in q.evidence]
    assert not [c.clause_id for c in made if any(e in squash(c.text) for e in evidence)]
    assert synthetic_corpus(corpus, GOLDEN, len(real) + 500).clauses == big.clauses  # deterministic
    lengths = sorted(len(c.text) for c in made)
    assert 30 < lengths[len(lengths) // 2] < 400  # realistic, like the real clauses


# --- index/ speed-ups keep results identical ---------------------------------------------------------------


def test_substring_counter_counts_what_a_scan_counts(lexical_bot: PolicyBot) -> None:
    texts = list(lexical_bot.retriever._haystack.values())
    counter = SubstringCounter(texts)
    rng = random.Random(3)
    words = ["", "a", "\n", "企业", "外资研发中心", "不存在的词语", "r&d", "𠀀"]
    for _ in range(300):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        words.append(text[start : start + rng.randint(1, 8)])
    for word in words:
        assert counter.count(word) == sum(word in text for text in texts), word


def test_full_width_normalisation_equals_nfkc_per_character() -> None:
    every = "".join(chr(cp) for cp in range(0x20, 0x10000) if not 0xD800 <= cp <= 0xDFFF)
    expected = "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in every)
    assert normalise_query_text(every) == expected.lower()


def test_dense_build_leaves_single_query_search_unchanged() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    queries = rng.standard_normal((20, 16)).astype(np.float32)
    reference = faiss.IndexFlatIP(16)
    reference.add(vectors)
    built = DenseIndex.build(vectors)
    assert faiss.omp_get_max_threads() == 1  # one query at a time: no thread start-up per question
    for query in queries:
        _, ids = reference.search(query.reshape(1, -1), 10)
        assert [i for i, _ in built.search(query, 10)] == ids[0].tolist()


@pytest.fixture(scope="module")
def bench_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder holding the tiny model where the bench driver looks for it (built once)."""
    work = tmp_path_factory.mktemp("bench-work")
    build_tiny_model(work / "tiny-model")
    return work


def test_one_question_is_embedded_on_one_thread_with_the_same_ranking(bench_work: Path, corpus: Corpus) -> None:
    import torch

    embedder = SentenceTransformerEmbedder(str(bench_work / "tiny-model"))
    index = DenseIndex.build(embedder.embed([dense_text(c) for c in corpus.clauses if c.searchable][:300]))
    threads = torch.get_num_threads()
    for q in GOLDEN[::20]:
        batch_style = embedder._model.encode([q.question], normalize_embeddings=True, convert_to_numpy=True)[0]
        single = embedder.embed([q.question], kind="query")[0]
        assert [i for i, _ in index.search(single, 30)] == [i for i, _ in index.search(batch_style, 30)]
        assert torch.get_num_threads() == threads  # restored for index builds


def test_hnsw_recall_does_not_care_which_of_two_identical_clauses_is_returned() -> None:
    from bench.worker import _recall

    class Approximate:  # returns clause 7, an exact copy of clause 3, where flat search returned 3
        def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
            return np.array([[0.9, 0.8, 0.5]]), np.array([[1, 7, 2]])

    exact = (np.array([[0.9, 0.8, 0.5]]), np.array([[1, 3, 2]]))
    found = _recall(Approximate(), np.zeros((1, 4)), exact)
    assert found["id_recall_at_10"] == 0.2 and found["recall_at_10"] == 0.3  # of ten ranks; three returned


# --- targets ------------------------------------------------------------------------------------------------------


def _config(p95: float, hit1: float, budget: float) -> dict:
    quality = {"hit_at_1": hit1, "hit_at_5": 0.9, "mrr_at_10": 0.8, "budget_hit": budget}
    return {"latency": {"p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95}, "quality": quality}


def test_targets_read_the_results() -> None:
    results = {
        "sizes": {
            "bundled": {
                "serve_lexical": {"configs": {"answer": _config(12, 0.7, 0.8)}},
                "peer": {"configs": {"peer_ensemble": _config(30, 0.4, 0.75)}},
            },
            "100000": {
                "build": {"lexical": {"clauses_per_s": 1800}},
                "serve_lexical": {"configs": {"answer": _config(200, 0.5, 0.5)}, "peak_rss_mb": 900},
            },
        },
        "app_start": {"cold": {"seconds": 8.0}},
    }
    results["ratios"] = ratios(results)
    met = {t["target"].split(",")[0].split(" (")[0]: t["met"] for t in check_targets(results)}
    assert results["ratios"]["bundled"]["answer/peer_ensemble"]["latency_p95_ms"]["ratio"] == 0.4
    assert met["answer p95 <= 30 ms"] is True and met["answer p95 <= 150 ms"] is False
    assert met["lexical build >= 2"] is False  # 100k: 1,800 clauses/s
    assert met["hit@1 >= peer + 0.10"] is True and met["equal-budget hit"] is False
    assert met["serving memory <= 1.5 GB at 100k clauses"] is True and met["app ready <= 10 s after start"] is True


def test_percentiles_are_nearest_rank_over_per_question_medians() -> None:
    assert percentile([5, 1, 4, 2, 3], 50) == 3 and percentile(list(range(1, 101)), 95) == 95
    latency = summarise_latency([[1.0, 9.0, 2.0], [4.0, 4.0, 5.0], [100.0, 3.0, 3.0]])
    assert (latency.p50_ms, latency.max_ms, latency.rounds) == (3.0, 4.0, 3)


# --- smoke run ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_quick_run_writes_results_and_chart(tmp_path: Path, bench_work: Path) -> None:
    out = tmp_path / "out"
    argv = ["--quick", "--sizes", "0", "--limit", "6", "--no-start", "--out", str(out), "--work", str(bench_work)]
    assert bench_main(argv) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    entry = results["sizes"]["bundled"]
    assert entry["clauses"] > 500 and entry["build"]["lexical"]["clauses_per_s"] > 0
    assert set(entry["serve_lexical"]["configs"]) == {"lexical", "answer"}
    assert set(entry["serve_dense"]["configs"]) == {"dense", "hybrid", "answer_hybrid"}
    assert set(entry["peer"]["configs"]) == {"peer_bm25", "peer_ensemble"}
    assert 0.9 <= entry["search"]["hnsw"]["recall_at_10"] <= 1.0
    assert entry["serve_lexical"]["configs"]["answer"]["latency"]["questions"] == 6
    assert "answer/peer_ensemble" in results["ratios"]["bundled"]
    assert {t["target"] for t in results["targets"]} and (out / "chart.png").stat().st_size > 10_000
