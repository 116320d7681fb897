"""Train the answerability model: `python -m bot train-answerability [--out FILE]`.

Data (never an evaluation set): answerable = the questions people would ask of each clause (data/questions);
unanswerable = near-miss questions per document and out-of-scope questions (data/training). A question whose own
row is in the index would match itself, so features are computed fold by fold: each fold's questions are left
out of the questions index they are searched in. A fixed fifth of the rows (by hash) is held out: the per-language
thresholds are chosen there, and the held-out ROC AUC and calibration error are recorded in the model file.
Same data, same file: no randomness beyond fixed seeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.answerability import FEATURES, MODEL_FILE, AnswerabilityModel, features_of
from bot.retrieve import Retriever
from core.config import Settings
from index import Glossary, build_index
from index.glossary import GLOSSARY_FILE
from index.questions import ClauseQuestion, load_questions
from index.translations import load_translations
from ingest import load_corpus

log = logging.getLogger(__name__)
TRAINING_DIR = "training"
FOLDS = 5
HELD_OUT = 5  # one row in five (by hash) is held out for thresholds and calibration
MAX_FALSE_DECLINES = 0.04  # on held-out answerable rows, per language: a false decline leaves the asker with nothing
REGULARISATION = 1.0  # scikit-learn's C


@dataclass(frozen=True)
class Example:
    lang: str
    question: str
    answerable: bool
    fold: int
    clause_id: str = ""  # the clause an answerable question was written for


def examples(data_dir: Path, questions: tuple[ClauseQuestion, ...]) -> list[Example]:
    """Answerable rows (fold = position among its clause's questions) and unanswerable rows (fold = position)."""
    out: list[Example] = []
    seen: dict[str, int] = {}
    for row in questions:
        position = seen.get(row.clause_id, 0)
        seen[row.clause_id] = position + 1
        out.append(Example(row.lang, row.question, True, position % FOLDS, row.clause_id))
    negatives = sorted((data_dir / TRAINING_DIR).rglob("*.jsonl"))
    count = 0
    for path in negatives:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("lang") in ("zh", "en") and str(row.get("question", "")).strip():
                out.append(Example(row["lang"], row["question"].strip(), False, count % FOLDS))
                count += 1
    return out


def held_out(example: Example) -> bool:
    return int(hashlib.sha256(example.question.encode()).hexdigest(), 16) % HELD_OUT == 0


def feature_rows(settings: Settings, rows: list[Example]) -> np.ndarray:
    """Each row's features, computed with its own fold's questions left out of the index."""
    corpus = load_corpus(settings.data_dir)
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    translations = load_translations(settings.data_dir, corpus.clauses)
    questions = load_questions(settings.data_dir, corpus.clauses)
    fold_of = {(r.clause_id, r.question): r.fold for r in rows if r.answerable}
    matrix = np.zeros((len(rows), len(FEATURES)), dtype=np.float64)
    for fold in range(FOLDS):
        kept = tuple(q for q in questions if fold_of.get((q.clause_id, q.question)) != fold)
        with tempfile.TemporaryDirectory() as folder:
            index = build_index(corpus, Path(folder), glossary, None, settings.hnsw_threshold, translations, kept)
            retriever = Retriever(index, glossary, replace(settings, index_dir=Path(folder)))
            for i, row in enumerate(rows):
                if row.fold != fold:
                    continue
                values, _ = features_of(retriever.retrieve(row.question, row.lang), index.full_text)
                matrix[i] = [values[name] for name in FEATURES]
        log.info("fold %d of %d done", fold + 1, FOLDS)
    return matrix


def train(settings: Settings, out: Path = MODEL_FILE) -> AnswerabilityModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    corpus = load_corpus(settings.data_dir)
    rows = examples(settings.data_dir, load_questions(settings.data_dir, corpus.clauses))
    matrix = feature_rows(settings, rows)
    labels = np.array([r.answerable for r in rows], dtype=int)
    test = np.array([held_out(r) for r in rows])
    mean, scale = matrix[~test].mean(axis=0), matrix[~test].std(axis=0) + 1e-9
    learner = LogisticRegression(C=REGULARISATION, max_iter=1000)
    learner.fit((matrix[~test] - mean) / scale, labels[~test])
    probabilities = learner.predict_proba((matrix - mean) / scale)[:, 1]
    langs = np.array([r.lang for r in rows])
    thresholds = {
        lang: choose_threshold(probabilities[test & (langs == lang)], labels[test & (langs == lang)])
        for lang in ("zh", "en")
    }
    held = {
        "roc_auc": round(float(roc_auc_score(labels[test], probabilities[test])), 4),
        "ece": round(expected_calibration_error(probabilities[test], labels[test]), 4),
        **{
            f"{lang}_{name}": value
            for lang in ("zh", "en")
            for name, value in rates(
                probabilities[test & (langs == lang)], labels[test & (langs == lang)], thresholds[lang]
            ).items()
        },
    }
    model = AnswerabilityModel(
        FEATURES,
        tuple(float(x) for x in mean),
        tuple(float(x) for x in scale),
        tuple(float(x) for x in learner.coef_[0]),
        float(learner.intercept_[0]),
        thresholds,
        {
            "answerable": int(labels.sum()),
            "unanswerable": int(len(labels) - labels.sum()),
            "held_out_rows": int(test.sum()),
            "folds": FOLDS,
            "max_false_declines": MAX_FALSE_DECLINES,
            "held_out": held,
            "data": data_fingerprint(settings.data_dir),
        },
    )
    model.save(out)
    return model


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The highest threshold that falsely declines at most MAX_FALSE_DECLINES of the held-out answerable rows."""
    answerable = np.sort(probabilities[labels == 1])
    if not len(answerable):
        return 0.5
    allowed = int(MAX_FALSE_DECLINES * len(answerable))
    return float(answerable[allowed])  # rows strictly below it are declined: at most `allowed` of them


def rates(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    declined = probabilities < threshold
    return {
        "decline_accuracy": round(float(declined[labels == 0].mean()), 4) if (labels == 0).any() else 0.0,
        "false_declines": round(float(declined[labels == 1].mean()), 4) if (labels == 1).any() else 0.0,
    }


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Mean |predicted - observed| over equal-width probability bins, weighted by the rows in each bin."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (probabilities >= low) & ((probabilities < high) | (high == 1.0))
        if inside.any():
            total += inside.sum() * abs(probabilities[inside].mean() - labels[inside].mean())
    return float(total / max(1, len(labels)))


def data_fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([*(data_dir / "questions").glob("*.jsonl"), *(data_dir / TRAINING_DIR).rglob("*.jsonl")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
