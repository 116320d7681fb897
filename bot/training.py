"""Train the re-ranker and the answerability model: `python -m bot train`.

Data (never an evaluation set): answerable = the questions people would ask of each clause (data/questions);
unanswerable = near-miss questions per document and out-of-scope questions (data/training). A question whose own
row is in the index would match itself, so everything is computed fold by fold: each fold's questions are left
out of the questions index they are searched in (the clause's other questions stay, as paraphrases would).
The re-ranker learns which candidate is the clause a question was written for; the answerability model then
learns, from the re-ranked retrieval, whether a question is answerable. A fixed fifth of the rows (by hash) is
held out: the decline thresholds are chosen there, and held-out scores are recorded in each model file.
Same data, same files: the learners are deterministic.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.answerability import FEATURES, MODEL_FILE, AnswerabilityModel, features_of
from bot.ranker import RANKER_FILE, LinearRanker
from bot.retrieve import Retriever
from core.config import Settings
from index import ClauseIndex, Glossary, build_index
from index.glossary import GLOSSARY_FILE
from index.questions import QUESTIONS_DIR, TRAINING_DIR, ClauseQuestion, load_questions, load_unanswerable
from index.thesaurus import THESAURUS_FILE
from index.translations import load_translations
from ingest import Corpus, load_corpus

log = logging.getLogger(__name__)
FOLDS = 5
HELD_OUT = 5  # one row in five (by hash) is held out for thresholds and calibration
MAX_FALSE_DECLINES = 0.08  # on held-out answerable rows, per language: the false-decline budget issue 17 sets
REGULARISATION = 1.0  # scikit-learn's C
SURE_PRECISION = 0.90  # above the "sure" probability this share of held-out questions is answerable


@dataclass(frozen=True)
class Example:
    lang: str
    question: str
    answerable: bool
    fold: int
    clause_id: str = ""  # the clause an answerable question was written for


def examples(questions: tuple[ClauseQuestion, ...], unanswerable: tuple[ClauseQuestion, ...]) -> list[Example]:
    """Answerable rows (fold = position among its clause's questions) and unanswerable rows (fold = position)."""
    out: list[Example] = []
    seen: dict[str, int] = {}
    for row in questions:
        position = seen.get(row.clause_id, 0)
        seen[row.clause_id] = position + 1
        out.append(Example(row.lang, row.question, True, position % FOLDS, row.clause_id))
    out += [Example(row.lang, row.question, False, i % FOLDS) for i, row in enumerate(unanswerable)]
    return out


def held_out(example: Example) -> bool:
    return int(hashlib.sha256(example.question.encode()).hexdigest(), 16) % HELD_OUT == 0


@dataclass
class Fold:
    retriever: Retriever
    index: ClauseIndex


def build_folds(
    settings: Settings, corpus: Corpus, questions: tuple[ClauseQuestion, ...], rows: list[Example], workdir: Path
) -> list[Fold]:
    """One index per fold, its fold's questions left out of the questions index and of the unanswerable ones."""
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    translations = load_translations(settings.data_dir, corpus.clauses)
    fold_of = {(r.clause_id, r.question): r.fold for r in rows if r.answerable}
    folds = []
    for fold in range(FOLDS):
        kept = tuple(q for q in questions if fold_of.get((q.clause_id, q.question)) != fold)
        unanswerable = tuple(
            ClauseQuestion("", r.lang, r.question) for r in rows if not r.answerable and r.fold != fold
        )
        folder = workdir / f"fold-{fold}"
        index = build_index(corpus, folder, glossary, None, settings.hnsw_threshold, translations, kept)
        fold_settings = replace(settings, index_dir=folder)
        retriever = Retriever(index, glossary, fold_settings, LinearRanker.fused_only(), unanswerable)
        folds.append(Fold(retriever, index))
    return folds


def ranker_rows(folds: list[Fold], rows: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate features, whether each candidate is the question's own clause, and which question it came from."""
    features, labels, groups = [], [], []
    for number, row in enumerate(rows):
        if not row.answerable:
            continue
        retriever = folds[row.fold].retriever
        pool = retriever.candidates(retriever.parse(row.question, row.lang))
        if not any(c.clause_id == row.clause_id for c in pool.items):
            continue  # nothing to learn: the right clause is not among the candidates
        for candidate in pool.items:
            features.append(candidate.features)
            labels.append(candidate.clause_id == row.clause_id)
            groups.append(number)
    return np.array(features, dtype=np.float64), np.array(labels, dtype=int), np.array(groups)


def train_ranker(folds: list[Fold], rows: list[Example]) -> LinearRanker:
    from sklearn.linear_model import LogisticRegression

    features, labels, groups = ranker_rows(folds, rows)
    test = np.array([held_out(rows[g]) for g in groups])
    mean, scale = features[~test].mean(axis=0), features[~test].std(axis=0) + 1e-9
    learner = LogisticRegression(C=REGULARISATION, max_iter=2000)
    learner.fit((features[~test] - mean) / scale, labels[~test])
    coef = learner.coef_[0] / scale  # on the raw features, as the bot computes them
    intercept = float(learner.intercept_[0] - (coef * mean).sum())
    ranker = LinearRanker(tuple(float(c) for c in coef), intercept, {})
    scores = features @ coef
    langs = np.array([rows[g].lang for g in groups])
    by_lang = {
        f"held_out_hit_at_1_{lang}": _hit_at_1(
            scores[test & (langs == lang)], labels[test & (langs == lang)], groups[test & (langs == lang)]
        )
        for lang in ("zh", "en")
    }
    return replace(
        ranker,
        trained_on={
            "questions": int(len(set(groups.tolist()))),
            "candidates": int(len(labels)),
            "folds": FOLDS,
            "held_out_hit_at_1": _hit_at_1(scores[test], labels[test], groups[test]),
            "held_out_hit_at_1_fused_only": _hit_at_1(features[test][:, 0], labels[test], groups[test]),
            **by_lang,
            "data": data_fingerprint(folds[0].retriever.settings.data_dir),
        },
    )


def _hit_at_1(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Share of questions whose best-scored candidate is their own clause."""
    hits = [labels[groups == g][np.argmax(scores[groups == g])] for g in np.unique(groups)]
    return round(float(np.mean(hits)), 4) if hits else 0.0


def feature_rows(folds: list[Fold], rows: list[Example]) -> np.ndarray:
    """Each row's answerability features, computed in its own fold's index."""
    matrix = np.zeros((len(rows), len(FEATURES)), dtype=np.float64)
    for i, row in enumerate(rows):
        fold = folds[row.fold]
        values, _ = features_of(fold.retriever.search(row.question, row.lang), fold.index.full_text)
        matrix[i] = [values[name] for name in FEATURES]
    return matrix


def train_all(settings: Settings, ranker_out: Path = RANKER_FILE, model_out: Path = MODEL_FILE) -> tuple:
    """The re-ranker first (the answerability features are read from the re-ranked retrieval), then the model."""
    corpus = load_corpus(settings.data_dir)
    questions = load_questions(settings.data_dir, corpus.clauses)
    rows = examples(questions, load_unanswerable(settings.data_dir))
    with tempfile.TemporaryDirectory() as workdir:
        folds = build_folds(settings, corpus, questions, rows, Path(workdir))
        ranker = train_ranker(folds, rows)
        ranker.save(ranker_out)
        log.info("re-ranker trained: %s", ranker.trained_on)
        for fold in folds:
            fold.retriever.ranker = ranker
        model = train_answerability(settings, feature_rows(folds, rows), rows, model_out)
    return ranker, model


def train_answerability(settings: Settings, matrix: np.ndarray, rows: list[Example], out: Path) -> AnswerabilityModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

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
    sure = {
        lang: choose_sure(probabilities[test & (langs == lang)], labels[test & (langs == lang)])
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
            "sure_precision": SURE_PRECISION,
        },
        sure,
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


def choose_sure(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The lowest probability above which at least SURE_PRECISION of the held-out questions are answerable."""
    order = np.argsort(-probabilities)
    answerable = np.cumsum(labels[order]) / np.arange(1, len(order) + 1)
    good = np.nonzero(answerable >= SURE_PRECISION)[0]
    return float(probabilities[order][good[-1]]) if len(good) else 1.0


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
    paths = [*(data_dir / QUESTIONS_DIR).glob("*.jsonl"), *(data_dir / TRAINING_DIR).rglob("*.jsonl")]
    for path in sorted([*paths, data_dir / THESAURUS_FILE, data_dir / GLOSSARY_FILE]):
        if not path.exists():
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
