"""Clause lookup for the staff console: "003 四、（十二）", "药品管理法 第三十条", "fil#第三条".

A document is named by its id, its catalogue number, its document number, a title or a unique title
fragment. Catalogue numbers count from 000 in data/catalog.yaml order, so the five park policies keep
the numbers of the seed files they came from (000_… to 004_…; 003 is the draft measures).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.schema import Clause, DocumentInfo
from ingest import load_catalog
from ingest.numbering import CN_NUM, int_to_cn

# Where the clause label starts inside "药品管理法第三十条" / "003 四、（十二）" / "fil Article 3"; a bare
# article number ("药品管理法 98", "药品管理法98条") only at the end, so digits inside a title
# ("行动计划（2026—2028年）") are never taken for one.
_LABEL_START = re.compile(
    rf"第[{CN_NUM}\d]+[条章节编]|[{CN_NUM}]+(?:[、.．]|(?=[（(]))|[（(][{CN_NUM}\d]+[）)]|\b(?:article|art\.?)\s*\d+"
    rf"|(?<=[\s\u4e00-\u9fff》])\d+条?(?:第[{CN_NUM}\d]+款)?\s*$",
    re.IGNORECASE,
)
_ARTICLE_EN = re.compile(r"^(?:article|art\.?)\s*(\d+)$", re.IGNORECASE)
_ARABIC_ARTICLE = re.compile(r"第(\d+)([条章节编款])")
_BARE_ARTICLE = re.compile(r"^(\d+)条?(?=第|$)")
_PARAGRAPH = re.compile(rf"第([{CN_NUM}\d]+)款$")
_ITEM = re.compile(rf"^[（(][{CN_NUM}\d]+[）)]")
# Abbreviated names staff type (外资法, 人遗条例, 医疗器械条例): the characters of the full title in order,
# the same first character and the same kind of document at the end.
_KINDS = ("实施条例", "条例", "办法", "规定", "细则", "计划", "措施", "意见", "通知", "决定", "法")
_STATE_PREFIX = "中华人民共和国"
_NO_DOCUMENT = (
    "请先写文件（编号、文号或标题），再写条款。Name the document first (number, id or title), then the clause."
)
_CATALOGUE_NUMBER = re.compile(r"^(?:no\.?|#)?\s*(\d{1,3})$", re.IGNORECASE)


class ReferenceNotFound(LookupError):
    """The reference names no document or clause, or more than one; the message says which."""


@dataclass(frozen=True)
class Lookup:
    doc: DocumentInfo
    clause: Clause | None  # None when the reference names only a document
    paragraph: int = 0  # 第2款 -> 2: the paragraph of the article asked for (0 = the whole clause)


@dataclass(frozen=True)
class OutlineRow:
    depth: int
    label: str  # this level's own label: "四、", "（十二）", "第三十条"
    heading: str
    clause_id: str  # "" for a heading that has no text of its own in the index


def catalogue_numbers(data_dir: Path) -> dict[str, str]:
    """doc_id -> "000", "001", ... in catalogue order."""
    return {info.doc_id: f"{i:03d}" for i, info in enumerate(load_catalog(data_dir).values())}


def _key(text: str) -> str:
    """Comparison form: full-width folded, no spaces, no title marks or quotes, lower case."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\s《》<>\"'“”‘’]", "", text)


def label_key(label: str) -> str:
    """四、（十二） == 四（十二） == 四.(十二); 第30条 == 30条 == 30 == 第三十条 == Article 30."""
    text = unicodedata.normalize("NFKC", label or "").strip()
    if m := _ARTICLE_EN.match(text):
        text = f"第{int_to_cn(int(m.group(1)))}条"
    text = _BARE_ARTICLE.sub(lambda m: f"第{m.group(1)}条", text)
    text = _ARABIC_ARTICLE.sub(lambda m: f"第{int_to_cn(int(m.group(1)))}{m.group(2)}", text)
    return re.sub(r"[\s、.。]", "", text)


def resolve_document(reference: str, documents: Mapping[str, DocumentInfo], numbers: Mapping[str, str]) -> DocumentInfo:
    """The one document the reference names; ReferenceNotFound lists the candidates otherwise."""
    key = _key(reference)
    if not key:
        raise ReferenceNotFound(_NO_DOCUMENT)
    if m := _CATALOGUE_NUMBER.match(key):
        wanted = f"{int(m.group(1)):03d}"
        for doc_id, number in numbers.items():
            if number == wanted and doc_id in documents:
                return documents[doc_id]
        raise ReferenceNotFound(f"没有编号为 {wanted} 的文件。No document is numbered {wanted}.")
    for doc in documents.values():
        names = (doc.doc_id, doc.doc_number, doc.title, doc.short_title, doc.title_en, doc.short_title_en)
        if key in {_key(n) for n in names if n}:
            return doc
    matches = [
        doc
        for doc in documents.values()
        if any(key in _key(n) for n in (doc.title, doc.short_title, doc.title_en, doc.short_title_en) if n)
    ]
    if not matches:
        matches = [doc for doc in documents.values() if any(_abbreviates(key, n) for n in (doc.title, doc.short_title))]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ReferenceNotFound(f"没有找到文件“{reference}”。No document matches “{reference}”.")
    names = "; ".join(f"{numbers.get(d.doc_id, d.doc_id)} {d.short_title or d.title}" for d in matches)
    raise ReferenceNotFound(f"“{reference}”对应多个文件，请写得更具体：{names}. Several documents match: {names}.")


