"""The golden question set: load, validate, and decide whether a clause is the right one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("fact", "number", "list", "metadata", "compare", "unanswerable")
GOLDEN_FILE = Path(__file__).with_name("golden.jsonl")
# The three question sets: real questions people asked in public (the truth), the golden and held-out sets
# (regression gates). Each is scored and gated separately.
EVAL_SETS = {
    "golden": GOLDEN_FILE,
    "holdout": Path(__file__).with_name("holdout.jsonl"),
    "real": Path(__file__).with_name("real.jsonl"),
}


@dataclass(frozen=True)
class GoldenQuestion:
    id: str
    lang: str
    question: str
    answerable: bool
    evidence: tuple[str, ...]
    facts: tuple[tuple[str, ...], ...]
    kind: str
    doc_id: str | None = None


def load_golden(path: Path = GOLDEN_FILE) -> list[GoldenQuestion]:
    """Questions from a JSON Lines file; a malformed line is an error naming the line."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(_question(row))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
    ids = [q.id for q in out]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return out


def _question(row: dict) -> GoldenQuestion:
    if row["lang"] not in ("zh", "en") or row["kind"] not in KINDS:
        raise ValueError(f"bad lang/kind: {row['lang']!r}/{row['kind']!r}")
    if row["answerable"] and not row["evidence"]:
        raise ValueError(f"{row['id']}: an answerable question needs evidence")
    return GoldenQuestion(
        id=str(row["id"]),
        lang=row["lang"],
        question=str(row["question"]),
        answerable=bool(row["answerable"]),
        evidence=tuple(row.get("evidence") or ()),
        facts=tuple(tuple(group) for group in row.get("facts") or ()),
        kind=row["kind"],
        doc_id=row.get("doc_id") or row.get("doc"),  # real questions name it "doc"
    )


def squash(text: str) -> str:
    """Whitespace removed: how clause texts and evidence are compared."""
    return "".join(text.split())


def is_right_clause(clause_text: str, question: GoldenQuestion) -> bool:
    text = squash(clause_text)
    return any(squash(e) in text for e in question.evidence)


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))


def has_fact(answer_text: str, group: tuple[str, ...]) -> bool:
    """A form occurs in the answer: whitespace, case and the kind of dash (3–5, 3-5, 3—5) do not matter."""
    text = squash(answer_text).lower().translate(_DASHES)
    return any(squash(form).lower().translate(_DASHES) in text for form in group)
