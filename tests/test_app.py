"""The web app without a browser: API routes, login, query log, clause lookup, HTML escaping, chat turns."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import app as app_module
from bot.contract import CONTRACT_KEYS
from core.schema import Answer, Citation, Clause, DocumentInfo
from tests.browser_support import STAFF_PASSWORD, base_settings, settings_with, shared_bot
from web import QueryLog, create_app
from web.answering import answer_events
from web.cards import answer_html, card_html, plain_answer, user_html
from web.console import facts_html, gaps_html
from web.i18n import LABELS, pick_lang
from web.lookup import ReferenceNotFound, catalogue_numbers, find_clause, label_key, outline
from web.querylog import LogEntry
from web.ui import converse

XSS = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def bot():
    return shared_bot()


@pytest.fixture
def querylog(tmp_path: Path) -> QueryLog:
    return QueryLog(tmp_path / "queries.sqlite3")


@pytest.fixture
def client(bot, tmp_path: Path) -> TestClient:
    settings = settings_with(tmp_path)
    with TestClient(create_app(bot, settings)) as test_client:
        yield test_client


# --- HTTP API -------------------------------------------------------------------------------------------


def test_ask_returns_the_answer_contract_and_logs_it(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "外资研发中心有什么资金支持？"})
    assert response.status_code == 200
    body = response.json()
    assert set(CONTRACT_KEYS) <= set(body)
    assert body["lang"] == "zh" and not body["declined"]
    assert "1000万元" in body["answer"]
    first = body["citations"][0]
    assert first["clause_id"] == "cp-measures-draft#四.(十二)"
    assert first["status"] == "draft_for_comments"
    assert any("征求意见稿" in w for w in body["warnings"])
    entry = client.app.state.querylog.get(int(body["id"]))
    assert (entry.channel, entry.status, entry.lang) == ("api", "answered", "zh")
    assert "cp-measures-draft#四.(十二)" in entry.clause_ids


def test_ask_in_english_and_forced_language(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "Is there funding for a multinational R&D centre?"}).json()
    assert body["lang"] == "en"
    assert "R&D" in body["answer"] and "draft" in " ".join(body["warnings"]).lower()
    forced = client.post("/api/ask", json={"question": "外资研发中心有什么资金支持？", "lang": "en"}).json()
    assert forced["lang"] == "en"


def test_feedback_reaches_the_log(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "火星移民政策是什么？"}).json()
    assert body["declined"]
    rating = {"id": int(body["id"]), "feedback_token": body["feedback_token"], "rating": -1, "comment": "需要火星政策"}
    ok = client.post("/api/feedback", json=rating)
    assert ok.status_code == 200
    entry = client.app.state.querylog.get(int(body["id"]))
    assert (entry.status, entry.feedback, entry.comment) == ("declined", -1, "需要火星政策")
    missing = {"id": 999999, "feedback_token": body["feedback_token"], "rating": 1}
    assert client.post("/api/feedback", json=missing).status_code == 404


@pytest.mark.parametrize(
    "payload",
    [{"question": ""}, {"question": "x", "lang": "fr"}, {"question": "x" * 200_000}, {}],
)
def test_ask_rejects_bad_requests(client: TestClient, payload: dict) -> None:
    assert client.post("/api/ask", json=payload).status_code == 422


def test_a_long_question_is_cut_with_a_note_not_refused(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "外资研发中心有什么资金支持？" + "请详细说明。" * 1000}).json()
    assert body["warnings"] and "前2000个字符" in " ".join(body["warnings"])


def test_a_failing_bot_gives_500_and_an_error_row(client: TestClient, bot, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot, "ask", broken)
    response = client.post("/api/ask", json={"question": "外资研发中心有什么资金支持？"})
    assert response.status_code == 500 and "boom" not in response.text
    assert client.app.state.querylog.recent(1)[0].status == "error"


def test_health(client: TestClient, bot) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["index_loaded"]
    assert body["retrievers"] == list(bot.index.retrievers) and "bm25" in body["retrievers"]
    assert body["documents"] == 15 and body["clauses"] > 500
    assert body["version"] == "0.1.0"


def test_cors_origins_come_from_settings(bot, tmp_path: Path) -> None:
    settings = settings_with(tmp_path, cors_origins="https://park.example, https://www.park.example")
    with TestClient(create_app(bot, settings)) as test_client:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        allowed = test_client.options("/api/ask", headers={"Origin": "https://park.example", **preflight})
        assert allowed.headers.get("access-control-allow-origin") == "https://park.example"
        other = test_client.get("/api/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# --- staff console access --------------------------------------------------------------------------------


def test_console_is_disabled_without_a_password(bot, tmp_path: Path) -> None:
    with TestClient(create_app(bot, settings_with(tmp_path, staff_password=""))) as test_client:
        for path in ("/staff", "/staff/", "/staff/config"):
            response = test_client.get(path)
            assert response.status_code == 503 and "POLICYBOT_STAFF_PASSWORD" in response.text


def test_console_needs_the_password(client: TestClient) -> None:
    assert client.get("/staff/config").status_code == 401
    wrong = client.post("/staff/login", data={"username": "staff", "password": "guess"})
    assert wrong.status_code >= 400
    right = client.post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD})
    assert right.status_code == 200
    config = client.get("/staff/config")
    assert config.status_code == 200 and "条款查询 · Clause lookup" in config.text


def test_public_page_holds_nothing_of_the_console(client: TestClient) -> None:
    config = client.get("/config").text
    page = client.get("/").text
    for text in (config, page):
        for console_only in ("坐席控制台", "Staff console", "Clause lookup", "fused rank", "/staff"):
            assert console_only not in text
    assert "中关村生命科学园" in config


# --- query log --------------------------------------------------------------------------------------------


def test_query_log_rows_feedback_and_gaps(querylog: QueryLog) -> None:
    answered = querylog.record(
        "外资研发中心有什么资金支持？", "zh", "answered", ["cp-measures-draft#四.(十二)"], 12.5, token="t-1"
    )
    declined = querylog.record("火星移民政策是什么？", "zh", "declined", [], 3.0)
    querylog.record("Is there funding?", "en", "error", [], 1.0, channel="api")
    assert querylog.feedback(answered, -1, token="t-1") and querylog.comment(
        answered, "  没有说申请流程  ", token="t-1"
    )
    gaps = querylog.gaps()
    assert [g.id for g in gaps] == [declined, answered]
    assert gaps[1].comment == "没有说申请流程" and gaps[1].clause_ids == ("cp-measures-draft#四.(十二)",)
    counts = querylog.counts()
    assert counts == {"answered": 1, "declined": 1, "error": 1, "helpful": 0, "not_helpful": 1}
    with pytest.raises(ValueError):
        querylog.record("q", "zh", "maybe")


def test_query_log_keeps_no_personal_data_and_expires_rows(querylog: QueryLog) -> None:
    with sqlite3.connect(querylog.path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(queries)")]
    assert columns == [
        "id",
        "asked_at",
        "channel",
        "question",
        "lang",
        "status",
        "clause_ids",
        "latency_ms",
        "feedback",
        "comment",
        "feedback_token",  # a sha256 of the answer's token, not of anything about the asker
    ]
    old = querylog.record("旧问题", "zh", "answered")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=querylog.retention_days + 1)
    assert querylog.purge(now=later) == 1 and querylog.get(old) is None
    forever = QueryLog(querylog.path, retention_days=0)
    forever.record("保留", "zh", "answered")
    assert forever.purge(now=later + dt.timedelta(days=3650)) == 0


# --- clause lookup ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def numbers() -> dict[str, str]:
    return catalogue_numbers(base_settings().data_dir)


@pytest.mark.parametrize(
    ("reference", "clause_id"),
    [
        ("003 四、（十二）", "cp-measures-draft#四.(十二)"),
        ("3 四（十二）", "cp-measures-draft#四.(十二)"),
        ("003 （十二）", "cp-measures-draft#四.(十二)"),
        ("药品管理法 第三十条", "drug-law#第三十条"),
        ("药品管理法第30条", "drug-law#第三十条"),
        ("《中华人民共和国药品管理法》第三十条", "drug-law#第三十条"),
        ("外商投资法 Article 16", "fil#第十六条"),
        ("外商投资法实施条例 第三条", "fil-impl#第三条"),
        ("fil 第三条", "fil#第三条"),
        ("主席令第三十一号 第三十条", "drug-law#第三十条"),
        ("cp-measures-draft#四.(十二)", "cp-measures-draft#四.(十二)"),
        ("Drug Administration Law art. 30", "drug-law#第三十条"),
        # Issue 19: what staff type (abbreviated names, bare and Arabic article numbers, a paragraph).
        ("医疗器械条例 第十八条", "md-reg#第十八条"),
        ("药品管理法 98", "drug-law#第九十八条"),
        ("药品管理法98条", "drug-law#第九十八条"),
        ("外资法 第4条", "fil#第四条"),
        ("人遗条例 第十条", "hgr-reg#第十条"),
        ("药品管理法 第98条第2款", "drug-law#第九十八条"),
        ("外商投资法实施条例 第4条", "fil-impl#第四条"),
    ],
)
def test_lookup_finds_the_clause(bot, numbers, reference: str, clause_id: str) -> None:
    found = find_clause(reference, bot.index.documents, bot.index.clauses, numbers)
    assert found.clause is not None and found.clause.clause_id == clause_id


def test_lookup_of_a_paragraph(bot, numbers) -> None:
    from web.console import lookup_html

    found = find_clause("药品管理法第98条第2款", bot.index.documents, bot.index.clauses, numbers)
    assert found.paragraph == 2
    html = lookup_html(found, bot, "", "in_force")
    shown = html.split('pb-paragraph" lang="zh">')[1].split("</div>")[0]
    assert shown.startswith("有下列情形之一的，为假药：") and "（四）" in shown and "劣药" not in shown
    with pytest.raises(ReferenceNotFound, match="no paragraph 9"):
        find_clause("药品管理法 第九十八条第九款", bot.index.documents, bot.index.clauses, numbers)


def test_catalogue_numbers_follow_the_seed_files(numbers) -> None:
    # The seed files were 000_… to 004_… in catalogue order; 003 was the draft measures.
    assert [numbers[d] for d in ("cp-pharma-plan", "cp-measures-draft", "lsp-overview")] == ["000", "003", "004"]
    assert len(numbers) == 15


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("医疗器械 第三条", "多个文件"),  # the device regulation, its measures and the Changping device plan
        ("999 第一条", "999"),
        ("药品管理法 第九百条", "没有"),
        ("火星条例 第一条", "没有找到"),
        ("（一）", "Name the document"),
    ],
)
def test_lookup_says_what_is_wrong(bot, numbers, reference: str, message: str) -> None:
    with pytest.raises(ReferenceNotFound, match=message):
        find_clause(reference, bot.index.documents, bot.index.clauses, numbers)


def test_lookup_of_a_document_alone_and_label_forms(bot, numbers) -> None:
    found = find_clause("药品管理法", bot.index.documents, bot.index.clauses, numbers)
    assert found.doc.doc_id == "drug-law" and found.clause is None
    assert label_key("四、（十二）") == label_key("四.(十二)") == label_key("四（十二）")
    assert label_key("第30条") == label_key("Article 30") == label_key("第三十条")


def test_outline_restores_parent_headings(bot) -> None:
    rows = outline(c for c in bot.index.clauses if c.doc_id == "cp-measures-draft")
    groups = [r for r in rows if not r.clause_id]
    assert any(r.label == "四、" and r.heading for r in groups)
    child = next(r for r in rows if r.clause_id == "cp-measures-draft#四.(十二)")
    assert child.depth == 1 and child.label == "（十二）"


# --- HTML --------------------------------------------------------------------------------------------------


def _evil_answer() -> Answer:
    doc = DocumentInfo("evil", f"标题{XSS}", "x.txt", title_en=f"Title {XSS}", doc_number=XSS, status="expired")
    clause = Clause("evil", f"evil#{XSS}", ("一、",), (), "", f"条款{XSS}", 0, 10)
    citation = Citation(1, clause, doc, "expired", label_en=XSS, text_en=f"English {XSS}")
    return Answer(f"问{XSS}", "en", f"Answer {XSS} [1]", False, (citation,), warnings=(f"Caution {XSS}",))


def test_everything_user_visible_is_escaped() -> None:
    answer = _evil_answer()
    rendered = answer_html(answer, lambda clause_id: f"full {XSS}") + user_html(answer.question)
    rendered += card_html(answer.citations[0], XSS, "zh")
    declined = answer_html(Answer(XSS, "zh", f"不知道{XSS}", True), lambda _: "")
    entry = LogEntry(1, "2026-11-23T10:00:00+00:00", "chat", XSS, "zh", "declined", (XSS,), 1.0, -1, XSS)
    console = facts_html(answer.citations[0].doc, "expired", "001") + gaps_html([entry], QUERY_COUNTS)
    for html_text in (rendered, declined, console):
        assert "<script>" not in html_text and "&lt;script&gt;" in html_text


QUERY_COUNTS = {"answered": 0, "declined": 1, "error": 0, "helpful": 0, "not_helpful": 1}


def test_answer_html_has_markers_cards_badges_and_the_prevails_note(bot) -> None:
    answer = bot.ask("Is there funding for a multinational R&D centre?")
    rendered = answer_html(answer, bot.index.full_text)
    assert '<span class="pb-ref"' in rendered and rendered.count('class="pb-card ') == len(answer.citations)
    assert "pb-badge-draft_for_comments" in rendered and "Draft for comments" in rendered
    assert "<details" in rendered and "the Chinese original prevails" in rendered
    assert '<div class="pb-warning"' in rendered  # visible without expanding anything
    assert "\n" not in rendered  # one HTML block for the chat's Markdown renderer
    copied = plain_answer(answer)
    assert copied.startswith(answer.text) and "[1]" in copied and "<span" not in copied


def test_declined_answer_names_the_contact(bot) -> None:
    answer = bot.ask("火星移民政策是什么？")
    rendered = answer_html(answer, bot.index.full_text)
    assert "pb-declined" in rendered and "政策文件中未找到答案" in rendered
    assert bot.settings.service_contact_zh in rendered


def test_interface_labels_and_language_choice() -> None:
    assert all(zh and en and zh != en for zh, en in LABELS.values())
    assert [pick_lang(x) for x in ("en-US", "zh-CN", "zh-TW", "de-DE", "")] == ["en", "zh", "zh", "en", "zh"]


# --- chat turns (what the Gradio events run) -------------------------------------------------------------


class StreamingBot:
    """The real bot with an LLM-like ask_stream: growing text, then the Answer."""

    def __init__(self, real) -> None:
        self.real = real
        self.index = real.index
        self.seen_history: tuple = ()

    def ask(self, question, lang=None, history=()):
        return self.real.ask(question, lang=lang)

    def ask_stream(self, question, lang=None, history=()):
        self.seen_history = tuple(history)
        answer = self.real.ask(question, lang=lang)
        yield answer.text[:5]
        yield answer.text[:20]
        yield answer


def test_a_chat_turn_streams_then_shows_cards_and_logs(bot, querylog: QueryLog) -> None:
    streaming = StreamingBot(bot)
    steps = list(converse(streaming, querylog, "外资研发中心有什么资金支持？", [], [], "en", False, {}))
    contents = [step[0][-1]["content"] for step in steps]
    assert "Looking up" in contents[0]  # before the first words, in the interface language
    assert "pb-streaming" in contents[1] and "pb-card" not in contents[1]
    final = steps[-1]
    chat, _box, history, ui_lang, locked, ids, plain, _row, offered = final
    assert "pb-card" in chat[-1]["content"] and chat[0]["role"] == "user"
    assert 2 <= len(offered) <= 3 and all("？" in q or "?" in q for q in offered)  # follow-ups, in Chinese
    assert ui_lang == "zh" and locked  # the first question set the interface language
    entry = querylog.get(ids[1][0])
    assert entry.status == "answered" and entry.question == "外资研发中心有什么资金支持？"
    assert plain.startswith("根据")
    follow_up = list(converse(streaming, querylog, "申请条件是什么？", chat, history, ui_lang, locked, ids))
    assert streaming.seen_history == (("外资研发中心有什么资金支持？", history[0][1]),)
    assert follow_up[-1][3] == "zh" and set(follow_up[-1][5]) == {1, 3}


def test_a_failing_chat_turn_shows_a_message_and_logs_an_error(bot, querylog: QueryLog) -> None:
    class Broken(StreamingBot):
        def ask_stream(self, question, lang=None, history=()):
            yield "部分"
            raise RuntimeError("llm down")

    steps = list(converse(Broken(bot), querylog, "外资研发中心有什么资金支持？", [], [], "zh", True, {}))
    assert "pb-error" in steps[-1][0][-1]["content"]
    assert querylog.recent(1)[0].status == "error"


def test_answer_events_without_streaming_or_history(bot) -> None:
    class Old:
        index = bot.index

        def ask(self, question, lang=None):  # an older bot: no history, no ask_stream
            return bot.ask(question, lang=lang)

    events = list(answer_events(Old(), "外资研发中心有什么资金支持？", None, [("q", "a")]))
    assert len(events) == 1 and isinstance(events[0], Answer)


def test_app_py_is_a_thin_entry_point() -> None:
    source = Path(app_module.__file__).read_text(encoding="utf-8")
    assert len(source.splitlines()) < 80 and "gradio" not in source
    with pytest.raises(SystemExit):
        app_module.main(["--help"])
