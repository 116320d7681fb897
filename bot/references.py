"""Documents the retrieved clauses only refer to: where an answer the corpus lacks is probably written.

外商投资法第二十八条 says the negative list sets the restricted fields; the list itself is not in the corpus. A
declined question whose best clauses name such a document (《…》 titles the catalogue does not hold, a
负面清单, a 目录, the State Council's rules) is told which one to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.retrieve import FRAME_KINDS
from core.schema import Hit
from index.tokenize import normalise_query_text

# How clauses name a document they rely on: a quoted title, the negative list, a catalogue, an implementing rule.
_REFERENCE = re.compile(
    r"《([^》]{4,40})》"
    r"|((?:外商投资准入|市场准入)?负面清单)"
    r"|([\u4e00-\u9fff]{2,16}目录)"
    r"|(国务院(?:药品监督管理部门|科学技术行政部门|有关部门)?(?:另有|的)?规定)"
)
_VERB = re.compile(r"列入|纳入|按照|依照|根据|参照|对|在|经")  # a catalogue's name starts after these
_GENERIC = frozenset({"目录", "分类目录", "本目录", "医疗器械分类目录"})  # too vague to send anyone to
_SENTENCE = re.compile(r"[^。；]+[。；]?")
REFERENCE_HITS = 3  # the clauses a reference may come from: the best ones
MAX_REFERENCES = 2


@dataclass(frozen=True)
class Reference:
    name: str  # as the clause writes it (外商投资准入负面清单, 《中华人民共和国公司法》)
    clause_id: str  # the clause that refers to it


def referenced_documents(
    hits: Iterable[Hit],
    full_text: Callable[[str], str],
    corpus_titles: Iterable[str],
    about_the_question: Callable[[str], bool],
) -> tuple[Reference, ...]:
    """Documents the first clauses name, in a sentence about what was asked, that the corpus does not hold."""
    held = {normalise_query_text(t) for t in corpus_titles if t}
    found: dict[str, Reference] = {}
    for hit in [h for h in hits if h.clause.kind not in FRAME_KINDS][:REFERENCE_HITS]:  # not notices, signatures
        clause_id = hit.clause.clause_id
        for sentence in _SENTENCE.findall(full_text(clause_id)):
            if not about_the_question(sentence):
                continue
            for match in _REFERENCE.finditer(sentence):
                name = next(g for g in match.groups() if g)
                name = _VERB.split(name)[-1] if match.group(3) else name  # 尚未列入分类目录 -> 分类目录
                if name in _GENERIC or normalise_query_text(name) in held:
                    continue
                shown = f"《{name}》" if match.group(1) else name
                found.setdefault(shown, Reference(shown, clause_id))
    names = list(found)
    longest = [
        found[n] for n in names if not any(n != other and n in other for other in names)
    ]  # 负面清单 in 外商投资准入负面清单
    return tuple(longest)[:MAX_REFERENCES]
