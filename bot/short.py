"""The short answer: the asked fact in the clause's own words, in one sentence before the quoted clauses.

What is asked (a sum, a duration, a count, a definition, the bodies responsible, what a document repeals, what
follows from a missed duty) is read from the parsed question, sub-question by sub-question; the short answer is,
for each, the clause-piece of a cited sentence that states it (split at ，；： so a long sentence gives only its
relevant clause), weighed with what leads up to it in its sentence, cited, and the span that states the fact is
marked (`highlights`: clause id and character offsets in the clause's whole text). A time limit comes with its
extension, a figure with a second one of its sentence that says what the first leaves out, a consequence with its
condition. Nothing is made up: when no cited sentence states the kind of fact asked, there is no short answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from bot.extractive import Extract
from bot.intent import COUNT, DEFINES, DURATION, MONEY, SHARE
from bot.render import with_chinese_amounts
from bot.retrieve import Concept, Query, concept_match, part_concepts
from core.schema import Ask, Highlight, Question
from index.glossary import english_key
from index.tokenize import normalise_query_text
from index.translations import chinese_numbers, spelled_chinese_numbers
from ingest import split_sentences

# What states each kind of asked fact, in the order a question's kinds are tried.
_AREA = r"\d[\d.]*\s*(?:平方公里|平方千米|万平方米|平方米|亩|公顷)"
STATES = (
    ("amount", re.compile(f"{MONEY.pattern}|{SHARE.pattern}|{_AREA}|\\d[\\d.]*\\s*万亿|不超过[^，。；]{{0,12}}")),
    ("duration", DURATION),
    ("count", COUNT),
    ("definition", DEFINES),
    ("body", re.compile(r"[^，。；（）()]{2,30}(?:部门|委员会|管委会|政府|局|厅|委)(?:负责|主管|审批|批准|备案)?")),
    ("history", re.compile(r"废止")),  # "which plan does it repeal": the piece naming what it repeals
    # What the law makes follow (视为同意, 不予办理, 处…罚款): said with the condition leading up to it.
    ("consequence", re.compile(r"视为|不予|罚款|责令|吊销|撤销|注销|没收|失效|自动废止")),
)
# Numbers a translation writes in words ("within five years").
_NUMBER_WORDS = dict(
    zip(
        ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "15", "20", "30", "60", "90"),
        (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "twelve",
            "fifteen",
            "twenty",
            "thirty",
            "sixty",
            "ninety",
        ),
        strict=True,
    )
)
_WORD_NUMBERS = frozenset(_NUMBER_WORDS.values())
_PIECE = re.compile(
    r"(?:[^，；：,;:（(]|[（(][^（）()]*[）)]|[（(])+[，；：,;:]?"
)  # a bracket is not cut: （包括配制，下同）
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# A clause's own number at the start of its first sentence (第二十二条, （十二）, Article 22) is not the answer.
_LABEL = re.compile(r"^(?:第[一二三四五六七八九十百零]+条|[（(][一二三四五六七八九十]+[）)]|Article \d+)\s*")
_WHOLE_PIECE = frozenset({"definition", "body", "history"})  # these facts are the whole piece, not a figure inside it
_CONDITION = re.compile(r"的[，,]$")
# How a translation says what the law makes follow (the English of the consequence pattern above).
_FOLLOWS = re.compile(r"\bdeemed\b|\bshall not\b|\bnot be\b|\bfined?\b|revok|cancel|confiscat|invalid|repeal", re.I)
_WITH_CONDITION = frozenset({"consequence"})  # ... and this one the piece with its condition (逾期未通知的，视为同意)
_FIGURES = ("amount", "duration", "count")
# 多大 / 多少 / 几 / how large: a figure of some kind is asked for, whatever its unit.
_ASKS_FIGURE = re.compile(
    r"多少|多大|多高|多长|多重|几[个年天月家项名]|目标|how (?:much|many|large|big|long|heavy|severe)|"
    r"\b(?:size|scale|targets?|fines?|penalty|penalties)\b",
    re.I,
)
# A point in time relative to another (届满6个月前, 之日起30日内 is a window: not relative) and the questions asking one.
_RELATIVE = re.compile(r"\s*(?:前|之前|以前|后|之后|以后)")
_ASKS_WHEN = re.compile(r"什么时候|何时|多久前|提前|\bwhen\b|how early|how soon|in advance|\bbefore\b", re.I)
# A penalty's figures (罚款 十万元, 十年内禁止从事) answer a question about penalties, not "how long does approval take".
_SANCTION = re.compile(r"罚款|罚金|吊销|没收|禁止从事|禁止其|不受理|处分|拘留")
_ASKS_SANCTION = re.compile(
    r"罚|处分|违法|违规|后果|penalt|\bfines?\b|sanction|punish|illegal|violat|consequence", re.I
)
# A time limit's extension, said with the limit (…20个工作日内作出决定；…可以延长10个工作日).
_EXTENDS = re.compile(r"延长|extend", re.I)
# "收入和产值" / "companies and scientists": one sub-question asking for two figures.
_JOINS = re.compile(r"[\u3400-\u9fff](?:和|及|与|以及|、)[\u3400-\u9fff]|how (?:many|much)\b[^?]*\band\b", re.I)
MAX_PARTS = 2  # sub-questions answered in the short answer; a third is left to the quoted clauses
MAX_PIECE_CHARS = 90  # a short answer longer than this is no longer short: the whole sentence is quoted below


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True)
class Piece:
    """A clause-piece of a sentence (split at ，；：) stating a kind of fact."""

    text: str  # its label (第二十二条) taken off
    context: str  # the piece with what leads up to it since the previous piece stating such a fact (what it is for)
    previous: str  # that previous fact ("" for the sentence's first): where an English context starts
    start: int  # the fact (or, for a definition or bodies, the whole piece): offsets in the sentence
    end: int


@dataclass(frozen=True)
class Found:
    """A piece of a cited sentence that states a kind of fact asked for."""

    kind: int  # its kind's place in STATES
    clause_id: str
    sentence: str
    position: int  # the sentence's index in its clause (for its translation)
    piece: Piece

    @property
    def name(self) -> str:
        """Its kind's name (amount, duration, ... consequence)."""
        return STATES[self.kind][0]

    @property
    def fact(self) -> str:
        return self.sentence[self.piece.start : self.piece.end]


