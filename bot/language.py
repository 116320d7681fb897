"""Which language a question is in: zh, en, or another one we say we do not support."""

from __future__ import annotations

import re

SUPPORTED = ("zh", "en")
_OTHER_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)


def detect_language(text: str) -> str:
    """zh when Hanzi dominate (a mixed question counts as zh if mostly CJK), en for Latin, else the script's code."""
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
