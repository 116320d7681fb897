"""Recognise the numbering markers of Chinese official documents and normalise their labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "零〇一二两三四五六七八九十百千"
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}

# Order matters: the first pattern that matches a paragraph's start wins.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第([{CN_NUM}]+)编(?=\s|$)")),
    ("chapter", re.compile(rf"^第([{CN_NUM}]+)章(?=\s|$)")),
    ("section", re.compile(rf"^第([{CN_NUM}]+)节(?=\s|$)")),
    ("article", re.compile(rf"^第([{CN_NUM}]+)条(?=\s|[^，。、；的规之至和或及中])")),
    ("cn", re.compile(rf"^([{CN_NUM}]+)、")),
    ("paren_cn", re.compile(rf"^[（(]([{CN_NUM}]+)[）)]")),
    ("arabic", re.compile(r"^(\d{1,3})\s?[.．、](?![\d.．])")),
    ("paren_arabic", re.compile(r"^[（(](\d{1,3})[）)]")),
    ("circled", re.compile(r"^([①-⑳])")),
    ("dash", re.compile(r"^(——|--)(?![—-])")),
)
ARTICLE_TYPES = ("part", "chapter", "section", "article")
INLINE_ENUM = re.compile(r"(?:^|(?<=[。；;：:）)，,”]))([一二三四五六七八九十]{1,2})是(?=[^，,。是])")


@dataclass(frozen=True)
class Marker:
    kind: str
    number: int
    label: str  # normalised: "四、" "（十二）" "1." "（1）" "第三条" "——"
    end: int  # length of the marker text in the paragraph


def cn_to_int(text: str) -> int:
    """Chinese numerals to int: 十七 -> 17, 一百零七 -> 107, 二十 -> 20."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch in _UNIT:
            total += (current or 1) * _UNIT[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text}")
    return total + current


def int_to_cn(n: int) -> str:
    """int to the Chinese numeral used in labels: 17 -> 十七, 107 -> 一百零七."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    head = digits[n // 100] + "百"
    if rest == 0:
        return head
    return head + ("零" + digits[rest] if rest < 10 else ("一" + int_to_cn(rest) if rest < 20 else int_to_cn(rest)))


def match_marker(paragraph: str) -> Marker | None:
    """The numbering marker a paragraph starts with, if any (no sequence check here)."""
    for kind, pattern in _PATTERNS:
        m = pattern.match(paragraph)
        if not m:
            continue
        raw = m.group(1)
        if kind == "dash":
            return Marker(kind, 0, "——", m.end())
        if kind == "circled":
            number = ord(raw) - ord("①") + 1
        else:
            try:
                number = cn_to_int(raw)
            except ValueError:
                continue
        if number <= 0:
            continue
        return Marker(kind, number, normal_label(kind, raw, number), m.end())
    return None


def normal_label(kind: str, raw: str, number: int) -> str:
    return {
        "part": f"第{raw}编",
        "chapter": f"第{raw}章",
        "section": f"第{raw}节",
        "article": f"第{raw}条",
        "cn": f"{raw}、",
        "paren_cn": f"（{raw}）",
        "arabic": f"{number}.",
        "paren_arabic": f"（{number}）",
        "circled": raw,
    }[kind]


def starts_with_marker(line: str) -> bool:
    return match_marker(line) is not None


def id_segment(label: str) -> str:
    """A label as it appears in a clause id: 四、->四, （十二）->(十二), 1.->1, spaces dropped."""
    label = label.replace(" ", "")
    if label.endswith("、"):
        return label[:-1]
    if label.startswith("（") and label.endswith("）"):
        return f"({label[1:-1]})"
    if re.fullmatch(r"\d+\.", label):
        return label[:-1]
    return label