@dataclass(frozen=True)
class Scored:
    """A found piece and how much of its sub-question it says."""

    found: Found
    covered: frozenset[str]  # the sub-question's concepts its context (or, in English, its translation) names
    share: float  # their weight, as a share of the sub-question's


@dataclass(frozen=True)
class Sources:
    """Where pieces are looked for: the cited clauses' sentences (quoted ones first), best-answering clause first."""

    query: Query
    candidates: list[tuple[str, str, int]]  # (clause id, sentence, its index in the clause)
    order: dict[str, int]
    full_text: Callable[[str], str]
    english: Callable[[str], tuple[str, ...]]

    def translation(self, found: Found) -> str:
        translated = self.english(found.clause_id) if self.query.question.lang == "en" else ()
        return translated[found.position] if found.position < len(translated) else ""


def short_answer(
    query: Query,
    extract: Extract,
    numbers: dict[str, int],
    full_text: Callable[[str], str],
    english: Callable[[str], tuple[str, ...]],
) -> ShortAnswer:
    """For each thing the question asks (at most MAX_PARTS), the piece stating it from the cited clauses: a figure
    in the unit asked first, then the best-answering clause, then the piece covering most of that sub-question;
    a piece a later sub-question says more about is left to it. `numbers` maps clause id -> [n]."""
    question = query.question
    order = {clause_id: i for i, clause_id in enumerate(extract.clause_ids)}
    sources = Sources(query, _candidates(extract, full_text), order, full_text, english)
    asks = _sub_questions(question)[:MAX_PARTS]
    texts: list[str] = []
    highlights: list[Highlight] = []
    facts: list[str] = []
    last: Scored | None = None
    for i, (part, joined) in enumerate(asks):
        if joined and last is None:
            continue
        ranked = _ranked(sources, part, highlights, last if joined else None)
        later = [r[0] for p, j in asks[i + 1 :] if not j and (r := _ranked(sources, p, highlights))]
        pick = _unclaimed(ranked, later)
        if pick is None or pick.found.fact in facts:
            continue  # the same fact from another clause says nothing new
        last = pick
        pieces = [pick.found]
        if not (i + 1 < len(asks) and asks[i + 1][1]):  # a joined second figure is asked for by itself
            pieces += _companions(sources, part, pick, highlights)
        for found in sorted(pieces, key=lambda f: (f.position, f.piece.start)):
            translated = english(found.clause_id)
            text = _render(question.lang, found, translated, numbers[found.clause_id])
            if text and text not in texts:
                texts.append(text)
                facts.append(found.fact)
                if highlight := _highlight(found.clause_id, full_text(found.clause_id), found):
                    highlights.append(highlight)
    return ShortAnswer(" ".join(texts) if question.lang == "en" else "".join(texts), tuple(highlights))


