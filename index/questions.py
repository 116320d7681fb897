"""Questions people would ask of each clause (data/questions/<doc_id>.jsonl), and their checks.

Each line: {"clause_id", "hash" (of the clause's whole text, see clause_hash), "lang": "zh"|"en", "question"}.
They bridge the words people use (批文, 人遗, "send profits home") and the words of the law: the bot searches
them as a retriever of their own. A row whose clause changed (hash differs) or vanished is stale and left out,
as a stale translation is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.schema import Clause

log = logging.getLogger(__name__)
QUESTIONS_DIR = "questions"
TRAINING_DIR = "training"  # questions written to teach the bot what the corpus does not answer
MIN_PER_CLAUSE, MAX_PER_CLAUSE = 3, 12  # the writers aim at 5-10; a short clause (施行日期) may have 3
_HAN = re.compile(r"[\u3400-\u9fff]")
# A figure stated in a question must be the clause's: digits (with their unit words) and Chinese-numeral amounts.
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class ClauseQuestion:
    clause_id: str  # empty for a question no clause answers (data/training)
    lang: str
    question: str


def questions_file(data_dir: Path, doc_id: str) -> Path:
    """Where a document's questions are kept."""
    return data_dir / QUESTIONS_DIR / f"{doc_id}.jsonl"


def clause_hash(text: str) -> str:
    """A short fingerprint of a clause's whole text: a question written for another wording is stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def full_texts(clauses: Iterable[Clause]) -> dict[str, str]:
    """clause_id -> the clause's whole text (parts of a long clause joined)."""
    out: dict[str, str] = {}
    for clause in clauses:
        out[clause.clause_id] = out.get(clause.clause_id, "") + clause.text
    return out


def read_rows(path: Path) -> list[dict]:
    """The rows of one questions file; a malformed line is an error naming the line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            for key in ("clause_id", "hash", "lang", "question"):
                if not isinstance(row[key], str):
                    raise TypeError(f"{key} must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        rows.append(row)
    return rows


def load_questions(data_dir: Path, clauses: Sequence[Clause]) -> tuple[ClauseQuestion, ...]:
    """The current questions of the given clauses (stale and unknown rows left out, counted in the log)."""
    texts = full_texts(clauses)
    hashes = {cid: clause_hash(text) for cid, text in texts.items()}
    out: list[ClauseQuestion] = []
    folder = data_dir / QUESTIONS_DIR
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            rows = read_rows(path)
        except ValueError as exc:
            log.warning("questions ignored: %s", exc)
            continue
        stale = 0
        for row in rows:
            if hashes.get(row["clause_id"]) != row["hash"]:
                stale += 1
                continue
            out.append(ClauseQuestion(row["clause_id"], row["lang"], row["question"].strip()))
        if stale:
            log.info("%s: %d questions of changed or removed clauses left out", path.name, stale)
    return tuple(dict.fromkeys(out))


def load_unanswerable(data_dir: Path) -> tuple[ClauseQuestion, ...]:
    """The near-miss and out-of-scope questions of data/training (questions the corpus does not answer: no
    clause_id), in file order."""
    out: list[ClauseQuestion] = []
    for path in sorted((data_dir / TRAINING_DIR).rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("lang") in ("zh", "en") and (question := str(row.get("question", "")).strip()):
                out.append(ClauseQuestion("", row["lang"], question))
    return tuple(out)


def check_questions(data_dir: Path, clauses: Sequence[Clause], doc_ids: Sequence[str] = ()) -> list[str]:
    """Problems in the questions files: every one makes a question useless or misleading.

    A question must belong to a current clause, be in its stated language, state no figure its clause lacks,
    and not repeat another question of the same clause; each searchable clause of a document that has a
    questions file needs at least MIN_PER_CLAUSE of them.
    """
    texts = full_texts(c for c in clauses if c.searchable)
    hashes = {cid: clause_hash(text) for cid, text in texts.items()}
    folder = data_dir / QUESTIONS_DIR
    paths = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if doc_ids:
        paths = [p for p in paths if p.stem in doc_ids]
        missing = set(doc_ids) - {p.stem for p in paths}
        problems = [f"{doc}: no questions file {QUESTIONS_DIR}/{doc}.jsonl" for doc in sorted(missing)]
    else:
        problems = []
    for path in paths:
        try:
            rows = read_rows(path)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        problems += _check_rows(path, rows, texts, hashes)
    return problems


def _check_rows(path: Path, rows: list[dict], texts: dict[str, str], hashes: dict[str, str]) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"{path.name}:{number} {row['clause_id']}"
        question = row["question"].strip()
        if row["clause_id"] not in texts:
            problems.append(f"{where}: no such searchable clause")
            continue
        if hashes[row["clause_id"]] != row["hash"]:
            problems.append(f"{where}: stale (the clause's text changed since the question was written)")
            continue
        problems += [f"{where}: {p}" for p in question_problems(row["lang"], question, texts[row["clause_id"]])]
        key = (row["clause_id"], re.sub(r"\W", "", question.lower()))
        if key in seen:
            problems.append(f"{where}: repeats another question of this clause")
        seen.add(key)
        counts[row["clause_id"]] = counts.get(row["clause_id"], 0) + 1
    document = path.stem
    for clause_id in texts:
        if clause_id.split("#")[0] == document and not MIN_PER_CLAUSE <= counts.get(clause_id, 0) <= MAX_PER_CLAUSE:
            problems.append(
                f"{path.name} {clause_id}: {counts.get(clause_id, 0)} questions "
                f"(want {MIN_PER_CLAUSE}-{MAX_PER_CLAUSE})"
            )
    return problems


def question_problems(lang: str, question: str, clause_text: str) -> list[str]:
    """What is wrong with one question of a clause: language, length, figures the clause does not state."""
    problems = []
    if lang not in ("zh", "en"):
        return [f"language {lang!r} is neither zh nor en"]
    has_han = bool(_HAN.search(question))
    if lang == "zh" and not has_han:
        problems.append("marked zh but has no Chinese")
    if lang == "en" and has_han:
        problems.append("marked en but contains Chinese characters")
    if not 4 <= len(question) <= 200:
        problems.append(f"length {len(question)} outside 4-200 characters")
    stated = set(_DIGITS.findall(clause_text))
    for figure in _DIGITS.findall(question):
        if figure not in stated and not _is_common_figure(figure, clause_text):
            problems.append(f"states {figure}, which the clause does not")
    return problems


def _is_common_figure(figure: str, clause_text: str) -> bool:
    """Digits the clause writes in Chinese numerals (第三条 ~ Article 3, 五年 ~ 5 years) are its figures too."""
    numerals = "零一二三四五六七八九十"
    value = int(float(figure)) if figure.replace(".", "", 1).isdigit() else -1
    if 0 <= value <= 10:
        return numerals[value] in clause_text or (value == 2 and "两" in clause_text)
    if 10 < value < 100:
        tens, ones = divmod(value, 10)
        written = ("" if tens == 1 else numerals[tens]) + "十" + (numerals[ones] if ones else "")
        return written in clause_text
    return False
