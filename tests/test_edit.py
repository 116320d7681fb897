"""Issue 19: the staff console (and `python -m index edit|unpublish|publish`) corrects a document's catalogue
facts and unpublishes it: the exact catalog.yaml diff first, a confirm step, an atomic write under the
cross-process update lock, a background rebuild, and the running app answers from it.

Each test runs on a copy of the park policies (tests/test_reliability.py's fixtures) with a real lexical
index in a temp folder, and one app object that is never restarted (tests/test_upload.py's `staff`).
"""

from __future__ import annotations

import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from core.errors import CatalogError
from index import GLOSSARY_FILE, Glossary, build_index, load_index, open_index
from index.__main__ import main as index_main
from ingest import load_corpus
from ingest.catalog import CATALOG_FILE, load_catalog
from ingest.edit import EditError, apply_edit, plan_edit
from tests.browser_support import STAFF_PASSWORD
from tests.conftest import ROOT
from tests.test_reliability import live, small_data  # noqa: F401  (fixtures)
from tests.test_upload import NEW_DOCUMENT, OLD_FACT, OLD_QUESTION, WAIT, _snapshot, _write, staff  # noqa: F401
from web.editing import UNCHANGED, confirm_edit, document_options, form_values, preview_edit
from web.updates import Updater

DRAFT = "cp-measures-draft"  # answers OLD_QUESTION with OLD_FACT (四、（十二）)


def _catalogue(settings) -> dict:
    entries = yaml.safe_load((settings.data_dir / CATALOG_FILE).read_text(encoding="utf-8"))["documents"]
    return {e["id"]: e for e in entries}


def _cited(client: TestClient, question: str = OLD_QUESTION) -> list[dict]:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()["citations"]


def _save(updater: Updater, doc_id: str, values: dict) -> str:
    """Show the change, confirm it, wait for the rebuild: the final progress message."""
    html, key = preview_edit(updater.settings, doc_id, values)
    assert key, html
    html, started = confirm_edit(updater, doc_id, values, key)
    assert started, html
    progress = updater.wait(WAIT)
    assert progress.state == "live", progress.message
    return progress.message


# --- show the change: the exact diff, escaped; nothing is written ----------------------------------------


def test_preview_shows_the_exact_escaped_diff_and_changes_nothing(staff: TestClient) -> None:  # noqa: F811
    settings = staff.app.state.updater.settings
    before = _snapshot(settings.data_dir)
    html, key = preview_edit(settings, DRAFT, {"doc_number": "昌园委发〔2026〕9号", "title_en": "<script>x</script>"})
    assert key
    assert '<span class="pb-diff-del">-    doc_number: null</span>' in html
    assert '<span class="pb-diff-add">+    doc_number: &quot;昌园委发〔2026〕9号&quot;</span>' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert html.count("pb-diff-add") == 2 and html.count("pb-diff-del") == 2  # only these two lines change
    assert _snapshot(settings.data_dir) == before


def test_the_form_starts_from_the_facts_as_they_stand(staff: TestClient) -> None:  # noqa: F811
    settings = staff.app.state.updater.settings
    values = form_values(settings, "cp-pharma-plan")
    assert values[0] == "昌平区医药健康产业高质量发展行动计划（2026—2028年）" and "2028-12-31" in values
    assert values[-3] == "in_force" and values[-1] is True  # status, note, published
    options = dict((doc_id, label) for label, doc_id in document_options(settings, {}))
    assert options[DRAFT].startswith("003 · ") and "unpublished" not in options[DRAFT]


# --- bad input: a clear message, and nothing changes ----------------------------------------------------


