"""The data the bot learns from (questions per clause, the thesaurus, unanswerable questions), its checkers, the
parsed question, and the two learned models shipped in bot/ (re-ranker, answerability)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot import PolicyBot, answer_json
from bot.answerability import FEATURES, MODEL_FILE, AnswerabilityModel
from bot.ranker import CANDIDATE_FEATURES, RANKER_FILE, LinearRanker
from bot.training import data_fingerprint
from core.config import load_settings
from eval.golden import EVAL_SETS, load_golden, squash
from index.questions import QUESTIONS_DIR, check_questions, clause_hash, load_questions, load_unanswerable
from index.thesaurus import THESAURUS_FILE, Thesaurus, check_thesaurus


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_the_shipped_questions_and_thesaurus_pass_their_checks(corpus, data_dir: Path) -> None:
    assert check_questions(data_dir, corpus.clauses) == []
    assert check_thesaurus(data_dir / THESAURUS_FILE, corpus) == []
    questions = load_questions(data_dir, corpus.clauses)
    searchable = {c.clause_id for c in corpus.clauses if c.searchable}
    assert {q.clause_id for q in questions} == searchable  # every searchable clause has its questions
    assert {q.lang for q in questions} == {"zh", "en"} and len(questions) >= 5 * len(searchable)


def test_the_questions_checker_finds_what_is_wrong(corpus, tmp_path: Path) -> None:
    clause = next(c for c in corpus.clauses if c.clause_id == "cp-measures-draft#四.(十二)")
    digest = clause_hash(clause.text)
    rows = [
        {"clause_id": clause.clause_id, "hash": digest, "lang": "zh", "question": "外资研发中心能拿多少钱？"},
        {"clause_id": clause.clause_id, "hash": digest, "lang": "en", "question": "外资研发中心有补贴吗？"},
        {"clause_id": clause.clause_id, "hash": digest, "lang": "zh", "question": "研发中心最多给5000万元吗？"},
        {"clause_id": clause.clause_id, "hash": "000000000000", "lang": "zh", "question": "旧的问题？"},
    ]
    (tmp_path / QUESTIONS_DIR).mkdir()
    (tmp_path / QUESTIONS_DIR / "cp-measures-draft.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    problems = "\n".join(check_questions(tmp_path, corpus.clauses, ["cp-measures-draft"]))
    assert "marked en but contains Chinese" in problems
    assert "states 5000, which the clause does not" in problems
    assert "stale" in problems and "0 questions" in problems  # other clauses of the document have none
    kept = load_questions(tmp_path, corpus.clauses)
    assert [q.question for q in kept] == [r["question"] for r in rows[:3]]  # the stale row is left out


def test_the_thesaurus_maps_what_people_say_to_the_documents_words(data_dir: Path, corpus, tmp_path: Path) -> None:
    thesaurus = Thesaurus.load(data_dir / THESAURUS_FILE)
    assert "人类遗传资源" in {m.concept.term for m in thesaurus.match_chinese("人遗审批要多久")}
    assert "外商投资法" in {m.concept.term for m in thesaurus.match_chinese("外资法规定了什么")}
    assert not [m for m in thesaurus.match_chinese("外商投资法规定了什么") if m.concept.term == "外商投资法"]
    bad = tmp_path / THESAURUS_FILE
    bad.write_text("term\tzh_variants\ten_variants\tweight\tnote\n不存在的词语\t别名\t\t0.9\tx\n", encoding="utf-8")
    problems = "\n".join(check_thesaurus(bad, corpus))
    assert "does not occur in the corpus" in problems and "weight '0.9'" in problems


def test_no_training_question_is_an_evaluation_question(corpus, data_dir: Path) -> None:
    """Helpers that wrote the training data never saw an evaluation set; nothing may have leaked either way."""
    training = {squash(q.question) for q in load_questions(data_dir, corpus.clauses)}
    training |= {squash(q.question) for q in load_unanswerable(data_dir)}
    asked = {squash(q.question) for path in EVAL_SETS.values() for q in load_golden(path)}
    assert not training & asked


def test_the_shipped_models_were_trained_on_the_shipped_data(data_dir: Path) -> None:
    """`python -m bot train` records a fingerprint of its data: changed data means retrain and commit both files."""
    ranker, model = LinearRanker.load(RANKER_FILE), AnswerabilityModel.load(MODEL_FILE)
    assert len(ranker.coef) == len(CANDIDATE_FEATURES) and model.names == FEATURES
    fingerprint = data_fingerprint(data_dir)
    assert ranker.trained_on["data"] == fingerprint and model.trained_on["data"] == fingerprint
    assert 0 < model.threshold("zh") < 1 and 0 < model.threshold("en") < 1
    assert model.trained_on["held_out"]["roc_auc"] > 0.8


def test_a_question_is_parsed_once_into_what_it_asks(bot: PolicyBot) -> None:
    question = bot.retriever.parse("《药品管理法》里假药是怎么定义的？", "zh")
    assert question.named_documents == {"drug-law"} and question.asks_for("definition")
    assert "药品管理法" not in question.ranking_text
    question = bot.retriever.parse("How long does device registration take in Shenzhen?", "en")
    assert question.asks_for("duration") and question.quantities == ("a number of days",)
    assert question.places == ("Shenzhen",)
    foreign = bot.retriever.parse("Can the protocol the US FDA approved be used here? Can we help us?", "en")
    assert foreign.places == ("FDA", "US")  # another regulator and "US" in capitals; "us" the pronoun is no place
    assert bot.retriever.parse("Can I appoint a distributor as my SFDA agent?", "en").places == ()
    assert bot.retriever.parse("為何要制定這個條例？", "zh").text == "为何要制定这个条例？"  # traditional -> simplified


def test_another_jurisdiction_is_declined_with_the_reason(bot: PolicyBot) -> None:
    zh = bot.ask("深圳对医疗器械初创企业有什么补贴？")
    assert zh.declined and zh.decline_reason == "out_of_scope" and "深圳" in zh.text and "12345" in zh.text
    en = bot.ask("What grants does Shenzhen offer biotech startups?")
    assert en.declined and en.decline_reason == "out_of_scope" and "Shenzhen" in en.text
    assert 0 <= zh.confidence < bot.answerability.threshold("zh")


def test_every_searched_answer_carries_its_confidence(bot: PolicyBot) -> None:
    answered = answer_json(bot.ask("外资研发中心有什么资金支持？"), bot.index.full_text)
    assert not answered["declined"] and answered["decline_reason"] == ""
    assert bot.answerability.threshold("zh") <= answered["confidence"] <= 1
    empty = answer_json(bot.ask("？？？"), bot.index.full_text)
    assert empty["declined"] and empty["confidence"] is None  # nothing was searched


def test_an_added_document_without_questions_is_searched_by_its_own_text(
    bot: PolicyBot, tmp_path: Path, data_dir: Path
) -> None:
    """Questions are keyed by clause text: a changed clause loses its (stale) questions, the rest keep theirs."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    path = copy / QUESTIONS_DIR / "fil.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(json.dumps({**r, "hash": "stale"}) for r in rows), encoding="utf-8")
    settings = load_settings({}, data_dir=copy, index_dir=tmp_path / "index", embed_model="none")
    other = PolicyBot.from_settings(settings)
    assert not [q for q in other.index.question_rows if q.clause_id.startswith("fil#")]
    hits = other.hits_for("外商投资企业的出资、利润能不能自由汇出？")
    assert hits[0].clause.doc_id in ("fil", "fil-impl", "bj-fi-reg")  # found by the law's own words


def test_a_middle_band_answer_says_it_may_not_fully_answer(bot: PolicyBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    sure = bot.answerability.sure
    assert 0 < sure["zh"] < 1 and 0 < sure["en"] < 1  # chosen on held-out generated data by `python -m bot train`
    question = "外资研发中心有什么资金支持？"
    monkeypatch.setattr(bot, "answerability", replace(bot.answerability, sure={"zh": 0.0, "en": 0.0}))
    assert not [w for w in bot.ask(question).warnings if "可能没有完全回答" in w]
    monkeypatch.setattr(bot, "answerability", replace(bot.answerability, sure={"zh": 1.01, "en": 1.01}))
    answer = bot.ask(question)
    assert not answer.declined and "这个回答可能没有完全回答您的问题，请核对所引条款原文。" in answer.warnings
    english = bot.ask("Is there funding for a multinational R&D centre?")
    assert "This may not fully answer your question: please check the cited clauses." in english.warnings
