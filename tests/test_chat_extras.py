"""The chat's extras of issue 18 without a browser: follow-up suggestions, the kept conversation, the related
clauses under a decline, official-text links, and the text that "save" and "print" use."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import CatalogError
from core.schema import Answer, Citation, Clause, DocumentInfo, Hit
from ingest.catalog import catalog_from_text, load_catalog
from tests.browser_support import ROOT, shared_bot
from web.cards import answer_html, answer_record, card_html, split_related
from web.persist import MAX_CHARS, MAX_MESSAGES, restore, snapshot
from web.suggest import heading_prompt, neighbours, suggestions

XSS = "<script>alert('x')</script>"
ZH = "外资研发中心有什么资金支持？"


@pytest.fixture(scope="module")
def bot():
    return shared_bot()


# --- suggested follow-up questions -------------------------------------------------------------------------


def test_suggestions_come_from_the_cited_clauses_neighbours_in_the_askers_language(bot) -> None:
    for question, lang in ((ZH, "zh"), ("How are foreign investors' profits remitted abroad?", "en")):
        answer = bot.ask(question)
        offered = suggestions(answer, bot.index)
        assert 2 <= len(offered) <= 3 and len(set(offered)) == len(offered)
        cited = {c.clause.clause_id for c in answer.citations}
        near = {n.clause_id for c in answer.citations for n in neighbours(bot.index, c.clause.clause_id)}
        written = {r.question: r.clause_id for r in bot.index.question_rows if r.lang == lang}
        for question_text in offered:
            assert written.get(question_text) in near - cited  # a neighbour's own question, not a cited clause's


def test_neighbours_are_next_previous_then_the_same_heading(bot) -> None:
    around = [c.clause_id for c in neighbours(bot.index, "drug-law#第三十条")]
    assert around[:2] == ["drug-law#第三十一条", "drug-law#第二十九条"]
    assert all(c.startswith("drug-law#") for c in around)
    assert neighbours(bot.index, "no-such#clause") == []


def test_no_suggestions_for_a_decline_or_what_was_already_asked(bot) -> None:
    assert suggestions(bot.ask("火星移民政策是什么？"), bot.index) == []
    answer = bot.ask(ZH)
    offered = suggestions(answer, bot.index)
    assert offered[0] not in suggestions(answer, bot.index, asked=[offered[0]])


def test_a_clause_without_written_questions_is_offered_through_its_heading(bot) -> None:
    clause = bot.index.first_part("cp-measures-draft#四.(十二)")
    assert heading_prompt(clause, bot.index, "zh").endswith("有什么规定？")
    assert heading_prompt(clause, bot.index, "en").startswith("What does Part IV (12) of ")


# --- the conversation kept in the browser ------------------------------------------------------------------


def test_a_snapshot_restores_to_the_same_conversation() -> None:
    chat = [{"role": "user", "content": "<div>问</div>"}, {"role": "assistant", "content": "<div>答</div>"}]
    saved = snapshot(chat, [("问", "答")], "en")
    kept = restore(saved)
    assert kept.chat == chat and kept.history == [("问", "答")] and kept.lang == "en"
    assert snapshot([], [], "zh") == ""  # nothing to keep: the page removes the key


def test_the_chat_component_s_message_parts_are_read_as_text() -> None:
    chat = [
        {"role": "user", "content": [{"type": "text", "text": "问"}], "metadata": None},
        {"role": "assistant", "content": [{"type": "text", "text": "答"}]},
        {"role": "system", "content": "dropped"},
    ]
    assert [m["content"] for m in restore(snapshot(chat, [], "zh")).chat] == ["问", "答"]


@pytest.mark.parametrize(
    "saved",
    [
        "",
        "not json",
        "[1, 2]",
        '{"version": 99, "chat": []}',
        '{"version": 1, "chat": "x", "history": 5, "lang": 3}',
        '{"version": 1, "chat": [{"role": "user", "content": 7}], "history": [[1, 2, 3]]}',
        "[" * 100_000,  # too deep for the JSON parser
        None,
        12,
    ],
)
def test_anything_stored_that_cannot_be_read_gives_no_conversation(saved) -> None:
    assert restore(saved) is None


def test_a_long_conversation_keeps_its_latest_turns_within_the_budget() -> None:
    turn = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a" * 40_000}]
    chat = turn * 100
    body = json.loads(snapshot(chat, [("q", "a")] * 100, "zh"))
    assert len(body["chat"]) <= MAX_MESSAGES and body["chat"][0]["role"] == "user"
    assert sum(len(m["content"]) for m in body["chat"]) <= MAX_CHARS
    assert len(body["history"]) == len(body["chat"]) // 2


# --- the decline's related clauses open in place -----------------------------------------------------------


def test_a_declines_related_clauses_open_in_place(bot) -> None:
    answer = next(a for q in ("火星移民政策是什么？", "园区有没有人才公寓？") if (a := bot.ask(q)).declined)
    text, related = split_related(answer)
    assert related and "可能相关" not in text and "- " not in text
    rendered = answer_html(answer, bot.index.full_text, bot.index.english_sentences)
    assert rendered.count('<details class="pb-related-item">') == len(related)
    first = related[0][1].clause.clause_id
    assert bot.index.full_text(first)[:30] in rendered and "href" not in rendered


def test_a_decline_naming_a_clause_of_a_replaced_index_still_renders() -> None:
    clause = Clause("gone", "gone#一", ("一、",), (), "", "text", 0, 4)
    answer = Answer(
        "q", "zh", f"不知道\n可能相关的条款：\n- 《旧》一、{XSS}", True, retrieved=(Hit(clause, 1.0, "fused"),)
    )
    rendered = answer_html(answer, lambda clause_id: {}[clause_id])
    assert "pb-related-item" in rendered and "<script>" not in rendered


# --- official text links -----------------------------------------------------------------------------------


def test_the_catalogue_carries_urls_and_refuses_non_web_ones(tmp_path: Path) -> None:
    catalog = {info.doc_id: info for info in load_catalog(ROOT / "data").values()}
    assert catalog["ftz-measures"].url.startswith("https://www.gov.cn/")
    assert catalog["fil"].url == ""  # no page recorded for it in data/laws/SOURCES.md
    entry = 'documents:\n  - {id: a, file: a.txt, title: "A", url: "javascript:alert(1)"}\n'
    with pytest.raises(CatalogError, match="url must be an http"):
        catalog_from_text(tmp_path / "catalog.yaml", entry)


def test_cards_link_to_the_official_text_only_for_web_addresses() -> None:
    clause = Clause("d", "d#一", ("一、",), (), "", "条款", 0, 2)
    doc = DocumentInfo("d", "标题", "d.txt", url="https://www.gov.cn/zhengce/x.htm")
    card = card_html(Citation(1, clause, doc, "in_force"), "条款", "zh")
    assert 'href="https://www.gov.cn/zhengce/x.htm"' in card and "官方原文" in card and 'rel="noopener' in card
    sneaky = replace(doc, url=f"javascript:{XSS}")
    assert "href" not in card_html(Citation(1, clause, sneaky, "in_force"), "条款", "en")


# --- save and print ----------------------------------------------------------------------------------------


def test_the_saved_record_has_question_answer_sources_and_clause_texts(bot) -> None:
    answer = bot.ask("自由贸易试验区有哪些改革措施？")
    record = answer_record(answer, bot.index.full_text)
    assert record.startswith("问题：自由贸易试验区有哪些改革措施？")
    for citation in answer.citations:
        assert citation.doc.doc_number in record and bot.index.full_text(citation.clause.clause_id) in record
    assert "官方原文: https://www.gov.cn/" in record and "不构成法律意见" in record
    rendered = answer_html(answer, bot.index.full_text)
    assert "pb-act-print" in rendered and "pb-act-save" in rendered and "\n" not in rendered
    assert "pb-src-record" in rendered and "&#10;" in rendered  # line breaks kept for the saved file