@pytest.mark.parametrize(
    ("doc_id", "values", "reason"),
    [
        (DRAFT, {"status": "withdrawn"}, "unknown status 'withdrawn'"),
        (DRAFT, {"date_issued": "2026/04/01"}, "date_issued: '2026/04/01' is not a date written YYYY-MM-DD"),
        (DRAFT, {"valid_until": "2026-02-30"}, "valid_until: '2026-02-30' is not a date"),
        (DRAFT, {"title": "   "}, "title must not be empty"),
        (DRAFT, {"note": "two\nlines"}, "line breaks and control characters are not allowed"),
        (DRAFT, {"published": "maybe"}, "published must be true or false"),
        (DRAFT, {"url": "javascript:alert(1)"}, "url must be an http:// or https:// address"),
        ("cp-pharma-plan", {"valid_until": "2025-12-31"}, "valid_until 2025-12-31 is before date_issued 2026-04-01"),
        ("no-such-doc", {"title": "x"}, "no document 'no-such-doc'"),
        (DRAFT, {"status": "draft_for_comments"}, "nothing to change"),
    ],
    ids=[
        "status",
        "date format",
        "impossible date",
        "empty title",
        "line break",
        "published",
        "url",
        "order",
        "doc",
        "same",
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    staff: TestClient,  # noqa: F811
    doc_id: str,
    values: dict,
    reason: str,  # noqa: F811
) -> None:
    updater = staff.app.state.updater
    before, first_bot = _snapshot(updater.settings.data_dir), staff.app.state.bots.current
    html, key = preview_edit(updater.settings, doc_id, values)
    assert key == "" and reason in unescape(html) and UNCHANGED in html
    assert confirm_edit(updater, doc_id, values, "forged-key")[1] is False
    assert index_main(["edit", doc_id, *[f"--set={k}={v}" for k, v in values.items()], "--yes"]) == 2
    assert not updater.running and _snapshot(updater.settings.data_dir) == before
    assert staff.app.state.bots.current is first_bot


@pytest.fixture(autouse=True)
def _cli_settings(monkeypatch: pytest.MonkeyPatch, live) -> None:  # noqa: F811
    """`python -m index` reads its settings from the environment: point it at the test's copy."""
    settings, _ = live
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("POLICYBOT_EMBED_MODEL", "none")


def test_confirm_saves_only_the_change_that_was_shown(staff: TestClient) -> None:  # noqa: F811
    updater = staff.app.state.updater
    catalogue = updater.settings.data_dir / CATALOG_FILE
    shown = {"doc_number": "昌园委发〔2026〕9号"}
    _html, key = preview_edit(updater.settings, DRAFT, shown)
    assert "press Show the change again" in confirm_edit(updater, DRAFT, {"doc_number": "other"}, key)[0]
    assert "Show the change first" in confirm_edit(updater, DRAFT, shown, "")[0]
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "# edited by hand meanwhile\n", encoding="utf-8")
    before = _snapshot(updater.settings.data_dir)
    assert "press Show the change again" in confirm_edit(updater, DRAFT, shown, key)[0]
    assert not updater.running and _snapshot(updater.settings.data_dir) == before


def test_a_plan_made_before_the_catalogue_changed_is_not_written(live) -> None:  # noqa: F811
    settings, _ = live
    plan = plan_edit(settings.data_dir, DRAFT, {"doc_number": "昌园委发〔2026〕9号"})
    catalogue = settings.data_dir / CATALOG_FILE
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "# meanwhile\n", encoding="utf-8")
    before = catalogue.read_bytes()
    with pytest.raises(EditError, match="changed since this change was shown"):
        apply_edit(plan, settings.data_dir)
    assert catalogue.read_bytes() == before


# --- saving: the running app answers from the new index -------------------------------------------------


def test_unpublish_takes_a_document_out_of_answers_and_publish_puts_it_back(staff: TestClient) -> None:  # noqa: F811
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    documents = staff.get("/api/health").json()["documents"]
    assert DRAFT in [c["doc_id"] for c in _cited(staff)]
    file = settings.data_dir / "policies" / "changping-pharma-measures-draft.txt"
    text = file.read_bytes()
    message = _save(updater, DRAFT, {"published": False})
    assert "published: true -> false" in message and holder.current is not first_bot  # no restart
    answer = staff.post("/api/ask", json={"question": OLD_QUESTION}).json()
    assert DRAFT not in [c["doc_id"] for c in answer["citations"]] and OLD_FACT not in answer["answer"]
    assert DRAFT not in [h["clause_id"].split("#")[0] for h in answer["retrieved"]]
    assert staff.get("/api/health").json()["documents"] == documents - 1
    assert file.read_bytes() == text and _catalogue(settings)[DRAFT]["published"] is False  # file and entry stay
    labels = dict((doc_id, label) for label, doc_id in document_options(settings, holder.current.index.documents))
    assert "unpublished" in labels[DRAFT]  # still listed for editing, so it can be published again
    _save(updater, DRAFT, {"published": True})
    assert "published" not in _catalogue(settings)[DRAFT]
    assert DRAFT in [c["doc_id"] for c in _cited(staff)] and staff.get("/api/health").json()["documents"] == documents


