"""The running app in a real browser: Debian's Chromium driven by Playwright (never `playwright install`).

One server (uvicorn in a thread, real bot on the bundled corpus, temp query log, a staff password) and
one browser for the module. The tests save the README's screenshots to docs/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (
    ANSWER_WAIT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DOCS,
    STAFF_PASSWORD,
    ask,
    free_port,
    settings_with,
    shared_bot,
)
from web import QueryLog, RunningServer, create_app, start_server
from web.persist import STORAGE_KEY

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),  # inside gradio's queue
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"),
]
WAIT_MS = ANSWER_WAIT_MS
ZH_QUESTION = "外资研发中心有什么资金支持？"
EN_QUESTION = "Is there funding for a multinational R&D centre?"
DISLIKE = "#pb-chat button[aria-label='Dislike'], #pb-chat button[aria-label='踩']"  # Gradio localises the label
CONSOLE_ONLY = ("坐席控制台", "Staff console", "Clause lookup", "条款查询", "fused rank")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, QueryLog]]:
    settings = settings_with(tmp_path_factory.mktemp("browser"))
    app = create_app(shared_bot(), settings)
    running = start_server(app, "127.0.0.1", free_port())
    yield running, app.state.querylog
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(server) -> str:
    return server[0].url


@pytest.fixture(scope="module")
def querylog(server) -> QueryLog:
    return server[1]


def open_page(browser, base_url: str, path: str = "", locale: str = "zh-CN", width: int = 1280, height: int = 960):
    """A fresh context (own cookies and language); records every request that leaves the server."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.outside = []
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else page.outside.append(r.url))
    page.goto(base_url + path)
    return page


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)", arg=[selector, text], timeout=WAIT_MS
    )


def last_answer(page):
    return page.locator("#pb-chat .pb-answer").last


FRAME_JS = """(selector) => {
  const asked = [...document.querySelectorAll('#pb-chat ' + selector)].pop();
  let box = asked && asked.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(box).overflowY)))
    box = box.parentElement;
  if (box) box.scrollTop += asked.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  window.scrollTo(0, 0);
}"""


def frame_last_turn(page, selector: str = "[data-testid=user]") -> None:
    """Scroll the chat so it starts at the last question (or selector), with the page header in view."""
    page.wait_for_timeout(600)  # the relabel step after an answer re-renders the chat and scrolls it down
    page.evaluate(FRAME_JS, selector)
    page.wait_for_timeout(200)


def shoot(page, name: str, full_page: bool = False) -> None:
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / name), full_page=full_page)