def _abbreviates(key: str, name: str) -> bool:
    """外资法 abbreviates 中华人民共和国外商投资法 (not its 实施条例); 人遗条例 abbreviates 人类遗传资源管理条例."""
    name = _key(name).removeprefix(_STATE_PREFIX)
    kind = next((k for k in _KINDS if key.endswith(k)), "")
    if len(key) < 3 or not kind or not name.endswith(kind) or key[0] != name[0]:
        return False
    if name.endswith("实施条例") and kind != "实施条例":  # 外资条例 is not the law's implementing regulation
        return False
    rest = iter(name)
    return all(ch in rest for ch in key)  # in order: `in` consumes the iterator up to the match


def paragraph_text(text: str, number: int) -> str:
    """The number-th paragraph (款) of an article: a line that is not an enumerated item, with its items."""
    paragraphs: list[list[str]] = []
    for line in text.split("\n"):
        if paragraphs and _ITEM.match(line.strip()):
            paragraphs[-1].append(line)
        elif line.strip():
            paragraphs.append([line])
    return "\n".join(paragraphs[number - 1]) if 0 < number <= len(paragraphs) else ""


def find_clause(
    reference: str, documents: Mapping[str, DocumentInfo], clauses: Iterable[Clause], numbers: Mapping[str, str]
) -> Lookup:
    """Resolve "document label" (or a clause id) to one clause; a document alone gives clause=None."""
    clauses = tuple(clauses)
    reference = (reference or "").strip()
    if "#" in reference:  # a clause id, as in logs and the answer contract
        for clause in clauses:
            if clause.clause_id == reference:
                return Lookup(documents[clause.doc_id], clause)
    starts = [m.start() for m in _LABEL_START.finditer(reference)]
    if starts and starts[0] == 0:
        raise ReferenceNotFound(_NO_DOCUMENT)
    if not starts:
        return Lookup(resolve_document(reference, documents, numbers), None)
    first_error: ReferenceNotFound | None = None
    for start in starts:  # the first split whose left part names a document
        try:
            doc = resolve_document(reference[:start], documents, numbers)
        except ReferenceNotFound as exc:
            first_error = first_error or exc
            continue
        label = reference[start:].strip()
        paragraph = 0
        if m := _PARAGRAPH.search(unicodedata.normalize("NFKC", label)):
            paragraph = int(m.group(1)) if m.group(1).isdigit() else _cn_int(m.group(1))
            label = unicodedata.normalize("NFKC", label)[: m.start()]
        clause = _clause_in(doc, label, clauses)
        if paragraph and not paragraph_text(_full_text(clause, clauses), paragraph):
            raise ReferenceNotFound(
                f"{doc.short_title or doc.title}{clause.label}没有第{paragraph}款。"
                f" {clause.label} has no paragraph {paragraph}."
            )
        return Lookup(doc, clause, paragraph)
    assert first_error is not None
    raise first_error


def _full_text(clause: Clause, clauses: tuple[Clause, ...]) -> str:
    return "".join(c.text for c in clauses if c.clause_id == clause.clause_id)


def _cn_int(text: str) -> int:
    for n in range(1, 200):
        if int_to_cn(n) == text:
            return n
    return 0


def _clause_in(doc: DocumentInfo, label: str, clauses: tuple[Clause, ...]) -> Clause:
    own = list({c.clause_id: c for c in clauses if c.doc_id == doc.doc_id}.values())
    wanted = label_key(label)
    exact = [c for c in own if label_key(c.label) == wanted]
    if len(exact) == 1:
        return exact[0]
    tail = exact or [c for c in own if label_key(c.label).endswith(wanted)]
    if len(tail) == 1:
        return tail[0]
    name = doc.short_title or doc.title
    if tail:
        labels = "、".join(c.label for c in tail[:8])
        raise ReferenceNotFound(f"{name}中有多个“{label}”：{labels}。Several clauses match “{label}”: {labels}.")
    sample = "、".join(c.label for c in own[:6])
    raise ReferenceNotFound(f"{name}中没有“{label}”（条款例如：{sample}）。{name} has no clause “{label}”.")


def outline(clauses: Iterable[Clause]) -> list[OutlineRow]:
    """A document's clause tree in reading order; parent headings the index skips come back as rows."""
    rows: list[OutlineRow] = []
    groups: set[tuple[str, ...]] = set()
    seen: set[str] = set()
    for clause in clauses:
        if clause.clause_id in seen:
            continue
        seen.add(clause.clause_id)
        aligned = len(clause.headings) == len(clause.labels) - 1
        for depth in range(len(clause.labels) - 1):
            prefix = clause.labels[: depth + 1]
            if prefix not in groups:
                groups.add(prefix)
                rows.append(OutlineRow(depth, prefix[-1], clause.headings[depth] if aligned else "", ""))
        groups.add(clause.labels)
        rows.append(OutlineRow(len(clause.labels) - 1, clause.labels[-1], clause.heading, clause.clause_id))
    return rows
