"""Which language a question is in: zh, en, or another one we say we do not support; question cleaning."""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

SUPPORTED = ("zh", "en")
# Kana never occur in Chinese text (the katakana middle dot ・ and the long-vowel mark ー aside), so one is enough.
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_OTHER_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
_SPACED = ("Cc", "Cs", "Co", "Cn")  # control characters, surrogates, private use, unassigned: a word break


def clean_question(text: str) -> str:
    """The question without control and invisible characters (zero-width, bidi marks), whitespace runs as one space."""
    out = []
    for ch in text or "":
        category = unicodedata.category(ch)
        if category == "Cf":  # zero-width space / joiner, BOM, bidi overrides: invisible, dropped
            continue
        out.append(" " if category in _SPACED else ch)
    return " ".join("".join(out).split())


def detect_language(text: str) -> str:
    """zh when Hanzi dominate (a mixed question counts as zh if mostly CJK), en for Latin, else the script's code."""
    if _KANA.search(text):
        return "ja"
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    for code, pattern in _OTHER_SCRIPTS:
        if len(pattern.findall(text)) > max(2, cjk // 2):
            return code
    if cjk and cjk >= 2 * latin_words:
        return "zh"
    if latin_words:
        return "en"
    return "zh" if cjk else "unknown"


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as the documents write them (醫療器械註冊證 -> 医疗器械注册证): investors
    from Hong Kong and Taiwan type traditional Chinese, the corpus is simplified."""
    return _to_simplified().convert(text) if re.search(r"[\u3400-\u9fff]", text) else text