def test_corrected_facts_go_live_in_citations(staff: TestClient) -> None:  # noqa: F811
    updater = staff.app.state.updater
    official = "https://www.changping.gov.cn/measures-2026.html"
    _save(
        updater,
        DRAFT,
        {"doc_number": "昌园委发〔2026〕9号", "issuer": "中关村科技园区昌平园管理委员会", "url": official},
    )
    cited = next(c for c in _cited(staff) if c["doc_id"] == DRAFT)
    assert cited["doc_number"] == "昌园委发〔2026〕9号" and cited["url"] == official
    entry = _catalogue(updater.settings)[DRAFT]
    assert entry["doc_number"] == "昌园委发〔2026〕9号" and entry["issuer"] == "中关村科技园区昌平园管理委员会"
    assert entry["title"] == "关于支持昌平区医药健康产业高质量发展的若干措施（征求意见稿）"  # the rest as it was


def test_a_failed_rebuild_puts_the_catalogue_back(staff: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    updater, holder = staff.app.state.updater, staff.app.state.bots
    before, first_bot = _snapshot(updater.settings.data_dir), holder.current
    live_build = (updater.settings.index_dir / "current").resolve()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("web.updates.rebuild", broken)
    values = {"published": False}
    _html, key = preview_edit(updater.settings, DRAFT, values)
    assert confirm_edit(updater, DRAFT, values, key)[1]
    progress = updater.wait(WAIT)
    assert progress.state == "failed" and "disk full" in progress.message
    assert f"the change to {DRAFT} was not saved, the live index is unchanged" in progress.message
    assert _snapshot(updater.settings.data_dir) == before and holder.current is first_bot
    assert (updater.settings.index_dir / "current").resolve() == live_build


def test_the_catalogue_is_written_atomically(live, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A failure while writing (here: the disk refuses to flush) leaves the old catalogue whole."""
    settings, _ = live
    catalogue = settings.data_dir / CATALOG_FILE
    before = catalogue.read_bytes()
    plan = plan_edit(settings.data_dir, DRAFT, {"published": False})

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ingest.catalog.os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        apply_edit(plan, settings.data_dir)
    assert catalogue.read_bytes() == before
    assert sorted(p.name for p in settings.data_dir.iterdir()) == ["catalog.yaml", "glossary.tsv", "policies"]


def test_an_update_elsewhere_blocks_a_console_edit_and_a_cli_edit(staff: TestClient, capsys) -> None:  # noqa: F811
    """The console and `python -m index` take the same lock: an edit never races another update."""
    updater, holder = staff.app.state.updater, staff.app.state.bots
    settings, first_bot = updater.settings, holder.current
    before = _snapshot(settings.data_dir)
    script = (
        "import sys, time; from pathlib import Path; from index import update_lock\n"
        "with update_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script, str(settings.index_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert other.stdout.readline().strip() == "locked"
        values = {"published": False}
        _html, key = preview_edit(settings, DRAFT, values)
        assert confirm_edit(updater, DRAFT, values, key)[1]
        progress = updater.wait(WAIT)
        assert progress.state == "failed" and "another index update is running" in progress.message
        assert index_main(["unpublish", DRAFT, "--yes"]) == 2
        assert "another index update is running" in capsys.readouterr().err
        assert _snapshot(settings.data_dir) == before and holder.current is first_bot
    finally:
        other.kill()
        other.wait()
    assert _save(updater, DRAFT, {"published": False})  # the lock went with its process


# --- the command line shares the code -------------------------------------------------------------------


def test_cli_edit_unpublish_and_publish(live, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: F811
    settings, _ = live
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    before = _snapshot(settings.data_dir)
    assert index_main(["unpublish", DRAFT]) == 1  # asked, and answered no
    assert "+    published: false" in capsys.readouterr().out and _snapshot(settings.data_dir) == before
    assert index_main(["unpublish", DRAFT, "--yes"]) == 0
    assert DRAFT not in load_index(settings.index_dir).documents
    assert index_main(["edit", DRAFT, "--set", "doc_number=昌园委发〔2026〕9号", "--set", "title_en=", "--yes"]) == 0
    entry = _catalogue(settings)[DRAFT]
    assert entry["doc_number"] == "昌园委发〔2026〕9号" and entry["title_en"] is None and entry["published"] is False
    assert index_main(["publish", DRAFT, "--yes"]) == 0
    assert load_index(settings.index_dir).documents[DRAFT].doc_number == "昌园委发〔2026〕9号"


# --- the index: an unpublished document is never indexed, and the app start agrees ----------------------


def test_an_unpublished_document_stays_out_of_the_index_at_every_start(live, tmp_path: Path) -> None:  # noqa: F811
    settings, _ = live
    apply_edit(plan_edit(settings.data_dir, DRAFT, {"published": False}), settings.data_dir)
    corpus = load_corpus(settings.data_dir)
    assert DRAFT in {d.doc_id for d in corpus.documents} and corpus.unpublished == {DRAFT}
    first = open_index(settings)  # the app start: the catalogue changed, so it builds
    assert DRAFT not in first.documents and not [c for c in first.clauses if c.doc_id == DRAFT]
    second = open_index(settings)  # and the next start loads that build instead of rebuilding with the draft
    assert second.folder == first.folder and DRAFT not in second.documents
    # Callers that build from a corpus themselves (training, the bench) get the same: build_index filters too.
    built = build_index(corpus, tmp_path / "other-index", Glossary.load(settings.data_dir / GLOSSARY_FILE))
    assert DRAFT not in built.documents and built.manifest["document_count"] == len(corpus.documents) - 1


def test_a_document_without_an_entry_gets_one_with_its_detected_facts(live) -> None:  # noqa: F811
    settings, _ = live
    _write(settings.data_dir / "policies", "bci-measures.txt", NEW_DOCUMENT)
    plan = plan_edit(settings.data_dir, "bci-measures", {"doc_number": "昌科发〔2026〕1号"})
    assert plan.created and '+  - id: "bci-measures"' in plan.diff
    apply_edit(plan, settings.data_dir)
    info = load_catalog(settings.data_dir)["policies/bci-measures.txt"]
    assert info.title == "昌平区脑机接口产业创新发展支持办法" and info.doc_number == "昌科发〔2026〕1号"


def test_an_entry_this_editor_cannot_rewrite_safely_is_refused(live) -> None:  # noqa: F811
    settings, _ = live
    catalogue = settings.data_dir / CATALOG_FILE
    flow = "documents:\n  - {id: lsp-overview, file: policies/life-science-park-overview.txt, title: 概况}\n"
    catalogue.write_text(flow, encoding="utf-8")
    with pytest.raises(EditError, match="edit it by hand"):
        plan_edit(settings.data_dir, "lsp-overview", {"doc_number": "x"})
    assert catalogue.read_text(encoding="utf-8") == flow
    # A key written twice (YAML keeps the last): replacing the first line would change nothing that counts.
    twice = "documents:\n  - id: lsp-overview\n    file: policies/life-science-park-overview.txt\n    title: A\n    title: B\n"
    catalogue.write_text(twice, encoding="utf-8")
    with pytest.raises(EditError, match="cannot change safely"):
        plan_edit(settings.data_dir, "lsp-overview", {"title": "C"})
    assert catalogue.read_text(encoding="utf-8") == twice


def test_published_must_be_a_boolean_in_the_catalogue(live) -> None:  # noqa: F811
    settings, _ = live
    catalogue = settings.data_dir / CATALOG_FILE
    text = catalogue.read_text(encoding="utf-8").replace(
        "status: draft_for_comments", 'status: draft_for_comments\n    published: "no"'
    )
    catalogue.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="published must be true or false"):
        load_catalog(settings.data_dir)


# --- access: only staff reach the tab -------------------------------------------------------------------


def test_the_edit_tab_is_in_the_console_only(staff: TestClient) -> None:  # noqa: F811
    ui = ("Edit facts", "pb-edit-confirm", "Show the change")
    public = staff.get("/config").text + staff.get("/").text
    assert not [text for text in ui if text in public]
    assert staff.get("/staff/config").status_code == 401
    staff.post("/staff/login", data={"username": "staff", "password": STAFF_PASSWORD})
    config = staff.get("/staff/config").text
    assert all(text in config for text in ui)
