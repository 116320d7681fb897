"""A question whose answer sits in a document the corpus only refers to is told which document that is."""

from __future__ import annotations

import pytest

from bot import PolicyBot
from bot.references import referenced_documents
from core.config import load_settings


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_a_question_about_the_negative_list_is_told_the_list_is_not_held(bot: PolicyBot) -> None:
    answer = bot.ask("Which sectors are on the current foreign investment negative list?")
    (note,) = [w for w in answer.warnings if "does not hold" in w]
    assert "外商投资准入负面清单 (" in note and note.count("负面清单") == 1  # the longest name, once
    chinese = bot.ask("我的行业在负面清单里吗？")
    assert any("外商投资准入负面清单本身未收录" in w for w in chinese.warnings)


def test_a_decline_names_the_catalogue_that_would_answer(bot: PolicyBot) -> None:
    answer = bot.ask("第三类医疗器械目录里有哪些产品？")
    assert answer.declined and answer.decline_reason == "in_another_document"
    assert "第三类医疗器械目录：所问内容可能由该文件规定，policybot 未收录它" in answer.text


def test_no_note_when_the_question_names_no_such_document(bot: PolicyBot) -> None:
    answer = bot.ask("医疗器械注册证有效期是几年？")
    assert not any("未收录" in w for w in answer.warnings)
    assert bot.ask("深圳对医疗器械初创企业有什么补贴？").decline_reason == "out_of_scope"


def test_documents_the_corpus_holds_are_not_references(bot: PolicyBot) -> None:
    hits = bot.retriever.search("现有外商投资企业五年内调整组织形式", "zh").hits
    titles = [t for d in bot.index.documents.values() for t in (d.title, d.short_title)]
    names = [r.name for r in referenced_documents(hits, bot.index.full_text, titles, lambda _: True)]
    assert "《中华人民共和国中外合资经营企业法》" in names and "《中华人民共和国外商投资法》" not in names
