"""Questions per clause for an added document, written by the LLM (a real HTTP fake OpenAI server here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main as bot_main
from bot.expand import expand_document, parse_lines
from bot.llm import ChatLLM
from core.config import load_settings
from index.questions import QUESTIONS_DIR, check_questions, load_questions
from ingest import load_corpus
from tests.fake_openai import FakeOpenAI

REPLY = """zh: 外资研发中心能拿多少钱？
zh: 外企在昌平搞研发有补贴吗？
zh: 研发中心最多补5000万元吗？
en: Is there funding for a foreign R&D centre?
en: 外资 R&D?
something that is not a question line"""


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_reply_lines_are_read_by_language() -> None:
    assert parse_lines("zh: 问题一？\nEN： Question two?\nnoise") == [("zh", "问题一？"), ("en", "Question two?")]


def test_questions_are_written_checked_and_searchable(fake: FakeOpenAI, tmp_path: Path, data_dir: Path) -> None:
    fake.script(REPLY)
    settings = load_settings({}, llm_base_url=fake.base_url, llm_model="test", llm_retries=0)
    corpus = load_corpus(data_dir)
    clauses = [c for c in corpus.clauses_of("cp-measures-draft") if c.clause_id == "cp-measures-draft#四.(十二)"]
    kept, dropped = expand_document(ChatLLM(settings), clauses, "若干措施", tmp_path, progress=lambda _: None)
    assert (kept, dropped) == (3, 2)  # 5000万元 is not in the clause; Chinese in an English question
    rows = [json.loads(line) for line in (tmp_path / QUESTIONS_DIR / "cp-measures-draft.jsonl").open(encoding="utf-8")]
    assert [r["lang"] for r in rows] == ["zh", "zh", "en"]
    assert [q.question for q in load_questions(tmp_path, clauses)] == [r["question"] for r in rows]
    assert "<clause>" in fake.messages()["user"] and "1000万元" in fake.messages()["user"]
    assert not [p for p in check_questions(tmp_path, clauses) if "questions (want" not in p]


def test_without_an_llm_expand_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("POLICYBOT_LLM_BASE_URL", raising=False)
    assert bot_main(["expand", "fil"]) == 2
    assert "searched by its own text only" in capsys.readouterr().err
