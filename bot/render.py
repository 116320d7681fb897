"""How labels, statuses and warnings read in Chinese and English."""

from __future__ import annotations

import datetime as dt
import re

from core.schema import Clause, DocumentInfo
from ingest.numbering import cn_to_int

_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]
_SPECIAL_EN = {"前言": "Preamble", "印发通知": "Covering notice", "附则": "Final provisions", "落款": "Signature block"}
STATUS_TEXT = {
    "in_force": ("现行有效", "in force"),
    "draft_for_comments": ("征求意见稿（未生效）", "draft for comments (not in force)"),
    "informational": ("介绍材料（非政策文件）", "informational (not a policy document)"),
    "expired": ("已过有效期", "expired"),
    "repealed": ("已废止", "repealed"),
    "superseded": ("已被新版本取代", "superseded by a newer version"),
}


def label_en(clause: Clause) -> str:
    """四、（十二） -> 'Part IV (12)'; 第三条 -> 'Article 3'; 二、（一）3. -> 'Part II (1), item 3'."""
    parts = []
    in_law = any(label.endswith("条") for label in clause.labels)
    for label in clause.labels:
        if in_law and label.endswith(("章", "节", "编")):
            continue
        parts.append(_one_label_en(label))
    return ", ".join(p for p in parts if p).replace(", (", " (")


def _one_label_en(label: str) -> str:
    if label in _SPECIAL_EN:
        return _SPECIAL_EN[label]
    if m := re.fullmatch(r"第(.+)([条章节编])", label):
        kind = {"条": "Article", "章": "Chapter", "节": "Section", "编": "Part"}[m.group(2)]
        return f"{kind} {_number(m.group(1))}"
    if m := re.fullmatch(r"(.+)、", label):
        n = _number(m.group(1))
        return f"Part {_ROMAN[n] if isinstance(n, int) and n < len(_ROMAN) else n}"
    if m := re.fullmatch(r"（(.+)）", label):
        return f"({_number(m.group(1))})"
    if m := re.fullmatch(r"(\d+)\.", label):
        return f"item {m.group(1)}"
    if m := re.fullmatch(r"——(\d+)", label):
        return f"goal {m.group(1)}"
    if m := re.fullmatch(r"(.+)是", label):
        return f"point {_number(m.group(1))}"
    return f"section “{label}”"


def _number(text: str) -> int | str:
    try:
        return cn_to_int(text)
    except ValueError:
        return text


def status_text(status: str, lang: str) -> str:
    zh, en = STATUS_TEXT.get(status, (status, status))
    return en if lang == "en" else zh


def document_name(info: DocumentInfo, lang: str) -> str:
    if lang == "en":
        return info.title_en or info.short_title_en or info.title
    return f"《{info.title}》"


def citation_heading(info: DocumentInfo, clause: Clause, lang: str) -> str:
    """《Title》四、（十二） with number and date: the line a hotline can read out."""
    facts = [x for x in (info.doc_number, info.date_issued) if x]
    if lang == "en":
        return f"{document_name(info, 'en')}, {label_en(clause)}" + (f" ({'; '.join(facts)})" if facts else "")
    return f"{document_name(info, 'zh')}{clause.label}" + (f"（{'，'.join(facts)}）" if facts else "")


def status_warning(info: DocumentInfo, status: str, lang: str, today: dt.date) -> str:
    """A warning for a source that is not a policy in force today, else ''."""
    name = document_name(info, lang)
    if status == "draft_for_comments":
        return (
            f"Caution: {name} is a draft for comments, not in force; the final text may differ."
            if lang == "en"
            else f"注意：{name}是征求意见稿，尚未正式施行，具体以正式发布的文件为准。"
        )
    if status == "expired":
        until = info.valid_until or "?"
        return (
            f"Caution: {name} was valid until {until} and has expired (today is {today.isoformat()})."
            if lang == "en"
            else f"注意：{name}有效期至{until}，已过有效期。"
        )
    if status in ("repealed", "superseded"):
        return f"Caution: {name} has been {status}." if lang == "en" else f"注意：{name}{status_text(status, 'zh')}。"
    if status == "informational":
        return (
            f"Note: {name} is an informational article, not a policy document; it grants no entitlement."
            if lang == "en"
            else f"提示：{name}是介绍性材料，不是政策文件，不构成支持依据。"
        )
    return ""


_ZH_MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|亿元)")
_EN_MONEY = re.compile(
    r"RMB\s*(\d[\d,]*(?:\.\d+)?)(?:\s*(thousand|million|billion))?|(\d[\d,]*(?:\.\d+)?)\s*(million|billion)?\s*yuan"
)
_ZH_SCALE = {"万元": 1e4, "亿元": 1e8}
_EN_SCALE = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}


def with_chinese_amounts(english: str, chinese: str) -> str:
    """'up to RMB 10 million' -> 'up to RMB 10 million (1000万元)' when the Chinese sentence says 1000万元."""
    amounts = {round(float(m.group(1)) * _ZH_SCALE[m.group(2)]): m.group(0) for m in _ZH_MONEY.finditer(chinese)}
    if not amounts:
        return english

    def annotate(m: re.Match[str]) -> str:
        number, scale = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        value = round(float(number.replace(",", "")) * _EN_SCALE[(scale or "").lower()])
        original = amounts.get(value)
        return f"{m.group(0)} ({original})" if original and original not in english else m.group(0)

    return _EN_MONEY.sub(annotate, english)


def document_facts(info: DocumentInfo, status: str, lang: str) -> str:
    """One line a hotline can read out: number, issuer, dates, validity, status, what it repeals."""
    if lang == "en":
        facts = [
            f"document number {info.doc_number}" if info.doc_number else "no document number",
            f"issued by {info.issuer_en or info.issuer}" if info.issuer else "",
            f"issued on {_date(info.date_issued, 'en')}" if info.date_issued else "",
            f"in force from {_date(info.effective_from, 'en')}" if info.effective_from else "",
            f"valid until {_date(info.valid_until, 'en')}" if info.valid_until else "",
            f"status: {status_text(status, 'en')}",
            f"repeals {'; '.join(info.repeals)}" if info.repeals else "",
        ]
        return f"Document facts, {document_name(info, 'en')}: " + "; ".join(f for f in facts if f) + "."
    facts = [
        f"文号{info.doc_number}" if info.doc_number else "无文号",
        f"发文机关{info.issuer}" if info.issuer else "",
        f"印发日期{_date(info.date_issued, 'zh')}" if info.date_issued else "",
        f"施行日期{_date(info.effective_from, 'zh')}" if info.effective_from else "",
        f"有效期至{_date(info.valid_until, 'zh')}" if info.valid_until else "",
        f"状态：{status_text(status, 'zh')}",
        f"同时废止{'、'.join(info.repeals)}" if info.repeals else "",
    ]
    return f"文件信息：{document_name(info, 'zh')}：" + "，".join(f for f in facts if f) + "。"


_MONTHS = "January February March April May June July August September October November December".split()


def _date(iso: str, lang: str) -> str:
    """2024-05-15 -> 2024年5月15日 / 15 May 2024 (the way each language writes dates in the documents)."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    if lang == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"
