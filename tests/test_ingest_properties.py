"""Property tests of the clause splitter on generated numbered documents and random text."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.schema import Document, DocumentInfo
from ingest import clean_text, parse_clauses
from ingest.numbering import int_to_cn

SENTENCES = [
    "支持企业开展关键核心技术攻关。",
    "对符合条件的项目给予不超过500万元的资金支持。",
    "鼓励医疗机构与企业合作开展临床试验，提升研究水平。",
    "加快建设概念验证平台和中试基地。",
    "强化人才引育，完善人才公寓等配套保障。",
]
HEADINGS = ["提升创新能力", "强化产业支撑", "优化营商环境", "加强组织保障", "深化开放合作"]

sentences = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3).map("".join)


@st.composite
def numbered_documents(draw: st.DrawFn) -> tuple[str, list[tuple[str, ...]]]:
    """A plan with 一、 parts, （一） items (numbered on across parts or restarted) and 1. tasks."""
    lines, labels = [draw(sentences)], [("前言",)]
    continue_items = draw(st.booleans())
    item = 0
    for part in range(1, draw(st.integers(1, 5)) + 1):
        part_label = f"{int_to_cn(part)}、"
        lines.append(part_label + draw(st.sampled_from(HEADINGS)))
        labels.append((part_label,))
        if not continue_items:
            item = 0
        for _ in range(draw(st.integers(0, 4))):
            item += 1
            item_label = f"（{int_to_cn(item)}）"
            lines.append(item_label + draw(st.sampled_from(HEADINGS)) + "。" + draw(sentences))
            labels.append((part_label, item_label))
            for task in range(1, draw(st.integers(0, 3)) + 1):
                lines.append(f"{task}.{draw(sentences)}")
                labels.append((part_label, item_label, f"{task}."))
    return "\n".join(lines), labels


def _parse(raw: str) -> tuple[Document, list]:
    cleaned = clean_text(raw)
    document = Document(DocumentInfo("gen", "生成文档", "gen.txt"), cleaned.text)
    return document, parse_clauses(document)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(numbered_documents())
def test_generated_numbering_is_recovered_exactly(doc: tuple[str, list[tuple[str, ...]]]) -> None:
    raw, expected = doc
    document, clauses = _parse(raw)
    assert [c.labels for c in clauses if c.part == 1] == expected
    assert "".join(re.sub(r"\s", "", c.text) for c in clauses) == re.sub(r"\s", "", raw)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("一二三四十、（）()1234567890.．第条章节是——。，；\n 支持企业项目资金")),
        max_size=400,
    )
)
def test_random_numbering_text_never_crashes_and_tiles(raw: str) -> None:
    document, clauses = _parse(raw)
    assert "".join(re.sub(r"\s", "", c.text) for c in clauses) == re.sub(r"\s", "", document.text)
    assert all(c.text == document.text[c.start : c.end] for c in clauses)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_unicode_is_cleaned_without_error(raw: str) -> None:
    document, clauses = _parse(raw)
    assert all(c.text == document.text[c.start : c.end] for c in clauses)
