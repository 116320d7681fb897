"""Issue 19, items 5 and 6: a superseded version is not retrieved beside its replacement; detected titles."""

from __future__ import annotations

from pathlib import Path

from bot import PolicyBot
from index import Glossary, load_index
from index.__main__ import add
from ingest.catalog import detect_info
from tests.test_reliability import NEW_VERSION, live, small_data  # noqa: F401  (fixtures)

QUESTION = "外资研发中心有什么资金支持？"


def _bot(settings) -> PolicyBot:
    return PolicyBot(settings, load_index(settings.index_dir), Glossary.load(settings.data_dir / "glossary.tsv"))


def _cited_docs(answer) -> set[str]:
    return {c.doc.doc_id for c in answer.citations} | {h.clause.doc_id for h in answer.retrieved}


def test_a_superseded_version_is_not_retrieved_unless_history_is_asked(live, tmp_path: Path) -> None:  # noqa: F811
    settings, _ = live
    before = _bot(settings).ask(QUESTION)
    assert "cp-measures-draft" in _cited_docs(before) and "1000万元" in before.text
    source = tmp_path / "cp-measures-v2.txt"
    source.write_text(NEW_VERSION, encoding="utf-8")
    assert add(settings, source, yes=True) == 0  # same title: the old entry is marked superseded
    bot = _bot(settings)
    assert bot.index.documents["cp-measures-draft"].status == "superseded"
    answer = bot.ask(QUESTION)
    assert "cp-measures-v2" in {c.doc.doc_id for c in answer.citations}
    assert "cp-measures-draft" not in _cited_docs(answer)  # neither cited nor among the retrieved clauses
    assert "2000万元" in answer.text and "1000万元" not in answer.text
    english = bot.ask("Is there funding for a multinational R&D centre?")
    assert "cp-measures-draft" not in _cited_docs(english)
    # A question about the old version still finds it.
    for history in (
        "旧版措施对外资研发中心有什么资金支持？",
        "What did the previous version say about R&D centre funding?",
    ):
        assert "cp-measures-draft" in _cited_docs(bot.ask(history)), history
    # The old text is still in the index (clause lookup, documents tab).
    assert any(c.doc_id == "cp-measures-draft" for c in bot.index.clauses)


def test_a_repealed_document_is_masked_too(live) -> None:  # noqa: F811
    from dataclasses import replace

    settings, index = live
    documents = {**index.documents}
    documents["cp-measures-draft"] = replace(documents["cp-measures-draft"], status="repealed")
    index.documents = documents
    bot = PolicyBot(settings, index, Glossary.load(settings.data_dir / "glossary.tsv"))
    assert "cp-measures-draft" not in _cited_docs(bot.ask(QUESTION))
    assert "cp-measures-draft" in _cited_docs(bot.ask("已废止的措施对外资研发中心有什么资金支持？"))


TITLED = """昌平区生命科学园创新药首台套应用支持办法（试行）
昌园委发〔2026〕9号
第一章 总则
第一条 为支持创新药首台套应用，制定本办法。
第二条 对首次应用的企业给予最高300万元支持。
"""


def test_a_detected_title_stops_before_the_number_and_the_first_heading() -> None:
    info = detect_info("x", "policies/x.txt", TITLED)
    assert info.title == "昌平区生命科学园创新药首台套应用支持办法（试行）"
    assert info.doc_number == "昌园委发〔2026〕9号"
    broken = "昌平区生命科学园创新药\n首台套应用支持办法（试行）\n第一章总则\n第一条 为支持创新药，制定本办法。"
    assert detect_info("x", "x.txt", broken).title == "昌平区生命科学园创新药首台套应用支持办法（试行）"
    number_first = "昌园委发〔2026〕9号\n关于支持合成生物发展的若干措施\n一、总体要求\n（一）加强统筹。"
    assert detect_info("x", "x.txt", number_first).title == "关于支持合成生物发展的若干措施"