def test_chinese_question_shows_answer_and_card(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    page.wait_for_selector("#pb-question textarea")
    assert "中关村生命科学园政策问答" in page.inner_text("#pb-header")
    ask(page, ZH_QUESTION)
    answer = last_answer(page)
    assert "1000万元" in answer.locator(".pb-text").inner_text()
    assert answer.locator(".pb-ref").first.inner_text() == "1"
    card = answer.locator(".pb-card").first
    assert "关于支持昌平区医药健康产业高质量发展的若干措施（征求意见稿）" in card.locator(".pb-title").inner_text()
    assert card.locator(".pb-badge").inner_text() == "征求意见稿"
    assert "四、（十二）" in card.locator(".pb-meta").inner_text()
    assert answer.locator(".pb-warning").first.is_visible()  # the draft warning, before expanding anything
    assert "征求意见稿" in answer.locator(".pb-warning").first.inner_text()
    clause = card.locator(".pb-clause-zh")
    assert not clause.is_visible()
    card.locator("summary").click()
    assert clause.is_visible() and "外资研发中心研发激励计划" in clause.inner_text()
    assert "R&D Incentive Programme" in card.locator(".pb-clause-en").inner_text()
    assert "以中文原文为准" in card.locator(".pb-prevails").inner_text()
    frame_last_turn(page)
    shoot(page, "chat-zh.png")
    assert page.outside == []  # no fonts, analytics or CDNs from outside (slow or blocked in China)
    page.context.close()


def test_english_question_gets_english_answer_and_interface(browser, base_url: str) -> None:
    page = open_page(browser, base_url, locale="zh-CN")
    page.wait_for_selector("#pb-question textarea")
    page.get_by_role("button", name=EN_QUESTION).click()  # an example for foreign investors
    page.wait_for_selector("#pb-chat .pb-card", timeout=WAIT_MS)
    answer = last_answer(page)
    assert "R&D" in answer.locator(".pb-text").inner_text()
    card = answer.locator(".pb-card").first
    assert card.locator(".pb-title").inner_text().startswith("Several Measures to Support")
    assert card.locator(".pb-badge").inner_text() == "Draft for comments"
    assert "Part IV (12)" in card.locator(".pb-meta").inner_text()
    assert "draft for comments" in answer.locator(".pb-warning").first.inner_text()
    # The first question chose the interface language: the browser said Chinese, the asker wrote English.
    wait_text(page, "#pb-header", "Policy Q&A")
    assert page.locator("#pb-send").inner_text() == "Ask"
    wait_in_view(page, ".pb-warning")  # the page frames the answer at its question: the warning shows
    card.locator("summary").click()
    assert "the Chinese original prevails" in card.locator(".pb-prevails").inner_text()
    frame_last_turn(page)  # opening the card scrolled the chat to it: back to the question for the picture
    shoot(page, "chat-en.png")
    page.context.close()


def test_interface_language_from_browser_switch_and_url(browser, base_url: str) -> None:
    page = open_page(browser, base_url, locale="en-US")
    wait_text(page, "#pb-header", "Policy Q&A")
    page.get_by_text("中文", exact=True).click()
    wait_text(page, "#pb-header", "政策问答")
    assert page.locator("#pb-send").inner_text() == "提问"
    page.context.close()
    page = open_page(browser, base_url, path="?lang=en", locale="zh-CN")
    wait_text(page, "#pb-header", "Policy Q&A")
    page.context.close()


def test_unanswerable_question_is_declined_with_the_contact(browser, base_url: str, querylog: QueryLog) -> None:
    page = open_page(browser, base_url)
    ask(page, "火星移民政策是什么？")
    declined = last_answer(page)
    assert "pb-declined" in declined.get_attribute("class")
    assert "政策文件中未找到答案" in declined.inner_text() and "12345" in declined.inner_text()
    assert declined.locator(".pb-card").count() == 0
    assert querylog.recent(1)[0].status == "declined"
    page.context.close()


def test_feedback_with_comment_lands_in_the_log(browser, base_url: str, querylog: QueryLog) -> None:
    page = open_page(browser, base_url)
    ask(page, "临床试验启动时间要压缩到多久？")
    page.locator(DISLIKE).last.click()
    page.wait_for_selector("#pb-comment textarea", timeout=WAIT_MS)
    page.fill("#pb-comment textarea", "希望说明申请流程")
    page.click("#pb-comment-send")
    page.wait_for_selector("#pb-thanks :text('已记录')", timeout=WAIT_MS)
    entry = _poll(lambda: next((e for e in querylog.gaps() if e.comment == "希望说明申请流程"), None))
    assert entry.question == "临床试验启动时间要压缩到多久？" and entry.feedback == -1 and entry.status == "answered"
    page.context.close()


def test_copy_answer_puts_plain_text_on_the_clipboard(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    ask(page, ZH_QUESTION)
    page.click("#pb-copy")
    copied = _poll(lambda: page.evaluate("navigator.clipboard.readText()") or None)
    assert copied.startswith("根据研发投入增长情况给予不超过1000万元的资金支持。[1]")  # the short answer first
    assert "根据《关于支持昌平区" in copied and "<" not in copied
    page.context.close()


def test_console_login_lookup_and_gaps(browser, base_url: str, querylog: QueryLog) -> None:
    querylog.record("园区有没有人才公寓？", "zh", "declined")
    page = open_page(browser, base_url, path="staff/")
    page.wait_for_selector("input[type=password]", timeout=WAIT_MS)
    page.locator("input").first.fill("staff")
    page.fill("input[type=password]", STAFF_PASSWORD)
    page.get_by_role("button", name=re.compile("^(Login|登录)$")).click()  # Gradio localises it
    page.wait_for_selector("#pb-staff-question textarea", timeout=WAIT_MS)

    page.get_by_role("tab", name="条款查询 · Clause lookup").click()
    page.fill("#pb-lookup textarea", "药品管理法 第三十条")
    page.click("#pb-lookup-go")
    page.wait_for_selector("#pb-lookup-result [data-clause='drug-law#第三十条']", timeout=WAIT_MS)
    assert "药品上市许可持有人" in page.inner_text("#pb-lookup-result")
    page.fill("#pb-lookup textarea", "003 四、（十二）")
    page.click("#pb-lookup-go")
    result = page.wait_for_selector("#pb-lookup-result [data-clause='cp-measures-draft#四.(十二)']", timeout=WAIT_MS)
    assert "外资研发中心研发激励计划" in result.inner_text() and "R&D Incentive Programme" in result.inner_text()
    assert "征求意见稿" in page.inner_text("#pb-lookup-result .pb-doc-facts")
    shoot(page, "console.png", full_page=True)

    page.get_by_role("tab", name="问答分析 · Ask").click()
    page.fill("#pb-staff-question textarea", EN_QUESTION)
    page.click("#pb-staff-ask")
    page.wait_for_selector("#pb-staff-retrieved table", timeout=WAIT_MS)
    assert "bm25" in page.inner_text("#pb-staff-retrieved thead")
    assert page.locator("#pb-staff-zh .pb-card").count() and page.locator("#pb-staff-en .pb-card").count()

    page.get_by_role("tab", name="内容缺口 · Content gaps").click()
    page.wait_for_selector("#pb-gaps :text('园区有没有人才公寓？')", timeout=WAIT_MS)
    page.context.close()


def test_public_page_shows_nothing_of_the_console(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    page.wait_for_selector("#pb-question textarea")
    body = page.inner_text("body")
    config = page.request.get(base_url + "config").text()
    for text in CONSOLE_ONLY:
        assert text not in body and text not in config
    assert page.locator("a[href*=staff]").count() == 0
    page.context.close()


IN_VIEW_JS = """(selector) => {
  const element = [...document.querySelectorAll('#pb-chat ' + selector)].pop();
  if (!element) return false;
  const panel = element.closest('.panel-wrap') || document.querySelector('#pb-chat');
  const r = element.getBoundingClientRect(), p = panel.getBoundingClientRect();
  return r.height > 0 && r.top >= Math.max(p.top, 0) - 1 && r.bottom <= Math.min(p.bottom, window.innerHeight) + 1;
}"""


def wait_in_view(page, selector: str) -> None:
    """Wait until the last `selector` in the chat is wholly visible, in the chat's panel and on the screen."""
    page.wait_for_function(IN_VIEW_JS, arg=selector, timeout=WAIT_MS)


def test_phone_width_is_readable(browser, base_url: str) -> None:
    page = open_page(browser, base_url, width=390, height=844)
    page.wait_for_selector("#pb-question textarea")
    assert page.locator("#pb-header").bounding_box()["height"] <= 60  # one line, not half the screen
    assert page.locator(".pb-title-short").is_visible() and not page.locator(".pb-subtitle-line").is_visible()
    ask(page, ZH_QUESTION)
    # Nobody scrolls: the page frames the answer at its question, so the short answer and the draft
    # warning are on screen, not the last citation card.
    wait_in_view(page, ".pb-short")
    wait_in_view(page, ".pb-warning")
    assert "1000万元" in last_answer(page).locator(".pb-short").inner_text()
    assert page.evaluate("window.scrollY") == 0
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than a phone screen"
    assert last_answer(page).locator(".pb-card").first.bounding_box()["width"] <= 390
    shoot(page, "phone.png")
    assert page.outside == []
    page.context.close()


def test_phone_comment_box_opens_in_view(browser, base_url: str) -> None:
    page = open_page(browser, base_url, width=390, height=844)
    ask(page, "临床试验启动时间要压缩到多久？")
    page.locator(DISLIKE).last.click()
    box = page.wait_for_selector("#pb-comment textarea", timeout=WAIT_MS)
    page.wait_for_function(
        "() => { const r = document.querySelector('#pb-comment textarea').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=WAIT_MS,
    )
    assert box.is_visible()
    page.context.close()


def test_the_conversation_survives_a_reload_until_cleared(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    ask(page, ZH_QUESTION)
    stored = f"localStorage.getItem('{STORAGE_KEY}')"
    page.wait_for_function(f"() => ({stored} || '').includes('1000万元')", timeout=WAIT_MS)
    page.reload()
    page.wait_for_selector("#pb-chat .pb-card", timeout=WAIT_MS)
    assert page.locator("#pb-chat [data-testid=user]").inner_text().strip() == ZH_QUESTION
    assert "1000万元" in last_answer(page).locator(".pb-short").inner_text()
    ask(page, "申请条件是什么？")  # a follow-up after the reload: the kept history carries the topic
    assert page.locator("#pb-chat .pb-answer").count() == 2
    page.click("#pb-clear")
    page.wait_for_function(f"() => {stored} === null && !document.querySelector('#pb-chat .pb-answer')")
    page.reload()
    page.wait_for_selector("#pb-question textarea")
    page.wait_for_timeout(800)  # the load event would have brought a kept conversation back by now
    assert page.locator("#pb-chat .pb-answer").count() == 0
    page.context.close()


def test_copy_the_whole_conversation_with_its_sources(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    ask(page, ZH_QUESTION)
    ask(page, "京政办发〔2024〕14号是哪个部门发的？")
    page.click("#pb-copy-all")
    copied = _poll(lambda: page.evaluate("navigator.clipboard.readText()") or None)
    assert copied.startswith(f"问：{ZH_QUESTION}\n答：根据研发投入增长情况给予不超过1000万元的资金支持。[1]")
    assert "问：京政办发〔2024〕14号是哪个部门发的？" in copied
    assert "四、（十二）" in copied and "征求意见稿（未生效）" in copied  # clause and status of each source
    assert "京政办发〔2024〕14号，2024-05-15" in copied  # document number and date
    assert "<" not in copied
    last_answer(page).locator(".pb-act-copy").click()  # one answer, from its own button
    one = _poll(lambda: (text := page.evaluate("navigator.clipboard.readText()")) != copied and text or None)
    assert "问：" not in one and "京政办发〔2024〕14号" in one and ZH_QUESTION not in one
    page.context.close()


def test_a_suggested_follow_up_asks_it(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    ask(page, ZH_QUESTION)
    suggestion = page.locator("#pb-suggest button.pb-suggestion").first
    suggestion.wait_for(timeout=WAIT_MS)
    offered = page.locator("#pb-suggest button.pb-suggestion:visible").all_inner_texts()
    assert 2 <= len(offered) <= 3 and all(text.endswith("？") for text in offered)
    suggestion.click()
    page.wait_for_function(
        "() => document.querySelectorAll('#pb-chat .pb-answer:not(.pb-streaming)').length === 2", timeout=WAIT_MS
    )
    assert page.locator("#pb-chat [data-testid=user]").last.inner_text().strip() == offered[0]
    page.context.close()


def test_a_declines_related_clauses_open_in_place(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    ask(page, "火星移民政策是什么？")
    related = last_answer(page).locator(".pb-related-item")
    assert related.count() >= 1
    first = related.first
    assert not first.locator(".pb-clause-zh").is_visible()
    first.locator("summary").click()
    assert first.locator(".pb-clause-zh").is_visible() and len(first.locator(".pb-clause-zh").inner_text()) > 10
    assert page.url == base_url  # opened in place: the chat is still here
    page.context.close()


def test_official_text_link_print_and_save_one_answer(browser, base_url: str) -> None:
    page = open_page(browser, base_url)
    ask(page, "自由贸易试验区有哪些改革措施？")
    answer = last_answer(page)
    link = answer.locator(".pb-card a.pb-official").first
    assert link.get_attribute("href").startswith("https://www.gov.cn/zhengce/content/2018-11/23/")
    assert link.inner_text().startswith("官方原文") and link.get_attribute("target") == "_blank"

    with page.expect_download(timeout=WAIT_MS) as download:
        answer.locator(".pb-act-save").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename.endswith(".txt")
    assert saved.startswith("问题：自由贸易试验区有哪些改革措施？") and "国发〔2018〕38号" in saved
    assert "官方原文: https://www.gov.cn/" in saved and "<" not in saved

    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    answer.locator(".pb-act-print").click()
    assert page.evaluate("window.printed") == 1
    area = page.locator("#pb-print-area")
    assert area.locator(".pb-answer").count() == 1 and area.locator("details[open]").count() >= 1
    page.emulate_media(media="print")
    assert area.is_visible() and area.locator(".pb-asked").is_visible()
    assert not page.locator("#pb-question").is_visible() and not page.locator("#pb-chat").is_visible()
    assert not area.locator(".pb-actions").is_visible()
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#pb-print-area").count() == 0
    page.emulate_media(media="screen")
    assert page.outside == []  # the link was not followed, nothing left the server
    page.context.close()


def _poll(read, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := read():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")
