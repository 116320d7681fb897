"""Sentences of a clause: the unit of extractive answers and of the English translations."""

from __future__ import annotations

import re

# A sentence ends at 。；！？ (with any closing quotes / brackets after it) or at a line break.
_SENTENCE = re.compile(r"[^。；！？!?\n]+(?:[。；！？!?]+[”’」』）)]*)?|[。；！？!?]+[”’」』）)]*")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text in order, stripped; joined they give the text without line breaks."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
