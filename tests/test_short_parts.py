"""A question asking several things gets each in its short answer; a figure asked in a unit is found in that unit."""

from __future__ import annotations

import pytest

from bot import PolicyBot
from bot.intent import asked_unit
from bot.short import _english_digits
from core.config import load_settings


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_a_question_is_parsed_into_what_each_sub_question_asks(bot: PolicyBot) -> None:
    two = bot.retriever.parse("二类证有效期几年？到期前什么时候要申请延续？", "zh")
    assert [p.text for p in two.parts] == ["二类证有效期几年？", "到期前什么时候要申请延续？"]
    assert two.parts[0].unit == "年" and "duration" in two.parts[1].asks
    one = bot.retriever.parse("外资研发中心有什么资金支持？您好", "zh")  # a greeting asks nothing
    assert len(one.parts) == 1 and one.parts[0].text == one.text


@pytest.mark.parametrize(
    ("question", "asks", "not_asked"),
    [
        ("Does the plan encourage corporate venture capital funds?", {"yes_no"}, {"amount"}),  # capital, corporate
        ("Is the whole park covered by the current rules?", {"yes_no"}, {"body", "amount"}),  # whole, current
        ("How early must a renewal be filed?", {"duration"}, set()),
        ("What are the rental subsidies and at what rate?", {"amount"}, set()),
        ("逾期不答复会怎样？", {"consequence"}, set()),
        ("What happens if we don't register the change?", {"consequence"}, set()),
    ],
)
def test_what_a_question_asks_is_read_from_whole_words(
    bot: PolicyBot, question: str, asks: set[str], not_asked: set[str]
) -> None:
    parsed = bot.retriever.parse(question, "en" if question.isascii() else "zh")
    assert asks <= parsed.asks and not (not_asked & parsed.asks)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("昌平定的目标是多少家？", "家"),
        ("审批要几个工作日？", "个工作日"),
        ("园区面积多大？", "平方公里"),
        ("How many companies are in the park?", "家"),
        ("How many working days does the review take?", "工作日"),
        ("外资研发中心有什么资金支持？", ""),
    ],
)
def test_the_unit_a_question_asks_in(question: str, unit: str) -> None:
    assert asked_unit(question).split("|")[0] == unit


def test_chinese_numerals_are_read_for_the_english_rendering() -> None:
    assert "60" in _english_digits("六十个工作日内") and "1.25" in _english_digits("1.25万亿元")
    assert {"10", "10000000"} <= _english_digits("1000万元")


def test_each_thing_asked_is_answered_from_the_clause_that_states_it(bot: PolicyBot) -> None:
    answer = bot.ask("医疗器械注册证有效期是几年？到期前多久申请延续？")
    assert "5年" in answer.short_answer and "6个月" in answer.short_answer
    assert len(answer.highlights) == 2 and answer.highlights[0] != answer.highlights[1]


def test_two_figures_joined_in_one_question_come_from_the_same_clause(bot: PolicyBot) -> None:
    short = bot.ask("How many companies and scientists are located in Zhongguancun Life Science Park?").short_answer
    assert "600" in short and "300" in short
    one = bot.ask("What total size is Beijing aiming for in its pharmaceutical and health industry by 2026?")
    assert "1.25 trillion" in one.short_answer and "fund" not in one.short_answer.lower()  # "and" inside a name


def test_a_penalty_asked_how_heavy_states_the_fine(bot: PolicyBot) -> None:
    assert bot.ask("买卖人类遗传资源被查到了，罚得多重？").short_answer == "处100万元以上1000万元以下罚款。[1]"


def test_an_english_question_joining_a_second_question_with_and_asks_two_things(bot: PolicyBot) -> None:
    parsed = bot.retriever.parse("How long is the certificate valid, and when must we apply for renewal?", "en")
    assert [p.text for p in parsed.parts] == ["How long is the certificate valid?", "when must we apply for renewal?"]
    assert len(bot.retriever.parse("What about trade secrets and technology transfer?", "en").parts) == 1
