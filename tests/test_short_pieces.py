"""Which pieces of the cited clauses answer: lists whole, short clauses whole, every figure of a sentence weighed
with what leads up to it, time limits with their extension, consequences with their condition, one fact per
sub-question."""

from __future__ import annotations

import pytest

from bot import PolicyBot, extractive
from bot.extractive import WHOLE_CLAUSE_CHARS
from bot.intent import COUNT
from eval.golden import squash
from ingest import split_sentences


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    from core.config import load_settings

    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today="2026-11-23")
    return PolicyBot.from_settings(settings)


def test_a_sentence_introducing_a_list_is_quoted_with_every_item(bot: PolicyBot) -> None:
    answer = bot.ask("医疗器械注册人、备案人应当履行哪些义务？")
    assert answer.citations[0].clause.clause_id == "md-reg#第二十条"
    for item in ("质量管理体系", "上市后研究和风险管控计划", "不良事件监测", "召回制度", "其他义务"):
        assert item in answer.text


def test_a_cited_clause_short_enough_for_a_phone_is_quoted_whole(
    bot: PolicyBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "外商投资企业可以参与标准制定吗？"
    answer = bot.ask(question)
    cited = [c.clause.clause_id for c in answer.citations]
    assert all(len(bot.index.full_text(c)) <= WHOLE_CLAUSE_CHARS for c in cited)
    for clause_id in cited:  # every sentence, not only those naming the question's words
        for sentence in split_sentences(bot.index.full_text(clause_id)):
            assert squash(sentence).removeprefix(squash(clause_id.partition("#")[2])) in squash(answer.text)
    monkeypatch.setattr(extractive, "WHOLE_CLAUSE_CHARS", 0)
    assert len(bot.ask(question).text) < len(answer.text)  # by their best sentences only, they are cut


def test_every_figure_of_a_sentence_is_a_candidate_in_the_unit_asked(bot: PolicyBot) -> None:
    # 新获批上市创新药3—5个、创新医疗器械6—8个，科学家创办企业达到150家: the companies are the third figure
    assert bot.ask("昌平计划科学家创办企业达到多少家？").short_answer == "科学家创办企业达到150家。[1]"


def test_a_figure_is_read_with_what_leads_up_to_it(bot: PolicyBot) -> None:
    # two sentences of one clause give 50% / 5000万元 (platforms) and 50% / 3000万元 (park operators)
    short = bot.ask("引进全球领先的园区运营机构能补贴多少？").short_answer
    assert "3000万元" in short and "5000万元" not in short


def test_a_time_limit_is_given_with_its_extension(bot: PolicyBot) -> None:
    short = bot.ask("人类遗传资源审批要多少个工作日？").short_answer
    assert "20个工作日" in short and "可以延长10个工作日" in short
    assert short.index("20个工作日") < short.index("10个工作日")


def test_a_second_figure_saying_what_the_first_leaves_out_joins_it(bot: PolicyBot) -> None:
    short = bot.ask("How large is the Life Science Park including phase III?").short_answer
    assert "2.5 square kilometres" in short and "4.7 square kilometres" in short


def test_each_sub_question_gets_its_own_fact(bot: PolicyBot) -> None:
    # both parts are durations; the renewal deadline is the second part's, so the first takes the validity
    short = bot.ask(
        "How long is a medical device registration certificate valid, and how early must a renewal be filed?"
    ).short_answer
    assert "5 years" in short and "6 months" in short and short.index("5 years") < short.index("6 months")


def test_a_consequence_asked_is_stated_with_its_condition(bot: PolicyBot) -> None:
    answer = bot.ask("新药临床试验申请，药监局过了六十个工作日还没通知，会怎样？")
    assert "逾期未通知的，视为同意" in answer.short_answer
    assert answer.citations[0].clause.clause_id == "drug-law#第十九条"


def test_a_repeal_asked_names_the_document_repealed(bot: PolicyBot) -> None:
    short = bot.ask("医疗器械产业提升行动计划废止了哪个文件？").short_answer
    assert "昌园委发〔2023〕1号" in short and "废止" in short
    english = bot.ask("Which earlier plan does Changping's medical device upgrade plan repeal?").short_answer
    assert "repealed" in english and "2023-2025" in english


def test_an_english_consequence_is_the_end_of_the_translation_that_says_it(bot: PolicyBot) -> None:
    short = bot.ask(
        "How long may the drug regulator take over a clinical trial application, and what if it never replies?"
    ).short_answer
    assert "60 working days" in short and "consent shall be deemed to have been granted" in short
    assert short.index("60 working days") < short.index("deemed")


def test_how_long_is_answered_by_a_period_and_how_early_by_a_point_before(bot: PolicyBot) -> None:
    short = bot.ask("医疗器械注册证的有效期是多长？到期前多久要申请延续？").short_answer
    assert "有效期为5年" in short and "6个月前" in short and short.index("5年") < short.index("6个月")
    assert COUNT.search("3—5个") and not COUNT.search("届满6个月前") and not COUNT.search("20个工作日内")


def test_a_figure_of_another_kind_or_a_penalty_is_no_answer(bot: PolicyBot) -> None:
    # the retrieved clause is a penalty article: its ban and fine do not say how long an approval takes
    answer = bot.ask("药品生产许可证审批要多长时间？")
    assert "禁止" not in answer.short_answer and "罚款" not in answer.short_answer
    # a sum is asked; the clause's targets are counts
    assert (
        "No fewer than"
        not in bot.ask("How much money can a Changping company get for its first overseas trial?").short_answer
    )
    # a fine is asked: the penalty's figure is the answer
    assert "10 times" in bot.ask("What is the fine for selling substandard drugs?").short_answer
