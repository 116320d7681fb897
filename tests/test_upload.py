"""Issue 8, item 3: the staff console adds a document and the running app answers from the new index.

Each test runs on a copy of the park policies (tests/test_reliability.py's `small_data` / `live`
fixtures) with a real lexical index in a temp folder, and one app object that is never restarted.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import PolicyBot
from core.errors import IndexBusyError
from index import GLOSSARY_FILE, Glossary, rollback
from index.__main__ import add as cli_add
from index.lexical import LexicalIndex
from tests.browser_support import STAFF_PASSWORD
from tests.conftest import ROOT
from tests.fake_openai import FakeOpenAI
from tests.test_reliability import NEW_VERSION, live, small_data  # noqa: F401  (fixtures)
from web import create_app
from web.upload import BUSY, UNCHANGED, check_upload, confirm_upload, progress_html

NEW_DOCUMENT = """昌平区脑机接口产业创新发展支持办法

第一条 为推动脑机接口产业在生命科学园集聚发展，制定本办法。

第二条 对脑机接口临床转化平台建设给予最高600万元支持。

第三条 对首次取得脑机接口医疗器械注册证的企业给予一次性奖励300万元。

第四条 申报材料不得含有<script>标签。

第五条 本办法自印发之日起施行。
"""
NEW_QUESTION = "脑机接口临床转化平台有什么支持？"  # only the new document says 600万元
NEW_FACT = "600万元"
OLD_QUESTION = "外资研发中心有什么资金支持？"
OLD_FACT = "1000万元"  # cp-measures-draft 四、（十二）
WAIT = 120  # seconds for one lexical rebuild of six documents (about one second in practice)


@pytest.fixture
def staff(live, tmp_path: Path):  # noqa: F811
    """A running app (TestClient) on the small data copy, with the staff console enabled."""
    settings, index = live
    settings = replace(
        settings,
        staff_password=STAFF_PASSWORD,
        query_log_path=tmp_path / "queries.sqlite3",
        today="2026-11-23",
        rate_limit_per_minute=0,
    )
    bot = PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE))
    app = create_app(bot, settings)
    with TestClient(app) as client:
        yield client


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder and a hash of its bytes: equal snapshots = nothing changed."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _ask(client: TestClient, question: str) -> str:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()["answer"]


def _confirm(client: TestClient, path: Path) -> str:
    settings = client.app.state.updater.settings
    _html, key = check_upload(str(path), settings)
    assert key, _html
    html, started = confirm_upload(str(path), key, client.app.state.updater)
    assert started, html
    return html


# --- check: the clause tree for a good file, a clear refusal otherwise; nothing changes on disk ----------


def test_check_shows_the_clause_tree_and_changes_nothing(staff: TestClient, tmp_path: Path) -> None:
    settings = staff.app.state.updater.settings
    before = _snapshot(settings.data_dir)
    html, key = check_upload(str(_write(tmp_path, "bci-measures.txt", NEW_DOCUMENT)), settings)
    assert key
    for shown in ("bci-measures.txt", "昌平区脑机接口产业创新发展支持办法", "现行有效", "policies/bci-measures.txt"):
        assert shown in html
    assert html.index("第一条") < html.index("第二条") < html.index("第五条")  # the tree, in document order
    assert "&lt;script&gt;" in html and "<script>" not in html  # the file's text is escaped
    assert _snapshot(settings.data_dir) == before
    version_html, _ = check_upload(str(_write(tmp_path, "cp-measures-v2.txt", NEW_VERSION)), settings)
    assert "cp-measures-draft" in version_html and "superseded" in version_html  # says what it replaces


def _duplicate(data: Path, folder: Path) -> Path:
    return _write(folder, "renamed-copy.txt", (data / "policies" / "life-science-park-overview.txt").read_bytes())


def _exe_as_pdf(data: Path, folder: Path) -> Path:
    return _write(folder, "scan.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(4096))


def _over_the_limit(data: Path, folder: Path) -> Path:
    # Good text (accepted under the default limit): only POLICYBOT_MAX_UPLOAD_MB=1 can refuse it.
    return _write(
        folder, "long-plan.txt", NEW_DOCUMENT.replace("第五条", "本办法由区科委负责解释。" * 40_000 + "\n\n第五条")
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_duplicate, "duplicate: the same file is already in the corpus as policies/life-science-park-overview.txt"),
        (_exe_as_pdf, "not a PDF file"),
        (_over_the_limit, "over the 1 MB upload limit"),
    ],
    ids=["duplicate", "exe renamed pdf", "over the limit"],
)
def test_check_refuses_bad_files_naming_them(staff: TestClient, tmp_path: Path, make, reason: str) -> None:
    updater = staff.app.state.updater
    settings = replace(updater.settings, max_upload_mb=1)
    before = _snapshot(settings.data_dir)
    source = make(settings.data_dir, tmp_path)
    assert source.stat().st_size > 1024 * 1024 or make is not _over_the_limit
    html, key = check_upload(str(source), settings)
    assert key == "" and f"<strong>{source.name}</strong>" in html and reason in html and UNCHANGED in html
    assert str(tmp_path) not in html  # the server's temp path is not shown
    assert confirm_upload(str(source), key, updater)[1] is False
    assert not updater.running and _snapshot(settings.data_dir) == before


def test_confirm_refuses_a_file_other_than_the_checked_one(staff: TestClient, tmp_path: Path) -> None:
    updater = staff.app.state.updater
    before = _snapshot(updater.settings.data_dir)
    source = _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT)
    _html, key = check_upload(str(source), updater.settings)
    source.write_text(NEW_DOCUMENT.replace("600万元", "6000万元"), encoding="utf-8")  # changed after the check
    assert "press Check again" in confirm_upload(str(source), key, updater)[0]
    assert "press Check again" in confirm_upload(str(source), key, updater, name="other-name.txt")[0]
    assert not updater.running and _snapshot(updater.settings.data_dir) == before


# --- confirm: rebuild in the background, the same app answers from the new index ------------------------


def test_confirm_rebuilds_and_the_running_app_answers_from_the_new_index(staff: TestClient, tmp_path: Path) -> None:
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    assert NEW_FACT not in _ask(staff, NEW_QUESTION)
    started = _confirm(staff, _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT))
    assert "building" in started
    progress = updater.wait(WAIT)
    assert progress.state == "live", progress.message
    assert holder.current is not first_bot  # same app object, new bot: no restart
    clauses = len({c.clause_id for c in holder.current.index.clauses})
    assert f"Live</strong>: {clauses} clauses, " in progress_html(progress) and "added bci-measures" in progress.message
    assert "no LLM configured: searched by its own text" in progress.message  # and no questions file was made
    assert not (settings.data_dir / "questions" / "bci-measures.jsonl").exists()
    answer = staff.post("/api/ask", json={"question": NEW_QUESTION}).json()
    assert NEW_FACT in answer["answer"] and answer["citations"][0]["doc_id"] == "bci-measures"
    assert OLD_FACT in _ask(staff, OLD_QUESTION)  # the old documents are still there
    assert staff.get("/api/health").json()["documents"] == len(first_bot.index.documents) + 1
    assert (settings.data_dir / "policies" / "bci-measures.txt").read_text(encoding="utf-8") == NEW_DOCUMENT
    assert (settings.index_dir / "previous").resolve() == first_bot.index.folder  # kept for rollback
    # The public chat and the staff console follow too.
    chat = _gradio_call(staff, "", ["respond", NEW_QUESTION, [], [], "zh", True, {}])[0]
    assert NEW_FACT in "".join(part["text"] for part in chat[-1]["content"])
    staff.post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD})
    assert NEW_FACT in _gradio_call(staff, "/staff", ["on_lookup", "bci-measures 第二条"])[0]


def test_with_an_llm_the_add_flow_writes_the_questions_people_would_ask(live, tmp_path: Path) -> None:  # noqa: F811
    settings, index = live
    fake = FakeOpenAI().start()
    try:
        fake.script(
            "zh: 做脑机接口临床转化平台能拿多少钱？\nzh: 脑机接口平台补贴9999万元吗？\nen: Is there money for a BCI platform?"
        )
        settings = replace(
            settings,
            llm_base_url=fake.base_url,
            llm_model="test",
            llm_retries=0,
            today="2026-11-23",
            staff_password=STAFF_PASSWORD,
            query_log_path=tmp_path / "queries.sqlite3",
        )
        app = create_app(PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE)), settings)
        with TestClient(app) as client:
            html, key = check_upload(str(_write(tmp_path, "bci-measures.txt", NEW_DOCUMENT)), settings)
            assert "written clause by clause by the configured LLM" in html
            assert confirm_upload(str(tmp_path / "bci-measures.txt"), key, client.app.state.updater)[1]
            progress = client.app.state.updater.wait(WAIT)
    finally:
        fake.stop()
    assert progress.state == "live" and "questions people would ask written by the LLM" in progress.message
    rows = [json.loads(line) for line in (settings.data_dir / "questions" / "bci-measures.jsonl").open()]
    assert rows and not any("9999" in r["question"] for r in rows)  # a figure the clause lacks is dropped
    assert {r["clause_id"].split("#")[0] for r in rows} == {"bci-measures"}


def _gradio_call(client: TestClient, endpoint: str, data: list) -> list:
    """The final output of a Gradio event, through its HTTP call API (as a browser-less client would)."""
    event = client.post(f"{endpoint}/gradio_api/call/{data[0]}", json={"data": data[1:]})
    assert event.status_code == 200, event.text
    stream = client.get(f"{endpoint}/gradio_api/call/{data[0]}/{event.json()['event_id']}").text
    return [json.loads(line[5:]) for line in stream.splitlines() if line.startswith("data:")][-1]


def test_the_api_answers_from_the_old_index_while_a_rebuild_runs(
    staff: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    updater, holder = staff.app.state.updater, staff.app.state.bots
    first_bot = holder.current
    building, release = threading.Event(), threading.Event()
    real_save = LexicalIndex.save

    def slow_save(self, folder: Path) -> None:
        building.set()
        assert release.wait(WAIT), "the test never released the build"
        real_save(self, folder)

    monkeypatch.setattr(LexicalIndex, "save", slow_save)
    try:
        _confirm(staff, _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT))
        assert building.wait(WAIT) and updater.running
        with ThreadPoolExecutor(2) as pool:  # a blocked request fails the test instead of hanging it
            old, new = pool.submit(_ask, staff, OLD_QUESTION), pool.submit(_ask, staff, NEW_QUESTION)
            assert OLD_FACT in old.result(timeout=60) and NEW_FACT not in new.result(timeout=60)
        assert holder.current is first_bot and updater.progress.state == "building"
        # One rebuild at a time: a second confirm and a reload are refused while it runs.
        other = _write(tmp_path, "cp-measures-v2.txt", NEW_VERSION)
        html, started = confirm_upload(str(other), check_upload(str(other), updater.settings)[1], updater)
        assert BUSY in html and not started
        assert not updater.start_reload()
    finally:
        release.set()
    assert updater.wait(WAIT).state == "live"
    assert NEW_FACT in _ask(staff, NEW_QUESTION)
    assert not (updater.settings.data_dir / "policies" / "cp-measures-v2.txt").exists()


# --- failures: the live index, the data folder and the answers stay as they were -----------------------


def test_a_failed_build_changes_nothing_and_the_app_keeps_answering(
    staff: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    before, live_build = _snapshot(settings.data_dir), (settings.index_dir / "current").resolve()
    real_save = LexicalIndex.save

    def save_then_crash(self, folder: Path) -> None:
        real_save(self, folder)  # half a build on disk
        raise OSError("disk full")

    monkeypatch.setattr(LexicalIndex, "save", save_then_crash)
    # A new version: the catalogue change (old entry marked superseded) must be undone too.
    _confirm(staff, _write(tmp_path, "cp-measures-v2.txt", NEW_VERSION))
    progress = updater.wait(WAIT)
    assert progress.state == "failed" and "disk full" in progress.message
    assert "cp-measures-v2.txt was not added, the live index is unchanged" in progress.message
    assert _snapshot(settings.data_dir) == before
    assert (settings.index_dir / "current").resolve() == live_build
    assert not [p for p in (settings.index_dir / "builds").iterdir() if p.name.startswith(".tmp")]
    assert holder.current is first_bot and OLD_FACT in _ask(staff, OLD_QUESTION)


def test_a_new_index_that_cannot_answer_is_not_swapped_in(
    staff: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    before, live_build = _snapshot(settings.data_dir), (settings.index_dir / "current").resolve()

    def broken(self, question: str, lang: str | None = None):
        raise RuntimeError("cannot search")

    monkeypatch.setattr(PolicyBot, "hits_for", broken)  # the new bot's smoke search fails
    _confirm(staff, _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT))
    progress = updater.wait(WAIT)
    monkeypatch.undo()
    assert progress.state == "failed" and "could not be loaded (cannot search)" in progress.message
    assert "the live index is unchanged" in progress.message
    assert holder.current is first_bot and _snapshot(settings.data_dir) == before
    assert (settings.index_dir / "current").resolve() == live_build  # switched back on disk too
    assert OLD_FACT in _ask(staff, OLD_QUESTION) and NEW_FACT not in _ask(staff, NEW_QUESTION)


def test_reload_from_disk_follows_a_cli_add_and_rollback(staff: TestClient, tmp_path: Path) -> None:
    updater = staff.app.state.updater
    settings = updater.settings
    assert cli_add(settings, _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT), yes=True) == 0
    assert NEW_FACT not in _ask(staff, NEW_QUESTION)  # the app serves what it loaded until told to reload
    assert updater.start_reload() and updater.wait(WAIT).state == "live"
    assert NEW_FACT in _ask(staff, NEW_QUESTION)
    rollback(settings.index_dir)
    assert updater.start_reload() and updater.wait(WAIT).state == "live"
    assert NEW_FACT not in _ask(staff, NEW_QUESTION) and OLD_FACT in _ask(staff, OLD_QUESTION)


# --- access: only staff reach the upload ----------------------------------------------------------------

UPLOAD_UI = ("添加文件", "Add a document", '"pb-upload"', "Reload index from disk", "Confirm and rebuild")


def test_upload_needs_staff_credentials(staff: TestClient) -> None:
    data_dir = staff.app.state.updater.settings.data_dir
    before = _snapshot(data_dir)
    public = staff.get("/config").text + staff.get("/").text
    assert not [text for text in UPLOAD_UI if text in public]  # the public chat holds nothing of it
    file = {"files": ("bci-measures.txt", NEW_DOCUMENT.encode())}
    assert staff.get("/staff/config").status_code == 401
    assert staff.post("/staff/gradio_api/upload", files=file).status_code == 401
    join = {"data": [None, "", "policies", "x"], "fn_index": 0, "session_hash": "outsider"}
    assert staff.post("/staff/gradio_api/queue/join", json=join).status_code == 401
    assert staff.post("/staff/login", data={"username": "staff", "password": "guess"}).status_code >= 400
    assert staff.post("/staff/gradio_api/upload", files=file).status_code == 401
    assert _snapshot(data_dir) == before
    assert staff.post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD}).status_code == 200
    config = staff.get("/staff/config")
    assert config.status_code == 200 and all(text in config.text for text in UPLOAD_UI)
    assert staff.post("/staff/gradio_api/upload", files=file).status_code == 200  # it was the login that refused


def test_the_server_refuses_uploads_over_the_limit(live, tmp_path: Path) -> None:  # noqa: F811
    settings, index = live
    settings = replace(settings, staff_password=STAFF_PASSWORD, query_log_path=tmp_path / "q.sqlite3", max_upload_mb=1)
    bot = PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE))
    with TestClient(create_app(bot, settings)) as client:
        client.post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD})
        big = {"files": ("long-plan.txt", b"x" * (1024 * 1024 + 10))}
        assert client.post("/staff/gradio_api/upload", files=big).status_code == 413  # before any handler runs
        assert client.post("/staff/gradio_api/upload", files={"files": ("ok.txt", b"x" * 1000)}).status_code == 200


def test_without_a_staff_password_there_is_no_upload(live, tmp_path: Path) -> None:  # noqa: F811
    settings, index = live
    bot = PolicyBot(settings, index, Glossary.load(settings.data_dir / GLOSSARY_FILE))
    app = create_app(bot, replace(settings, staff_password="", query_log_path=tmp_path / "q.sqlite3"))
    assert app.state.updater is None
    with TestClient(app) as client:
        file = {"files": ("bci-measures.txt", NEW_DOCUMENT.encode())}
        assert client.post("/staff/gradio_api/upload", files=file).status_code in (404, 405, 503)
        assert client.get("/staff/config").status_code == 503


def test_an_update_elsewhere_blocks_a_console_add_and_a_cli_add(staff: TestClient, tmp_path: Path) -> None:
    """The CLI and the app share one lock in the index folder: two updates never race on data/ or `current`."""
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    before = _snapshot(settings.data_dir)
    holder_script = (
        "import sys, time; from pathlib import Path; from index import update_lock\n"
        "with update_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", holder_script, str(settings.index_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert other.stdout.readline().strip() == "locked"  # another process is updating now
        _confirm(staff, _write(tmp_path, "bci-measures.txt", NEW_DOCUMENT))
        progress = updater.wait(WAIT)
        assert progress.state == "failed" and "another index update is running" in progress.message
        with pytest.raises(IndexBusyError):
            cli_add(settings, _write(tmp_path, "bci-2.txt", NEW_DOCUMENT + "\n第六条 另。\n"), yes=True)
        assert _snapshot(settings.data_dir) == before and holder.current is first_bot
    finally:
        other.kill()
        other.wait()
    _confirm(staff, tmp_path / "bci-measures.txt")  # the lock is gone with its process
    assert updater.wait(WAIT).state == "live"
