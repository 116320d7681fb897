"""The short answer: the asked fact in the clause's own words, first, cited, with the span marked."""

from __future__ import annotations

import pytest

from bot import PolicyBot, answer_json
from core.config import load_settings


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_a_sum_asked_is_answered_first_and_marked(bot: PolicyBot) -> None:
    answer = answer_json(bot.ask("外资研发中心最多能拿多少钱？"), bot.index.full_text)
    assert answer["short_answer"] == "根据研发投入增长情况给予不超过1000万元的资金支持。[1]"
    assert answer["answer"].startswith(answer["short_answer"])
    (mark,) = answer["highlights"]
    assert mark["clause_id"] == answer["citations"][0]["clause_id"] and mark["text"] == "不超过1000万元的资金支持"
    assert answer["citations"][0]["text"][mark["start"] : mark["end"]] == mark["text"]


def test_english_short_answers_use_the_translation_with_the_chinese_amount(bot: PolicyBot) -> None:
    short = bot.ask("How much funding can a foreign R&D centre get?").short_answer
    assert "RMB 10 million (1000万元)" in short and short.endswith("[1]") and short[0].isupper()
    short = bot.ask("How long is a medical device registration certificate valid?").short_answer
    assert "5 years" in short and not short.startswith("Article")  # the clause's label is no part of the answer


def test_definitions_and_durations(bot: PolicyBot) -> None:
    short = bot.ask("什么是药品上市许可持有人？").short_answer
    assert short.startswith("药品上市许可持有人是指取得药品注册证书的企业或者药品研制机构") and "第三十条" not in short
    assert bot.ask("医疗器械注册证有效期是几年？").short_answer == "医疗器械注册证有效期为5年。[1]"


def test_no_short_answer_without_the_kind_of_fact_asked(bot: PolicyBot) -> None:
    answer = bot.ask("外商投资企业可以参与标准制定吗？")  # a yes/no question: the quoted clause answers it
    assert not answer.declined and answer.short_answer == "" and answer.highlights == ()
    declined = bot.ask("深圳对医疗器械初创企业有什么补贴？")
    assert declined.declined and declined.short_answer == ""


def test_the_chat_shows_the_short_answer_and_warnings_first_and_marks_the_fact(bot: PolicyBot) -> None:
    from web.cards import answer_html

    answer = bot.ask("外资研发中心最多能拿多少钱？")
    html = answer_html(answer, bot.index.full_text)
    short, warning, text = (
        html.index('class="pb-short"'),
        html.index('class="pb-warning"'),
        html.index('class="pb-text"'),
    )
    assert short < warning < text  # the draft warning is seen with the answer, before the quotes
    assert "<mark>不超过1000万元的资金支持</mark>" in html
    shown = html[: html.index('class="pb-actions"')]  # after it: the hidden texts that copy and save use
    assert shown.count("给予不超过1000万元的资金支持") == 2  # the short answer and the quote (not twice in the text)
