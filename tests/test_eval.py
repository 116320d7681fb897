"""The golden set is valid against the corpus, the harness measures what it says, and the gate holds."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot import PolicyBot
from core.config import load_settings
from core.schema import Answer, Citation, Hit
from eval import load_golden, run_golden, score, summarise
from eval.__main__ import main as eval_main
from eval.gate import GATE_DAY, load_baseline, regressions
from eval.golden import EVAL_SETS, GoldenQuestion, squash
from eval.run import eval_settings

GOLDEN = load_golden()
HOLDOUT = load_golden(EVAL_SETS["holdout"])  # never tuned on
REAL = load_golden(EVAL_SETS["real"])  # asked in public by real people: the truth


@pytest.fixture(scope="module")
def eval_bot(tmp_path_factory: pytest.TempPathFactory) -> PolicyBot:
    settings = load_settings({}, index_dir=tmp_path_factory.mktemp("index"), embed_model="none", today=GATE_DAY)
    return PolicyBot.from_settings(eval_settings(settings))


def test_golden_set_has_the_promised_shape() -> None:
    by_lang = Counter(q.lang for q in GOLDEN)
    unanswerable = Counter(q.lang for q in GOLDEN if not q.answerable)
    assert len(GOLDEN) >= 160 and by_lang["zh"] >= 60 and by_lang["en"] >= 60
    assert sum(q.kind in ("metadata", "compare") for q in GOLDEN) >= 10
    assert unanswerable["zh"] >= 15 and unanswerable["en"] >= 15
    assert all(q.kind == "unanswerable" for q in GOLDEN if not q.answerable)
    assert not [q.id for q in GOLDEN if q.lang == "en" and re.search(r"[\u3400-\u9fff]", q.question)]
    assert len({q.doc_id for q in GOLDEN if q.doc_id}) == 15  # every document is asked about


# Real questions' evidence was copied by others from the corpus: a few strings run a little longer.
@pytest.mark.parametrize(
    ("questions", "longest"), [(GOLDEN, 30), (HOLDOUT, 30), (REAL, 40)], ids=["golden", "holdout", "real"]
)
def test_every_evidence_string_is_in_the_corpus(corpus, questions, longest) -> None:
    # Source text = clauses (parts joined) plus document header lines such as adoption dates.
    texts = [squash(c.text) for c in corpus.clauses]
    texts += [squash(line) for doc in corpus.documents for line in doc.metadata_lines]
    joined = {c.clause_id: "" for c in corpus.clauses}
    for clause in corpus.clauses:
        joined[clause.clause_id] += squash(clause.text)
    missing = []
    for q in questions:
        assert not q.answerable or any(any(squash(e) in t for t in joined.values()) for e in q.evidence), q.id
        for evidence in q.evidence:
            assert 8 <= len(evidence) <= longest, (q.id, evidence)
            if not any(squash(evidence) in t for t in (*texts, *joined.values())):
                missing.append((q.id, evidence))
    assert not missing


def test_metrics_on_a_constructed_answer(eval_bot: PolicyBot) -> None:
    q = GoldenQuestion(
        "t1", "zh", "外资研发中心有什么资金支持？", True, ("不超过1000万元的资金支持",), (("1000万",),), "number"
    )
    right = eval_bot.index.first_part("cp-measures-draft#四.(十二)")
    wrong = eval_bot.index.first_part("cp-measures-draft#一.(一)")
    doc = eval_bot.index.documents["cp-measures-draft"]
    answer = Answer(
        q.question,
        "zh",
        "……给予不超过1000万元的资金支持[2]",
        False,
        citations=(Citation(1, wrong, doc, "draft_for_comments"), Citation(2, right, doc, "draft_for_comments")),
        retrieved=(Hit(wrong, 2.0, "bm25"), Hit(right, 1.0, "bm25")),
    )
    metrics = score(q, answer, eval_bot.index.full_text)["metrics"]
    assert metrics["hit@1"] == 0.0 and metrics["hit@3"] == 1.0 and metrics["mrr@10"] == 0.5
    assert metrics["citation_precision"] == 0.5 and metrics["citation_hit"] == 1.0 and metrics["fact_recall"] == 1.0
    declined = Answer(q.question, "zh", "抱歉", True, retrieved=answer.retrieved)
    metrics = score(q, declined, eval_bot.index.full_text)["metrics"]
    assert metrics["false_decline_rate"] == 1.0 and metrics["citation_hit"] == 0.0 and metrics["fact_recall"] == 0.0


@pytest.mark.parametrize("name", list(EVAL_SETS))
def test_scores_hold_the_baseline(eval_bot: PolicyBot, name: str) -> None:
    summary = summarise(run_golden(eval_bot, load_golden(EVAL_SETS[name])))
    assert not regressions(summary, load_baseline()[name])


def test_real_questions_have_sources_and_reasons() -> None:
    assert all(q.question and q.doc_id for q in REAL if q.answerable)
    rows = [json.loads(line) for line in EVAL_SETS["real"].read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(row["source"].startswith("http") for row in rows)
    assert all(row.get("why") for row in rows if not row["answerable"])  # why the corpus cannot answer it
    asked = {squash(q.question) for q in (*GOLDEN, *HOLDOUT)}
    assert not [row["id"] for row in rows if squash(row["question"]) in asked]  # never a golden or held-out one


def test_gate_notices_a_regression() -> None:
    baseline = {"overall": {"hit@5": 0.80, "false_decline_rate": 0.10}}
    summary = {"overall": {"hit@5": 0.77, "false_decline_rate": 0.13}, "by_lang": {}}
    assert len(regressions(summary, baseline)) == 2
    summary = {"overall": {"hit@5": 0.79, "false_decline_rate": 0.11}, "by_lang": {}}
    assert not regressions(summary, baseline)


def test_eval_run_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    golden = tmp_path / "mini.jsonl"
    rows = [q for q in GOLDEN if q.id in ("zh-001", "zh-085", "en-001")]
    golden.write_text(
        "\n".join(json.dumps({**q.__dict__, "evidence": list(q.evidence)}, ensure_ascii=False) for q in rows),
        encoding="utf-8",
    )
    monkeypatch.setenv("POLICYBOT_EMBED_MODEL", "none")
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(tmp_path / "index"))
    assert eval_main(["run", "--golden", str(golden), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    results = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["zh-001", "zh-085", "en-001"]
    assert {"retrieved", "citations", "metrics", "answer", "expected"} <= results[0].keys()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["questions"] == 3 and "zh" in summary["by_lang"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| overall | 3 |" in report and (out / "chart.png").stat().st_size > 1000


def test_a_broken_golden_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    golden = tmp_path / "bad.jsonl"
    golden.write_text('{"id": "x", "lang": "fr"}\n', encoding="utf-8")
    assert eval_main(["run", "--golden", str(golden)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_fact_forms_ignore_the_kind_of_dash() -> None:
    from eval.golden import has_fact

    assert has_fact("新获批上市创新药3–5个", ("3-5",)) and has_fact("Beijing‑Tianjin‑Hebei", ("Beijing-Tianjin-Hebei",))
    assert not has_fact("3 or 5", ("3-5",))
