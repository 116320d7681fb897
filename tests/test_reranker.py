"""The optional cross-encoder reranker: loaded by name or folder, off when it cannot be loaded, and when on it
orders the re-ranked candidates by its own scores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot import PolicyBot
from core.config import load_settings
from index.reranker import CrossEncoderReranker, load_reranker
from tests.tiny_model import build_tiny_cross_encoder


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none")
    return PolicyBot.from_settings(settings)


@pytest.fixture(scope="module")
def tiny_reranker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-cross-encoder"))


def test_a_missing_reranker_is_reported_and_the_bot_runs_without(bot: PolicyBot) -> None:
    reranker, note = load_reranker(replace(bot.settings, reranker_model="no-such-org/no-such-reranker"))
    assert reranker is None and "no-such-reranker" in note and "without a reranker" in note
    assert load_reranker(replace(bot.settings, reranker_model="")) == (None, "")


def test_the_cross_encoder_orders_the_candidates(bot: PolicyBot, tiny_reranker: Path) -> None:
    reranker, note = load_reranker(replace(bot.settings, reranker_model=str(tiny_reranker)))
    assert isinstance(reranker, CrossEncoderReranker) and not note
    question = "外资研发中心有什么资金支持？"
    plain = bot.retriever.search(question, "zh", k=10)
    bot.retriever.reranker = reranker
    try:
        ranked = bot.retriever.search(question, "zh", k=10)
    finally:
        bot.retriever.reranker = None
    ids = [h.clause.clause_id for h in ranked.hits]
    scores = reranker.scores(question, [bot.index.full_text(cid) for cid in ids])
    assert list(scores) == sorted(scores, reverse=True)  # best cross-encoder score first
    assert [h.score for h in ranked.hits] == pytest.approx(list(scores))
    assert ids != [h.clause.clause_id for h in plain.hits]  # random weights: a different order than the linear one