def _sub_questions(question: Question) -> list[tuple[Ask, bool]]:
    """The sub-questions to answer, each with whether it is the second figure of a join: a sub-question joining
    two things ("收入和产值", "companies and scientists") is asked twice, the second time from the same clause."""
    out: list[tuple[Ask, bool]] = []
    for part in question.parts or (Ask(question.text, question.asks),):
        out.append((part, False))
        if _JOINS.search(part.text):
            out.append((replace(part, unit=""), True))
    return out


def _unclaimed(ranked: list[Scored], later: list[Scored]) -> Scored | None:
    """The best piece that a later sub-question does not say more about ("How long is it valid, and when must we
    renew?": 有效期届满6个月前 is the renewal's, and the validity takes 有效期为5年)."""
    claims = {s.found.fact: s.share for s in later}
    return next((s for s in ranked if claims.get(s.found.fact, -1.0) <= s.share), None)


def _ranked(sources: Sources, part: Ask, taken: list[Highlight], joined_to: Scored | None = None) -> list[Scored]:
    """The pieces stating what one sub-question asks, best first, none an earlier one took; joined to a piece: only
    its kind, from its clause, scored by what that piece did not already say."""
    query = sources.query
    kinds = _kinds_asked(query.question, part)
    unit = re.compile(part.unit) if part.unit else None
    concepts = part_concepts(query, part)
    if joined_to is not None:
        concepts = tuple(c for c in concepts if c.name not in joined_to.covered) or concepts
    several = len(query.question.parts) > 1
    asks_when = bool(_ASKS_WHEN.search(part.text))
    asks_sanction = bool(_ASKS_SANCTION.search(query.question.text))
    scored = [
        _score(sources, concepts, Found(rank, clause_id, sentence, position, piece))
        for rank, (kind, pattern) in enumerate(STATES)
        if kind in kinds
        for clause_id, sentence, position in sources.candidates
        if joined_to is None or (rank == joined_to.found.kind and clause_id == joined_to.found.clause_id)
        for piece in _pieces(sentence, pattern, kind)
        if not _overlaps(clause_id, sources.full_text(clause_id), sentence, piece, taken)
        and (asks_sanction or kind not in _FIGURES or not _SANCTION.search(piece.context))
    ]
    return sorted(
        scored,
        key=lambda s: (
            not (unit and (unit.search(s.found.fact) or unit.match(s.found.sentence, s.found.piece.end))),
            bool(_EXTENDS.search(s.found.piece.text)),  # an extension is said with the limit it extends, not alone
            # "when / how early" is answered by a point relative to something (届满6个月前), "how long" by a period
            s.found.name == "duration" and asks_when != bool(_RELATIVE.match(s.found.sentence, s.found.piece.end)),
            s.found.kind,  # then the kinds in STATES order
            # then the best-answering clause, and the piece saying most of what the question names; one of
            # several sub-questions is answered by its own words first, wherever they are
            *(
                (-s.share, sources.order[s.found.clause_id])
                if several
                else (sources.order[s.found.clause_id], -s.share)
            ),
        ),
    )


def _kinds_asked(question: Question, part: Ask) -> frozenset[str]:
    """The kinds of fact (STATES) that answer a sub-question: those it asks; any figure for "多大" / "how large" /
    a unit named / a target ("how much money" asks a sum, not a count)."""
    any_figure = bool(part.unit) or (
        not part.asks & set(_FIGURES)
        and bool(
            _ASKS_FIGURE.search(part.text)
            or (not part.asks and question.quantities)  # a part asking something else is not about them
        )
    )
    return frozenset(part.asks) | (frozenset(_FIGURES) if any_figure else frozenset())


