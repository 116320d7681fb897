"""The index folder: manifest, atomic builds, rebuild on change, the dense path with a tiny local model."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot import PolicyBot
from core.config import load_settings
from index import (
    GLOSSARY_FILE,
    Glossary,
    SentenceTransformerEmbedder,
    build_index,
    load_embedder,
    load_index,
    open_index,
)
from index.lexical import LexicalIndex
from ingest import Corpus
from tests.conftest import ROOT
from tests.tiny_model import build_tiny_sentence_transformer


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sentence_transformer(tmp_path_factory.mktemp("tiny-model"))


def test_manifest_and_files_are_plain_and_openable(tmp_path: Path, corpus: Corpus, data_dir: Path) -> None:
    index = build_index(corpus, tmp_path, Glossary.load(data_dir / "glossary.tsv"))
    manifest = json.loads((index.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["clause_count"] == len(index.clauses) == sum(1 for c in corpus.clauses if c.searchable)
    assert manifest["embed_model"] == "" and manifest["versions"]["bm25s"]
    first = json.loads((index.folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["clause_id"] and first["text"]
    assert not list(index.folder.rglob("*.pkl"))
    assert load_index(tmp_path).clauses == index.clauses


def test_a_failed_rebuild_leaves_the_previous_index_loadable(
    tmp_path: Path, corpus: Corpus, data_dir: Path, monkeypatch
) -> None:
    glossary = Glossary.load(data_dir / "glossary.tsv")
    first = build_index(corpus, tmp_path, glossary)

    def crash(self, folder: Path) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(LexicalIndex, "save", crash)
    with pytest.raises(RuntimeError):
        build_index(corpus, tmp_path, glossary)
    monkeypatch.undo()
    live = load_index(tmp_path)
    assert live.folder == first.folder
    assert not [p for p in (tmp_path / "builds").iterdir() if p.name.startswith(".tmp")]
    settings = load_settings({}, index_dir=tmp_path, embed_model="none")
    hits = PolicyBot(settings, live, glossary).hits_for("外资研发中心有什么资金支持？")
    assert hits[0].clause.clause_id == "cp-measures-draft#四.(十二)"  # the old build still searches


def test_changed_corpus_triggers_rebuild_and_rollback_restores(tmp_path: Path, corpus: Corpus) -> None:
    settings = load_settings({}, index_dir=tmp_path, embed_model="none")
    first = open_index(settings, corpus)
    assert open_index(settings, corpus).folder == first.folder  # unchanged: loaded, not rebuilt
    smaller = replace(
        corpus,
        documents=corpus.documents[:-1],
        clauses=tuple(c for c in corpus.clauses if c.doc_id != corpus.documents[-1].doc_id),
    )
    second = open_index(settings, smaller)
    assert second.folder != first.folder and len(second.documents) == len(first.documents) - 1
    from index import rollback

    assert rollback(tmp_path) == first.folder
    assert load_index(tmp_path).folder == first.folder


def test_missing_embedding_model_means_lexical_only_with_a_clear_note() -> None:
    embedder, note = load_embedder(load_settings({}, embed_model="BAAI/bge-m3"))
    assert embedder is None and "could not be loaded offline" in note and "lexical-only" in note
    assert load_embedder(load_settings({}, embed_model="none")) == (
        None,
        "dense retrieval is off (POLICYBOT_EMBED_MODEL=none): lexical only",
    )


def test_dense_path_with_a_tiny_local_model(tmp_path: Path, corpus: Corpus, tiny_model: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(tiny_model))
    vectors = embedder.embed(["外资研发中心", "脑机接口"], kind="query")
    assert vectors.shape == (2, embedder.dimension) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    settings = load_settings({}, index_dir=tmp_path, embed_model=str(tiny_model))
    index = open_index(settings, corpus, embedder)
    assert index.retrievers == ["bm25", "bm25_en", "questions", "expanded", "dense"] and index.manifest[
        "embed_model"
    ] == str(tiny_model)
    assert index.manifest["dimension"] == embedder.dimension and index.dense.size == len(index.clauses)
    reloaded = load_index(tmp_path, embedder)
    clause_vector = embedder.embed(
        [
            reloaded.clauses[7].headings
            and " / ".join([*reloaded.clauses[7].headings, reloaded.clauses[7].text])
            or reloaded.clauses[7].text
        ]
    )
    assert reloaded.dense.search(clause_vector[0], 1)[0][0] == 7  # a clause finds itself
    answer = PolicyBot(settings, reloaded, Glossary.load(settings.data_dir / "glossary.tsv")).ask(
        "外资研发中心有什么资金支持？"
    )
    hit = answer.retrieved[0]
    assert hit.source == "ranked" and {"bm25", "dense"} <= {name for name, _ in hit.ranks} | {"dense"}
    assert answer.citations[0].clause.clause_id == "cp-measures-draft#四.(十二)"
    assert load_index(tmp_path, None).dense is None  # vectors without their model are not used


def test_hnsw_above_the_size_threshold(tiny_model: Path) -> None:
    from index import DenseIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat, hnsw = DenseIndex.build(vectors, hnsw_threshold=1000), DenseIndex.build(vectors, hnsw_threshold=100)
    assert type(flat.index).__name__ == "IndexFlatIP" and type(hnsw.index).__name__ == "IndexHNSWFlat"
    assert hnsw.search(vectors[5], 1)[0][0] == 5


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def test_cli_build_info_ask_and_batch(tmp_path: Path) -> None:
    import os

    env = {
        **os.environ,
        "POLICYBOT_INDEX_DIR": str(tmp_path / "idx"),
        "POLICYBOT_EMBED_MODEL": "none",
        "HF_HUB_OFFLINE": "1",
    }
    assert "clauses" in _run("-m", "index", "build", env=env).stdout
    info = json.loads(_run("-m", "index", "info", env=env).stdout)
    assert info["retrievers"] == ["bm25", "bm25_en", "questions", "expanded"] and info["documents"] == 15
    asked = _run("-m", "bot", "ask", "外资研发中心有什么资金支持？", "--json", env=env)
    assert json.loads(asked.stdout)["citations"][0]["label"] == "四、（十二）"
    readable = _run("-m", "bot", "ask", "外资研发中心有什么资金支持？", env=env).stdout
    assert "四、（十二）" in readable and "征求意见稿" in readable
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        '{"id": "a", "question": "临床试验启动要多久"}\n{"id": "b", "question": "Is there funding for an R&D centre?"}\n',
        encoding="utf-8",
    )
    lines = [json.loads(x) for x in _run("-m", "bot", "ask", "--batch", str(batch), env=env).stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"] and lines[1]["lang"] == "en"


def test_parallel_tokenising_gives_the_serial_tokens(
    corpus: Corpus, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big build tokenises in worker processes; its tokens (hence BM25 scores) must equal one process's."""
    import index.tokenize as tokenize
    from index.store import lexical_text, tokenizer_words

    infos = {d.doc_id: d.info for d in corpus.documents}
    texts = [lexical_text(c, infos.get(c.doc_id)) for c in corpus.clauses if c.searchable]
    tokenizer = tokenize.Tokenizer(tokenizer_words(corpus, Glossary.load(data_dir / GLOSSARY_FILE)))
    serial = [tokenizer.tokens(text) for text in texts]
    monkeypatch.setattr(tokenize, "PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(tokenize.os, "cpu_count", lambda: 2)
    called = []
    real = tokenize._start_workers
    monkeypatch.setattr(tokenize, "_start_workers", lambda *a: called.append(1) or real(*a))
    assert tokenizer.tokens_many(texts) == serial and called
    monkeypatch.setattr(tokenize.sys, "executable", "/nonexistent/python")  # workers cannot start: one process
    assert tokenizer.tokens_many(texts) == serial
