"""Issue 8: HTML and script in a question are shown as text in the real chat; no script runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, ask, free_port, settings_with, shared_bot
from web import create_app, start_server

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"),
]
ATTACKS = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '<svg onload="window.__pwned=1"></svg>',
    '<a href="javascript:window.__pwned=1" id="pb-evil">x</a>',
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    app = create_app(shared_bot(), settings_with(tmp_path_factory.mktemp("xss")))
    running = start_server(app, "127.0.0.1", free_port())
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-US")
        page.goto(running.url + "?lang=en")
        yield page
        browser.close()
    running.stop()


def test_html_and_script_questions_run_no_script(page) -> None:
    for attack in ATTACKS:
        ask(page, attack)
        shown = page.locator("#pb-chat [data-testid=user]").last.inner_text()
        assert attack.split(">")[0].lstrip("<") in shown  # the question is shown as text
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#pb-chat img[src='x'], #pb-chat svg[onload], #pb-evil").count() == 0