def _score(sources: Sources, concepts: tuple[Concept, ...], found: Found) -> Scored:
    """The concepts a piece's context names; an English question's words are read in the translation of that
    context too (in full: every candidate is from a cited clause, and the asker reads the translation)."""
    english = _english_context(found, sources.translation(found))
    stems = f" {' '.join(english_key(english))} " if english else ""
    text = normalise_query_text(found.piece.context)
    covered = frozenset(c.name for c in concepts if (c.english and c.english in stems) or concept_match(c, text) >= 1.0)
    total = sum(c.weight for c in concepts) or 1.0
    partial = sum(c.weight * concept_match(c, text) for c in concepts if c.name not in covered)
    return Scored(found, covered, (sum(c.weight for c in concepts if c.name in covered) + partial) / total)


def _companions(sources: Sources, part: Ask, pick: Scored, taken: list[Highlight]) -> list[Found]:
    """A second figure of the picked one's sentence (or of the piece completing it after ；) that says what the
    pick leaves out: a concept of the sub-question it does not name (一二期2.5平方公里… / 三期4.7平方公里), or a
    time limit's extension (可以延长10个工作日)."""
    found = pick.found
    kind, pattern = STATES[found.kind]
    if kind not in _FIGURES:
        return []
    same = {found.position, found.position + 1} if found.sentence.endswith("；") else {found.position}
    concepts = part_concepts(sources.query, part)
    for clause_id, sentence, position in sources.candidates:
        if clause_id != found.clause_id or position < found.position:
            continue
        for piece in _pieces(sentence, pattern, kind):
            other = Found(found.kind, clause_id, sentence, position, piece)
            if (position, piece.start) == (found.position, found.piece.start) or _overlaps(
                clause_id, sources.full_text(clause_id), sentence, piece, taken
            ):
                continue
            extends = _EXTENDS.search(piece.text) and kind == "duration"  # anywhere after the limit in its clause
            if extends or position in same and _score(sources, concepts, other).covered - pick.covered:
                return [other]
    return []


def _overlaps(clause_id: str, text: str, sentence: str, piece: Piece, taken: list[Highlight]) -> bool:
    at = text.find(sentence)
    start, end = at + piece.start, at + piece.end
    return any(h.clause_id == clause_id and h.start < end and start < h.end for h in taken)


def _candidates(extract: Extract, full_text: Callable[[str], str]) -> list[tuple[str, str, int]]:
    """(clause id, sentence, its index in the clause): the quoted sentences first, then the cited clauses' others."""
    chosen = [
        (clause_id, sentence, position)
        for clause_id, sentences, positions in zip(
            extract.clause_ids, extract.sentences, extract.positions, strict=True
        )
        for sentence, position in zip(sentences, positions, strict=True)
    ]
    taken = {(clause_id, position) for clause_id, _, position in chosen}
    rest = [
        (clause_id, sentence, position)
        for clause_id in extract.clause_ids
        for position, sentence in enumerate(split_sentences(full_text(clause_id)))
        if (clause_id, position) not in taken
    ]
    return chosen + rest


def _pieces(sentence: str, pattern: re.Pattern[str], kind: str) -> Iterator[Piece]:
    """Each clause-piece of a sentence stating the fact, with its context (the pieces leading up to it since the
    previous one stating such a fact: 支持引入…运营管理机构，…，给予…3000万元) and the offsets in the sentence of the
    fact (or of the whole piece, for a definition or the bodies responsible)."""
    since, previous, condition = 0, "", None
    for m in _PIECE.finditer(sentence):
        fact = pattern.search(m.group())
        if not fact:  # "逾期未通知的，": a condition (…的，) right before a consequence is said with it
            condition = (m.start() if condition is None else condition) if _CONDITION.search(m.group()) else None
            continue
        context, before = sentence[since : m.end()], previous
        since, previous = m.end(), fact.group()
        if len(m.group()) > MAX_PIECE_CHARS:
            continue
        begin = m.start()
        if kind in _WITH_CONDITION:
            begin = condition if condition is not None else m.end() - len(context)
            begin = begin if m.end() - begin <= MAX_PIECE_CHARS else m.start()
        condition = None
        label = _LABEL.match(sentence[begin:])
        skip = label.end() if label else 0
        text = sentence[begin : m.end()][skip:].rstrip("，；：,;:。")
        if kind in _WHOLE_PIECE | _WITH_CONDITION:
            yield Piece(text, context, before, begin + skip, begin + skip + len(text))
        else:
            yield Piece(text, context, before, m.start() + fact.start(), m.start() + fact.end())


def _highlight(clause_id: str, text: str, found: Found) -> Highlight | None:
    at = text.find(found.sentence)
    return Highlight(clause_id, at + found.piece.start, at + found.piece.end) if at >= 0 else None


