"""Build a document's clause tree from its own numbering; every character lands in one clause."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.schema import Clause, Document
from ingest.cleaning import visual_width
from ingest.numbering import ARTICLE_TYPES, INLINE_ENUM, Marker, cn_to_int, id_segment, match_marker

MAX_CLAUSE_CHARS = 600  # longer clauses are split at sentence ends into parts
_MAX_GAP = 3  # a number may skip at most this many (broken numbering), more is text
_ARTICLE_ORDER = {kind: i for i, kind in enumerate(ARTICLE_TYPES)}
_NOTICE_END = re.compile(r"^（此件.{0,12}）$")
_ATTACHMENT = re.compile(r"^附件\s*\d*$")
_CLOSING = re.compile(
    r"^本(?:行动计划|计划|若干措施|措施|方案|实施方案|办法|细则|规定|通知|意见|政策|条例|实施意见)"
    r".{0,40}(?:负责解释|起施行|起实施|有效期|废止)"
)
_DATE_LINE = re.compile(r"^(?:.{2,30}?\s*)?\d{4}年\d{1,2}月\d{1,2}日(?:印发|发布|公布)?$")
_SENTENCE_PUNCT = re.compile(r"[。，；：！？、“”]")
_SENTENCE_SPLIT = re.compile(r"(?<=[。；！？!?;])")


@dataclass
class _Level:
    kind: str
    number: int
    label: str
    heading: str
    id_segment: str


@dataclass
class _Node:
    start: int
    labels: tuple[str, ...]
    id_path: tuple[str, ...]
    headings: tuple[str, ...]
    heading: str
    kind: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Para:
    start: int
    text: str


def parse_clauses(document: Document, max_chars: int = MAX_CLAUSE_CHARS) -> list[Clause]:
    """The document's clauses in reading order; their texts tile the cleaned text exactly."""
    text = document.text
    paras = [_Para(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    nodes = _structure(paras)
    nodes = _expand_inline_enumerations(nodes, text)
    clauses: list[Clause] = []
    for node, (start, end) in zip(nodes, _spans(nodes, len(text)), strict=True):
        clauses.extend(_make_clauses(document, node, start, end, max_chars))
    return _attach_footnotes(clauses, document)


def _structure(paras: list[_Para]) -> list[_Node]:
    for builder in (_article_nodes, _outline_nodes, _section_nodes):
        body = builder(paras)
        if body is not None:
            break
    first_body = body[0].start if body else len(paras) and paras[-1].start + len(paras[-1].text)
    preamble = [p for p in paras if p.start < first_body]
    return _preamble_nodes(preamble) + body + []


def _article_nodes(paras: list[_Para]) -> list[_Node] | None:
    nodes = _walk(paras, _accept_article)
    articles = sum(1 for n in nodes if n.labels and n.labels[-1].endswith("条"))
    return _with_signature(nodes, paras) if articles >= 3 else None


def _outline_nodes(paras: list[_Para]) -> list[_Node] | None:
    nodes = _walk(paras, _accept_outline)
    if not nodes:
        return None
    nodes = _with_closing(nodes, paras)
    return _with_signature(nodes, paras)


def _walk(paras: list[_Para], accept) -> list[_Node]:
    stack: list[_Level] = []
    last_seen: dict[str, int] = {}
    nodes: list[_Node] = []
    for para in paras:
        marker = match_marker(para.text)
        if marker is None or not accept(marker, stack, last_seen):
            continue
        level = stack[-1]
        level.heading = _heading_of(para.text, marker)
        nodes.append(_node_for(para, stack, "heading" if _heading_only(para.text, marker) else "item"))
    return nodes


def _node_for(para: _Para, stack: list[_Level], kind: str) -> _Node:
    labels = tuple(level.label for level in stack)
    in_law = stack[-1].kind == "article"
    id_path = tuple(lv.id_segment for lv in stack if not (in_law and lv.kind in ("part", "chapter", "section")))
    headings = tuple(lv.heading for lv in stack[:-1] if lv.heading)
    return _Node(para.start, labels, id_path, headings, stack[-1].heading, kind)


def _accept_article(marker: Marker, stack: list[_Level], last_seen: dict[str, int]) -> bool:
    if marker.kind not in _ARTICLE_ORDER:
        return False
    if not _in_sequence(marker.number, last_seen.get(marker.kind, 0)):
        return False
    rank = _ARTICLE_ORDER[marker.kind]
    while stack and _ARTICLE_ORDER[stack[-1].kind] >= rank:
        stack.pop()
    if marker.kind in ("chapter", "part"):
        last_seen.pop("section", None)  # sections restart in each chapter
    _push(stack, last_seen, marker, marker.label)
    return True


def _accept_outline(marker: Marker, stack: list[_Level], last_seen: dict[str, int]) -> bool:
    kinds = [level.kind for level in stack]
    if marker.kind in ARTICLE_TYPES:
        return False
    if marker.kind == "dash":
        number = stack[kinds.index("dash")].number + 1 if "dash" in kinds else 1
        if "dash" in kinds:
            del stack[kinds.index("dash") :]
        _push(stack, last_seen, Marker("dash", number, f"——{number}", marker.end), f"——{number}")
        return True
    if marker.kind in kinds:
        index = kinds.index(marker.kind)
        if not _in_sequence(marker.number, stack[index].number, restart=False):
            return False
        del stack[index:]
    elif marker.number != 1 and not _in_sequence(marker.number, last_seen.get(marker.kind, 0)):
        return False
    _push(stack, last_seen, marker, marker.label)
    return True


def _in_sequence(number: int, previous: int, restart: bool = True) -> bool:
    return previous < number <= previous + _MAX_GAP or (restart and number == 1 and previous == 0)


def _push(stack: list[_Level], last_seen: dict[str, int], marker: Marker, label: str) -> None:
    stack.append(_Level(marker.kind, marker.number, label, "", id_segment(label)))
    last_seen[marker.kind] = marker.number


def _heading_of(paragraph: str, marker: Marker) -> str:
    """A short lead phrase: the whole line when it has no sentence, else its first sentence."""
    rest = paragraph[marker.end :].strip()
    if marker.kind in ("part", "chapter", "section"):
        return rest.replace(" ", "")
    if marker.kind == "article":
        return ""
    first = re.split(r"[。！？]", rest, maxsplit=1)[0]
    return first if 0 < len(first) <= 30 and first != rest or _heading_only_text(rest) else ""


def _heading_only(paragraph: str, marker: Marker) -> bool:
    rest = paragraph[marker.end :].strip()
    return marker.kind in ("part", "chapter", "section") or _heading_only_text(rest)


def _heading_only_text(rest: str) -> bool:
    return 0 < len(rest) <= 40 and not re.search(r"[。！？；]", rest)


def _preamble_nodes(paras: list[_Para]) -> list[_Node]:
    if not paras:
        return []
    split = None
    for i, para in enumerate(paras):
        if _NOTICE_END.match(para.text) and i + 1 < len(paras):
            split = i + 1
            break
        if _ATTACHMENT.match(para.text) and i > 0:
            split = i
            break

    def special(para: _Para, label: str, kind: str) -> _Node:
        return _Node(para.start, (label,), (label,), (), "", kind)

    if split is None:
        return [special(paras[0], "前言", "preamble")]
    return [special(paras[0], "印发通知", "notice"), special(paras[split], "前言", "preamble")]


def _with_closing(nodes: list[_Node], paras: list[_Para]) -> list[_Node]:
    """Interpretation / entry-into-force / repeal paragraphs after the body form the 附则 clause."""
    first = nodes[0].start
    for para in paras:
        if para.start > first and _CLOSING.match(para.text) and match_marker(para.text) is None:
            kept = [n for n in nodes if n.start < para.start]
            return [*kept, _Node(para.start, ("附则",), ("附则",), (), "", "closing")]
    return nodes


def _with_signature(nodes: list[_Node], paras: list[_Para]) -> list[_Node]:
    """The trailing signature / date / 抄送 block forms the 落款 clause."""
    block: list[_Para] = []
    for para in reversed(paras):
        if nodes and para.start <= nodes[-1].start or not _signature_like(para.text):
            break
        block.insert(0, para)
    if not any(_DATE_LINE.match(p.text) or p.text.startswith("抄送") for p in block):
        return nodes
    return [*nodes, _Node(block[0].start, ("落款",), ("落款",), (), "", "signature")]


def _signature_like(text: str) -> bool:
    if _DATE_LINE.match(text) or _NOTICE_END.match(text) or text.startswith(("抄送", "印发")):
        return True
    return visual_width(text) <= 40 and not _SENTENCE_PUNCT.search(text) and match_marker(text) is None


def _section_nodes(paras: list[_Para]) -> list[_Node]:
    """Documents without numbering: short stand-alone lines followed by prose are headings."""
    nodes: list[_Node] = []
    for i, para in enumerate(paras):
        following = paras[i + 1].text if i + 1 < len(paras) else ""
        if i > 0 and _is_unnumbered_heading(para.text, following):
            label = " ".join(para.text.split())
            nodes.append(_Node(para.start, (label,), (label.replace(" ", ""),), (), label, "item"))
    return _with_signature(_with_closing(nodes, paras), paras) if nodes else []


def _is_unnumbered_heading(text: str, following: str) -> bool:
    return (
        4 <= len(text) <= 24
        and not _SENTENCE_PUNCT.search(text)
        and not re.search(r"\d{4}年|[（(]", text)
        and visual_width(following) > 2 * visual_width(text)
    )


def _expand_inline_enumerations(nodes: list[_Node], text: str) -> list[_Node]:
    """一是…二是…三是… inside one item become its child clauses."""
    out: list[_Node] = []
    for node, (start, end) in zip(nodes, _spans(nodes, len(text)), strict=True):
        if node.kind == "heading" and "\n" in text[start:end].strip():
            node.kind = "item"  # a heading line followed by its own prose
        out.append(node)
        if node.kind != "item" or any(label.endswith("条") for label in node.labels):
            continue
        out.extend(_inline_children(node, text, start, end))
    return out


def _inline_children(node: _Node, text: str, start: int, end: int) -> list[_Node]:
    body = text[start:end]
    children: list[_Node] = []
    expected = 1
    for m in INLINE_ENUM.finditer(body):
        if cn_to_int(m.group(1)) != expected:
            continue
        label = f"{m.group(1)}是"
        headings = (*node.headings, node.heading) if node.heading else node.headings
        children.append(_Node(start + m.start(), (*node.labels, label), (*node.id_path, label), headings, "", "item"))
        expected += 1
    return children if len(children) >= 2 else []


def _spans(nodes: list[_Node], text_length: int) -> list[tuple[int, int]]:
    starts = [n.start for n in nodes]
    if not starts:
        return []
    return list(zip(starts, [*starts[1:], text_length], strict=True))


def _make_clauses(document: Document, node: _Node, start: int, end: int, max_chars: int) -> list[Clause]:
    text = document.text
    while end > start and text[end - 1].isspace():
        end -= 1
    pieces = _split_long(text, start, end, max_chars)
    clause_id = f"{document.doc_id}#{'.'.join(node.id_path)}"
    return [
        Clause(
            doc_id=document.doc_id,
            clause_id=clause_id,
            labels=node.labels,
            headings=node.headings,
            heading=node.heading,
            text=text[s:e],
            start=s,
            end=e,
            part=i,
            parts=len(pieces),
            kind=node.kind,
        )
        for i, (s, e) in enumerate(pieces, start=1)
    ]


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut at sentence ends into near-equal parts no longer than max_chars where possible."""
    length = end - start
    if length <= max_chars:
        return [(start, end)]
    count = -(-length // max_chars)
    ends = [start + m.end() for m in _SENTENCE_SPLIT.finditer(text[start:end])]
    ends += [start + m.start() + 1 for m in re.finditer("\n", text[start:end])]
    ends = sorted(set(e for e in ends if start < e < end))
    cuts: list[int] = []
    for k in range(1, count):
        ideal = start + k * length // count
        candidates = [e for e in ends if (cuts[-1] if cuts else start) + 80 < e < end - 80]
        if candidates:
            cuts.append(min(candidates, key=lambda e: abs(e - ideal)))
    bounds = [start, *sorted(set(cuts)), end]
    spans = []
    for s, e in zip(bounds, bounds[1:], strict=False):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        spans.append((s, e))
    return spans


def _attach_footnotes(clauses: list[Clause], document: Document) -> list[Clause]:
    if not document.footnotes:
        return clauses
    from dataclasses import replace

    out = []
    for clause in clauses:
        notes = tuple(f"[{n.number}] {n.text}" for n in document.footnotes if clause.start <= n.offset <= clause.end)
        out.append(replace(clause, notes=notes) if notes else clause)
    return out
