"""The clause trees of the real corpus: exact labels, exact text, nothing lost or invented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import Corpus
from ingest.catalog import load_catalog
from ingest.loaders import load_text
from ingest.numbering import cn_to_int
from tests.conftest import DATA_DIR, SEED_IDS

GOLDEN_LABELS = Path(__file__).parent / "golden" / "labels"


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_label_sequence_matches_hand_reviewed_golden(corpus: Corpus, doc_id: str) -> None:
    expected = [line for line in (GOLDEN_LABELS / f"{doc_id}.txt").read_text(encoding="utf-8").splitlines() if line]
    got = [" ".join(c.labels) for c in corpus.clauses_of(doc_id) if c.part == 1]
    assert got == expected


def test_every_document_is_tiled_exactly_by_its_clauses(corpus: Corpus) -> None:
    for document in corpus.documents:
        clauses = corpus.clauses_of(document.doc_id)
        assert clauses, document.doc_id
        cursor = 0
        for clause in clauses:
            assert clause.text == document.text[clause.start : clause.end]
            assert clause.text == clause.text.strip() and clause.text
            assert document.text[cursor : clause.start].strip() == "", (clause.clause_id, "text skipped")
            cursor = clause.end
        assert document.text[cursor:].strip() == ""


def _visible(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_cleaning_keeps_every_character_of_the_source(corpus: Corpus, doc_id: str) -> None:
    """Cleaned text + lifted footnotes == source minus artefacts, character for character."""
    document = corpus.document(doc_id)
    raw = load_text(DATA_DIR / document.info.source_file)
    raw = re.sub(r"\[bookmark:[^\]]*\]|\[footnoteRef:\d+\]", "", raw)
    raw = re.sub(r"\[\d+:[^\]]*\]", "", raw)
    cleaned = _visible(document.text)
    assert cleaned == _visible(raw)
    assert sum(len(_visible(c.text)) for c in corpus.clauses_of(doc_id)) == len(cleaned)


def test_hard_line_breaks_are_joined_inside_sentences(corpus: Corpus) -> None:
    task5 = next(c for c in corpus.clauses_of("bj-pharma-plan") if c.labels[-1] == "5.")
    assert "推进有条件的医院组建专职、兼职的临床科研队伍" in task5.text
    assert "\n" not in task5.text
    goals = next(c for c in corpus.clauses_of("bj-pharma-plan") if c.labels == ("一、",))
    assert "到2026年，医药健康产业总规模达到1.25万亿元（其中，医药工业营业收入达到2400亿元）" in goals.text
    overview = corpus.document("lsp-overview").text
    assert "生命科学园（简称“生命科学园”）启动开发建设。历经20多年发展积淀" in overview


def test_bookmarks_removed_and_footnote_attached_to_citing_clause(corpus: Corpus) -> None:
    assert "[bookmark" not in "".join(d.text for d in corpus.documents)
    assert "footnoteRef" not in "".join(d.text for d in corpus.documents)
    goals = next(c for c in corpus.clauses_of("cp-meddevice-plan") if c.labels == ("一、",) and c.notes)
    assert "重点共性技术服务平台、1-2家国家级医疗器械重点实验室" in goals.text
    assert "中试平台（工信部）" in goals.notes[0]
    assert not any("中试平台（工信部）" in c.text for c in corpus.clauses)


def test_draft_measure_twelve_has_stable_id_labels_and_headings(corpus: Corpus) -> None:
    clause = next(c for c in corpus.clauses if c.clause_id == "cp-measures-draft#四.(十二)")
    assert clause.labels == ("四、", "（十二）")
    assert clause.label == "四、（十二）"
    assert clause.headings == ("提高国际化发展水平",)
    assert clause.heading == "汇聚全球创新资源"
    assert "不超过1000万元的资金支持" in clause.text


def test_goal_bullets_and_inline_enumerations_are_clauses(corpus: Corpus) -> None:
    bullets = [c for c in corpus.clauses_of("cp-pharma-plan") if c.labels[-1].startswith("——")]
    assert [c.heading for c in bullets] == [
        "创新能级提升",
        "规模量质齐升",
        "产业生态厚植",
        "人才集聚增强",
        "国际化持续推进",
    ]
    items = [c for c in corpus.clauses_of("cp-meddevice-plan") if c.labels[0] == "四、" and len(c.labels) == 2]
    assert [c.labels[-1] for c in items] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    assert items[0].text.startswith("一是设立昌平区医疗器械转化协同中心")


def test_preamble_and_closing_are_clauses(corpus: Corpus) -> None:
    clauses = corpus.clauses_of("cp-pharma-plan")
    assert clauses[0].labels == ("印发通知",) and "请认真贯彻落实" in clauses[0].text
    closing = next(c for c in clauses if c.labels == ("附则",))
    assert "有效期至2028年12月31日" in closing.text
    assert clauses[-1].labels == ("落款",) and clauses[-1].text.startswith("抄送")


def test_long_clauses_are_split_into_parts_sharing_the_label(corpus: Corpus) -> None:
    long_ones = [c for c in corpus.clauses if c.parts > 1]
    assert long_ones
    for clause in long_ones:
        siblings = [c for c in corpus.clauses if c.clause_id == clause.clause_id]
        assert [c.part for c in siblings] == list(range(1, clause.parts + 1))
        assert len({c.labels for c in siblings}) == 1
        assert len(clause.text) <= 700


def _articles_by_scan(path: Path) -> dict[int, int]:
    """Independent oracle: article number -> chapter number by a plain line scan of the file."""
    chapter, mapping = 0, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^## 第([一二三四五六七八九十]+)章", line):
            chapter = cn_to_int(m.group(1))
        elif m := re.match(r"^第([一二三四五六七八九十百零]+)条\s", line):
            mapping[cn_to_int(m.group(1))] = chapter
    return mapping


LAWS = {  # doc id: (articles, chapters) as stated in data/laws/SOURCES.md
    "fil": (42, 6),
    "fil-impl": (49, 6),
    "bj-fi-reg": (44, 7),
    "zgc-reg": (68, 10),
    "bj-stic-reg": (76, 7),
    "hgr-reg": (47, 6),
    "md-reg": (107, 8),
    "drug-law": (155, 12),
    "md-reg-measures": (124, 10),
}


@pytest.mark.parametrize("doc_id", sorted(LAWS))
def test_law_articles_and_their_chapters(corpus: Corpus, doc_id: str) -> None:
    articles = [c for c in corpus.clauses_of(doc_id) if c.labels[-1].endswith("条") and c.part == 1]
    numbers = [cn_to_int(c.labels[-1][1:-1]) for c in articles]
    count, chapters = LAWS[doc_id]
    assert numbers == list(range(1, count + 1))
    assert len({c.labels[0] for c in articles}) == chapters
    oracle = _articles_by_scan(DATA_DIR / corpus.document(doc_id).info.source_file)
    assert {n: cn_to_int(c.labels[0][1:-1]) for n, c in zip(numbers, articles, strict=True)} == oracle
    assert all(c.clause_id == f"{doc_id}#{c.labels[-1]}" for c in articles)


def test_law_items_stay_inside_their_article(corpus: Corpus) -> None:
    article2 = next(c for c in corpus.clauses_of("fil") if c.clause_id == "fil#第二条")
    assert "（一）外国投资者单独或者与其他投资者共同在中国境内设立外商投资企业" in article2.text
    assert "（四）法律、行政法规或者国务院规定的其他方式的投资" in article2.text


def test_markdown_header_is_metadata_not_clauses(corpus: Corpus) -> None:
    for doc_id in LAWS:
        document = corpus.document(doc_id)
        assert document.metadata_lines and document.metadata_lines[0].startswith("# ")
        for clause in corpus.clauses_of(doc_id):
            assert "<!--" not in clause.text and not clause.text.startswith("#")
            assert not any(line in clause.text for line in document.metadata_lines[1:] if len(line) > 6)
    assert "会议通过）" in corpus.document("fil").metadata_lines


def test_sections_in_the_registration_measures(corpus: Corpus) -> None:
    clause = next(c for c in corpus.clauses_of("md-reg-measures") if c.labels[-1] == "第二十四条")
    assert clause.labels[1].startswith("第") and clause.labels[1].endswith("节")
    assert clause.labels[:2] == ("第三章", "第一节")
    assert clause.headings == ("医疗器械注册", "产品研制")


def test_ftz_measures_numbered_across_parts(corpus: Corpus) -> None:
    measures = [c for c in corpus.clauses_of("ftz-measures") if len(c.labels) == 2 and c.part == 1]
    assert [cn_to_int(c.labels[1][1:-1]) for c in measures] == list(range(1, 54))
    assert corpus.clauses_of("ftz-measures")[-1].labels == ("落款",)


def test_catalog_covers_every_bundled_file(corpus: Corpus) -> None:
    catalog = load_catalog(DATA_DIR)
    assert len(catalog) == len(corpus.documents) == 15
    assert not corpus.errors
    assert corpus.document("cp-measures-draft").info.status == "draft_for_comments"
