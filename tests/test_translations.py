"""English for foreign investors: complete, aligned, faithful translations, and English answers built on them."""

from __future__ import annotations

import shutil

import pytest

from bot import PolicyBot
from core.config import load_settings
from index import Glossary
from index.tokenize import Tokenizer
from index.translations import (
    REQUIRED_DOCS,
    TRANSLATIONS_DIR,
    check_translation,
    chinese_numbers,
    clause_sentences,
    english_numbers,
    load_translations,
    read_rows,
    sentence_problems,
)
from tests.conftest import DATA_DIR


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(DATA_DIR / "glossary.tsv")


# The eight documents the product promises in English, and every other translation that ships.
SHIPPED = sorted(set(REQUIRED_DOCS) | {p.stem for p in (DATA_DIR / TRANSLATIONS_DIR).glob("*.jsonl")})


@pytest.mark.parametrize("doc_id", SHIPPED)
def test_every_clause_is_translated_aligned_and_faithful(corpus, glossary: Glossary, doc_id: str) -> None:
    expected = clause_sentences(corpus.clauses_of(doc_id))
    rows = read_rows(DATA_DIR / TRANSLATIONS_DIR / f"{doc_id}.jsonl")
    assert check_translation(expected, rows, glossary) == []
    assert len(rows) == sum(len(s) for s in expected.values())


def test_glossary_has_the_entries_the_corpus_needs(glossary: Glossary) -> None:
    assert len(glossary.terms) >= 400
    english = dict(glossary.english_for("国家药品监督管理局支持中关村生命科学园的脑机接口企业"))
    assert english["国家药品监督管理局"] == "National Medical Products Administration"
    assert "Zhongguancun Life Science Park" in english["中关村生命科学园"]


def test_checker_catches_wrong_numbers_and_terms(glossary: Glossary) -> None:
    expected = {"x#1": ["给予不超过1000万元的资金支持。"]}
    good = [{"clause_id": "x#1", "sentence": 0, "zh": expected["x#1"][0], "en": "Grant up to RMB 10 million."}]
    assert check_translation(expected, good, glossary) == []
    wrong = [{**good[0], "en": "Grant up to RMB 1 million."}]
    assert "numbers differ" in check_translation(expected, wrong, glossary)[0]
    assert "no English" in check_translation(expected, [], glossary)[0]
    term = {"x#2": ["外商投资企业依法经营。"]}
    loose = [{"clause_id": "x#2", "sentence": 0, "zh": term["x#2"][0], "en": "Foreign firms operate lawfully."}]
    assert "foreign-invested enterprise" in check_translation(term, loose, glossary)[0]


def test_numbers_are_compared_by_value() -> None:
    assert sorted(chinese_numbers("第十二条 营收10-20亿元，2024年3月1日")) == sorted(
        english_numbers("Article 12 revenue of RMB 1-2 billion, 1 March 2024")
    )
    assert chinese_numbers("“十四五”时期（三）") == [3.0, 14.0] or sorted(chinese_numbers("“十四五”")) == [14.0]


def test_amounts_in_chinese_numerals_may_be_digits_or_words_but_not_wrong(glossary: Glossary) -> None:
    tokenizer = Tokenizer(())
    zh = "逾期不改正的，处十万元以上五十万元以下的罚款。"
    right = (
        "Where it fails to do so, a fine of not less than RMB 100,000 but not more than RMB 500,000 shall be imposed."
    )
    words = "Where it fails to do so, a fine of one hundred thousand to five hundred thousand yuan shall be imposed."
    wrong = (
        "Where it fails to do so, a fine of not less than RMB 10,000 but not more than RMB 500,000 shall be imposed."
    )
    assert sentence_problems(zh, right, glossary, tokenizer) == []
    assert sentence_problems(zh, words, glossary, tokenizer) == []
    assert any("numbers differ" in p for p in sentence_problems(zh, wrong, glossary, tokenizer))


def test_stale_translations_are_not_shown(tmp_path, corpus) -> None:
    folder = tmp_path / TRANSLATIONS_DIR
    folder.mkdir()
    rows = (DATA_DIR / TRANSLATIONS_DIR / "fil.jsonl").read_text(encoding="utf-8").replace("第一条", "第一條", 1)
    (folder / "fil.jsonl").write_text(rows, encoding="utf-8")
    loaded = load_translations(tmp_path, corpus.clauses)
    assert "fil#第一条" not in loaded and "fil#第二条" in loaded


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_english_answer_uses_the_translation_with_amounts_both_ways(bot: PolicyBot) -> None:
    answer = bot.ask("Is there funding for a multinational R&D centre?")
    first = answer.citations[0]
    assert first.clause.clause_id == "cp-measures-draft#四.(十二)" and first.label_en == "Part IV (12)"
    assert "RMB 10 million (1000万元)" in answer.text and "Unofficial translation" in answer.text
    assert "Draft for Comments" in first.doc.title_en and any("draft" in w.lower() for w in answer.warnings)
    assert first.text_en.startswith("(12)")


def test_untranslated_law_is_quoted_in_chinese_with_glossed_terms(tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / TRANSLATIONS_DIR / "md-reg-measures.jsonl").unlink(missing_ok=True)  # as if no one had translated it
    settings = load_settings(data_dir=data, index_dir=tmp_path / "index", embed_model="none", today="2026-11-23")
    answer = PolicyBot.from_settings(settings).ask("How long is a medical device registration certificate valid?")
    assert not answer.declined and "the Chinese text reads" in answer.text
    assert "医疗器械注册证 (medical device registration certificate)" in answer.text


def test_mixed_language_question_and_forced_answer_language(bot: PolicyBot) -> None:
    mixed = bot.ask("CDMO平台 subsidies?")
    assert not mixed.declined and mixed.citations
    forced = bot.ask("外资研发中心有什么资金支持？", lang="en")
    assert forced.lang == "en" and "RMB 10 million" in forced.text