def _fragments(english: str) -> list[str]:
    """An English sentence cut at , ; : (the pieces a Chinese sentence's clause-pieces translate to)."""
    return [p.strip(" ,;:") for p in re.split(r"(?<=[,;:])\s", _LABEL.sub("", english))]


def _fragment_of(fragments: list[str], chinese: str) -> int | None:
    """The first fragment writing the numbers of a Chinese figure, in digits or in words (five years)."""
    digits = _english_digits(chinese)
    digits |= {_NUMBER_WORDS[d] for d in digits if d in _NUMBER_WORDS}
    return next((i for i, p in enumerate(fragments) if digits & _numbers_in(p)), None) if digits else None


def _fragment_of_piece(fragments: list[str], found: Found) -> int | None:
    """The fragment writing the fact's numbers, else one writing any number of its piece."""
    at = _fragment_of(fragments, found.fact)
    return at if at is not None else _fragment_of(fragments, found.piece.text)


def _numbers_in(english: str) -> set[str]:
    return set(_DIGITS.findall(english)) | {w for w in re.findall(r"[a-z]+", english.lower()) if w in _WORD_NUMBERS}


def _english_context(found: Found, translation: str) -> str:
    """The translation of a piece's context: from after the previous figure's fragment to the fragment writing
    this one's numbers (the whole sentence when they cannot be found)."""
    fragments = _fragments(translation)
    at = _fragment_of_piece(fragments, found)
    if at is None:
        return translation
    before = _fragment_of(fragments[:at], found.piece.previous) if found.piece.previous else None
    return " ".join(fragments[(before + 1 if before is not None else 0) : at + 1])


def _render(lang: str, found: Found, translated: tuple[str, ...], number: int) -> str:
    if lang == "zh":
        return f"{found.piece.text}。[{number}]"
    if found.position >= len(translated):
        return ""  # no English for this sentence: the quoted Chinese below is the answer
    english = _LABEL.sub("", translated[found.position])
    if found.name in _WHOLE_PIECE | _WITH_CONDITION:
        # a definition, a body, a repeal, a consequence: its sentence (English runs about three times as long as
        # a Chinese piece), not the fragment that happens to hold a date
        match = english if len(english) <= 3 * MAX_PIECE_CHARS else ""
        if not match and found.name in _WITH_CONDITION:
            match = _aligned(found, english)
    elif len(english) <= 2 * MAX_PIECE_CHARS:
        match = english  # a whole sentence reads best when short
    else:
        fragments = _fragments(english)
        at = _fragment_of_piece(fragments, found)
        match = fragments[at] if at is not None else ""
    chosen = re.sub(r"^(?:and|or|but)\s+", "", match)
    if not chosen:
        return ""
    chosen = with_chinese_amounts(chosen[0].upper() + chosen[1:], found.sentence)  # RMB 10 million (1000万元)
    return f"{chosen.rstrip('.;,: ')}. [{number}]"


def _aligned(found: Found, english: str) -> str:
    """A consequence in a translation too long to give whole. Ending its sentence: as many fragments from the end
    as it has clause-pieces (a legal sentence keeps its order at the end: …，逾期未通知的，视为同意。 / …; if no
    notice is given within the time limit, consent shall be deemed…). Starting it: the fragments up to the one
    that says what follows (…, the market regulation department shall not process …)."""
    count = len(_PIECE.findall(found.piece.text))
    fragments = _fragments(english)
    if count >= len(fragments):
        return ""
    if found.sentence[found.piece.end :].strip("，；：,;:。 ") == "":
        return ", ".join(fragments[-count:])
    if found.sentence[: found.piece.start].strip() == "":
        follows = next((i for i, f in enumerate(fragments) if _FOLLOWS.search(f)), None)
        return ", ".join(fragments[: follows + 1]) if follows is not None else ""
    return ""


def _english_digits(chinese: str) -> set[str]:
    """The numbers an English rendering of a Chinese figure writes: 1000万元 -> 10 (million), 六十日 -> 60."""
    values = chinese_numbers(chinese) + spelled_chinese_numbers(chinese)
    scaled = [value / scale for value in values for scale in (1, 1e6, 1e9, 1e12) if value / scale >= 1]
    return set(_DIGITS.findall(chinese)) | {str(int(x)) if x.is_integer() else f"{x:g}" for x in scaled}
