"""Every supported file type gives the same clauses; every bad file gets a clear, named error."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.errors import IngestError
from ingest import clean_text, detect_info, load_document, parse_clauses
from ingest.loaders import load_text
from tests.conftest import DATA_DIR, ROOT

DRAFT = DATA_DIR / "policies" / "changping-pharma-measures-draft.txt"
BEIJING = DATA_DIR / "policies" / "beijing-pharma-innovation-plan-2024-2026.txt"


def _signature(path: Path) -> list[tuple[tuple[str, ...], str]]:
    document = load_document(path)
    clauses = [c for c in parse_clauses(document)]
    merged: dict[tuple[str, ...], str] = {}
    for clause in clauses:
        merged[clause.labels] = merged.get(clause.labels, "") + re.sub(r"\s", "", clause.text)
    return list(merged.items())


def _write_pdf(lines: list[str], path: Path, wrap: int | None) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    physical: list[str] = []
    for line in lines:
        line = line.strip()
        while wrap and len(line) > wrap:
            physical.append(line[:wrap])
            line = line[wrap:]
        physical.append(line)
    pdf = canvas.Canvas(str(path))
    y, page = 800, 1
    for line in physical:
        if y < 60:
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(290, 30, f"- {page} -")  # a page number that cleaning must drop
            pdf.showPage()
            y, page = 800, page + 1
        pdf.setFont("STSong-Light", 10)
        pdf.drawString(40, y, line)
        y -= 14
    pdf.showPage()
    pdf.save()


@pytest.mark.parametrize(("source", "wrap"), [(DRAFT, 34), (BEIJING, None)])
def test_pdf_of_a_seed_gives_the_same_clauses_as_its_text(tmp_path: Path, source: Path, wrap: int | None) -> None:
    pdf = tmp_path / (source.stem + ".pdf")
    _write_pdf(source.read_text(encoding="utf-8").splitlines(), pdf, wrap)
    assert _signature(pdf) == _signature(source)


def test_docx_of_a_seed_gives_the_same_clauses_as_its_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in DRAFT.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "联系部门"
    table.rows[0].cells[1].text = "昌平区科委"
    path = tmp_path / "draft.docx"
    document.save(str(path))
    assert "联系部门 | 昌平区科委" in load_text(path)
    txt_clauses = _signature(DRAFT)
    docx_clauses = _signature(path)
    assert [labels for labels, _ in docx_clauses] == [labels for labels, _ in txt_clauses]
    assert docx_clauses[:-1] == txt_clauses[:-1]  # the table row joins the last clause


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_text_encodings_give_the_same_clauses(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"draft-{encoding}.txt"
    path.write_bytes(DRAFT.read_text(encoding="utf-8").encode(encoding))
    assert _signature(path) == _signature(DRAFT)


def test_html_and_markdown_load(tmp_path: Path) -> None:
    html = tmp_path / "notice.html"
    html.write_text(
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        "<p>一、总体要求</p><p>（一）支持研发。给予不超过500万元的资金支持。</p><p>（二）加强服务。</p></body></html>",
        encoding="utf-8",
    )
    clauses = parse_clauses(load_document(html))
    assert [c.labels for c in clauses] == [("一、",), ("一、", "（一）"), ("一、", "（二）")]
    assert "alert" not in "".join(c.text for c in clauses)
    md = tmp_path / "law.md"
    md.write_text(
        "# 测试条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了测试。\n\n第二条 本条例自公布之日起施行。\n\n第三条 附则。\n",
        encoding="utf-8",
    )
    assert [c.labels[-1] for c in parse_clauses(load_document(md))] == ["第一章", "第一条", "第二条", "第三条"]


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    plain = path.with_suffix(".plain.pdf")
    _write_pdf(["一、总体要求", "（一）支持研发。"], plain, None)
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(str(path))


def _scanned_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)  # a page that is all picture, no text layer
    pdf.showPage()
    pdf.save()


BAD_FILES = {
    "empty.txt": (lambda p: p.write_bytes(b""), "empty"),
    "table.xlsx": (lambda p: p.write_bytes(b"PK\x03\x04data"), "unsupported file type"),
    "scan.pdf": (_scanned_pdf, "no text layer"),
    "locked.pdf": (_encrypted_pdf, "encrypted"),
    "broken.pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj <<>>\ntrailer\n%%EOF garbage"), "damaged"),
    "program.pdf": (lambda p: p.write_bytes(b"MZ\x90\x00\x03" + bytes(200)), "not a PDF"),
    "broken.docx": (lambda p: p.write_bytes(b"this is not a zip"), "not a Word .docx"),
    "damaged.docx": (lambda p: zipfile.ZipFile(p, "w").writestr("junk.txt", "x"), "damaged"),
    "binary.txt": (lambda p: p.write_bytes(b"\x00\x01\x02" * 100), "binary"),
    "latin1.txt": (lambda p: p.write_bytes("Ça coûte très cher: ÀÉÎÕÜ".encode("latin-1") * 20), "encoding"),
    "blank.txt": (lambda p: p.write_text("   \n\n\u200b\n", encoding="utf-8"), "no text"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_raise_a_clear_error_naming_the_file(tmp_path: Path, name: str) -> None:
    make, reason = BAD_FILES[name]
    path = tmp_path / name
    make(path)
    with pytest.raises(IngestError) as info:
        load_document(path)
    assert name in str(info.value)
    assert reason in info.value.reason


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("一、总体要求\n" * 2000, encoding="utf-8")
    with pytest.raises(IngestError, match="over the"):
        load_text(path, max_bytes=10_000)


def test_character_normalisation_keeps_full_width_punctuation() -> None:
    raw = "⼀、⽀持⾼端医疗器械\u200b发展，（⼀）给予\u3000不超过 500 万元支持。"
    assert clean_text(raw).text == "一、支持高端医疗器械发展，（一）给予不超过500万元支持。"


def test_page_numbers_and_page_break_spaces_are_dropped() -> None:
    wrapped = (
        "医药健康产业是我国发展战略性新兴产业的重点方向，是助推北京创新发展的重要引擎。为加快发展新质生产力，推动医药健康产业更高质量更高水平发展，特制定本行动计划。"
        * 3
    )
    lines = [wrapped[i : i + 28] for i in range(0, len(wrapped), 28)]
    raw = "一、总体要求\n" + "\n".join(lines[:4]) + "\n- 2 -\n " + "\n".join(lines[4:]) + "\n 3 \n二、保障措施"
    assert clean_text(raw).text.split("\n") == ["一、总体要求", wrapped, "二、保障措施"]


def test_metadata_detected_from_text_without_catalogue() -> None:
    def info(name: str):
        document = load_document(DATA_DIR / "policies" / name)  # no data_dir: no catalogue entry
        return detect_info("x", name, document.text)

    beijing = info("beijing-pharma-innovation-plan-2024-2026.txt")
    assert beijing.doc_number == "京政办发〔2024〕14号"
    assert beijing.title == "北京市加快医药健康协同创新行动计划（2024-2026年）"
    assert beijing.date_issued == "2024-05-15"
    device = info("changping-meddevice-plan-2026-2028.txt")
    assert device.doc_number == "昌园委发〔2026〕3号"
    assert device.valid_until == "2028-12-31"
    assert any("昌园委发〔2023〕1号" in r for r in device.repeals)
    pharma = info("changping-pharma-plan-2026-2028.txt")
    assert pharma.date_issued == "2026-04-01" and pharma.valid_until == "2028-12-31"
    assert any("昌政办发〔2022〕12号" in r for r in pharma.repeals)
    assert info("changping-pharma-measures-draft.txt").status == "draft_for_comments"
    assert info("life-science-park-overview.txt").status == "in_force"  # nothing in the text says otherwise


def test_cli_lists_documents_prints_tree_and_json() -> None:
    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "ingest", "data/", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return result.stdout

    listing = run().splitlines()
    assert len(listing) == 15
    assert any(line.split()[:2] == ["cp-measures-draft", "draft_for_comments"] for line in listing)
    tree = run("--tree", "cp-measures-draft")
    assert "（十二） 汇聚全球创新资源" in tree
    import json

    clauses = json.loads(run("--json"))
    twelve = next(c for c in clauses if c["clause_id"] == "cp-measures-draft#四.(十二)")
    assert twelve["labels"] == ["四、", "（十二）"] and twelve["part"] == 1
    assert {"doc_id", "clause_id", "labels", "headings", "text", "part"} <= set(twelve)
