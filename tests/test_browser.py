"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright.

.ci/run installs ``chromium``; a missing browser fails this test rather than skipping it,
so CI can never go green without having opened the report. The screenshot, for people to
look at, is written to the test's temporary directory, or to the folder that
``MTQA_TEST_ARTIFACTS`` names (for a CI job to keep as an artifact).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mtqa.config import Config
from mtqa.engine import run
from mtqa.formatters.html import render

pytestmark = pytest.mark.slow  # a real browser: seconds to start

CHROMIUM = Path(os.environ.get("MTQA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

SCRIPT_PAYLOAD = "<script>window.__xss = 1; alert(1)</script>"
ATTR_PAYLOAD = '"><img src=x onerror="window.__xss = 2; alert(2)">'

ARTICLE = f"""Council approves the the new budget

The city council met on on Monday evening to vote on the spending plan for next year. \
After a long debate , the members approved it by a narrow margin.

The mayor said the plan would fund fund two new libraries and repair the old bridge. \
Reading the full plan takes a hour. -critics argued that the estimates were optimistic. \
Die Kosten könnten in den nächsten Jahren weiter steigen, sagten die Kritiker.

A resident pasted this into the comment form: {SCRIPT_PAYLOAD} and it was was published.

Another one wrote {ATTR_PAYLOAD} under the the article.
"""

# Bilingual: the report shows each unit's source next to its translation.
UNITS = """id\tsource\ttarget
price\tDie Preise stiegen um 3,5 Prozent.\tPrices rose by 5 percent.
greeting\tHallo {name}, willkommen zurück!\tHello, welcome back back!
"""

NOTES = """Meeting notes

Attendance was good. The next meeting is is planned for March.
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    (root / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "notes.txt").write_text(NOTES, encoding="utf-8")
    (root / "units.tsv").write_text(UNITS, encoding="utf-8")
    (root / "broken.txt").write_bytes(b"caf\xe9 au lait\n")  # Latin-1: a file error to show
    names = ["article.txt", "units.tsv", "notes.txt", "broken.txt"]
    report = run([str(root / name) for name in names], Config())
    path = root / "report.html"
    path.write_text(render(report), encoding="utf-8")
    return path, report


@pytest.fixture
def page(browser, report_file):
    path, _ = report_file
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.dialogs, page.requests, page.errors = [], [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    yield page
    context.close()


@pytest.mark.timeout(120)
def test_every_finding_is_highlighted_once(page, report_file):
    _, report = report_file
    assert report.findings, "the fixture text must produce findings"
    highlighted = page.evaluate(
        """() => new Set([...document.querySelectorAll('main mark.hl[data-f]')]
                 .flatMap(m => m.dataset.f.split(' '))).size"""
    )
    assert highlighted == len(report.findings)
    assert page.locator("tr.row").count() == len(report.findings)
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('a[data-goto]')]
                 .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length"""
    )
    assert dangling == 0 and page.locator("a[data-goto]").count() == len(report.findings)
    assert page.errors == []


def doubled_words(report) -> list[int]:
    """Ids of the MT102 findings: the fixture texts are written to have several."""
    return [n for n, f in enumerate(report.findings) if f.code == "MT102"]


def mark_of(page, n: int):
    """The first highlight carrying finding ``n``."""
    return page.locator(f'main mark.hl[data-f~="{n}"]').first


@pytest.mark.timeout(120)
def test_clicking_a_span_shows_its_details(page, report_file):
    _, report = report_file
    first, second = doubled_words(report)[:2]
    finding = report.findings[first]
    mark_of(page, first).click()
    popover = page.locator("#popover")
    popover.wait_for(state="visible")
    details = popover.inner_text().lower()  # badges are upper-cased by CSS
    for text in (finding.code, finding.message, finding.category, str(finding.severity), finding.suggestion):
        assert text.lower() in details
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")

    # Keyboard: Tab-reachable highlights open with Enter.
    mark_of(page, second).focus()
    page.keyboard.press("Enter")
    popover.wait_for(state="visible")
    assert report.findings[second].message in popover.inner_text()
    assert page.errors == []


@pytest.mark.timeout(120)
def test_filters_hide_spans_and_rows(page, report_file):
    _, report = report_file
    code = report.findings[0].code
    page.locator(f"input[data-filter=code][value='{code}']").uncheck()
    hidden = sum(1 for f in report.findings if f.code == code)
    assert page.locator("tr.row:visible").count() == len(report.findings) - hidden
    marks = page.evaluate(
        "() => [...document.querySelectorAll('main mark.hl[data-f]')]"
        ".map(m => [m.dataset.f.split(' ').map(Number), m.classList.contains('off')])"
    )
    for ids, off in marks:  # a highlight goes only when every finding on it is filtered out
        assert off == all(report.findings[n].code == code for n in ids)
    assert any(off for _, off in marks)
    page.locator(f"input[data-filter=code][value='{code}']").check()
    assert page.locator("tr.row:visible").count() == len(report.findings)
    # The risk strip marks every sentence that holds a finding.
    risky = page.evaluate("() => document.querySelectorAll('.doc-text .seg[data-risk]:not([data-risk=\"\"])').length")
    assert risky > 0 and page.locator(".strip a.risk").count() == risky


@pytest.mark.timeout(120)
def test_payloads_are_text_not_code_and_nothing_is_fetched(page, report_file, tmp_path: Path):
    path, report = report_file
    assert page.evaluate("() => window.__xss") is None
    assert page.dialogs == []
    text = page.locator("main").inner_text()
    assert SCRIPT_PAYLOAD in text and ATTR_PAYLOAD in text
    assert page.locator("main img").count() == 0
    assert page.requests == [path.as_uri()], "the report must not load anything"
    assert "could not be checked" in page.locator("header.masthead").inner_text()
    assert "not valid UTF-8" in page.locator("#file-3").inner_text()
    assert "Die Preise stiegen um 3,5 Prozent." in page.locator("#file-1 table.units").inner_text()

    artifacts = Path(os.environ.get("MTQA_TEST_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    # One tall viewport: nothing scrolls, so the sticky filter bar stays in its place.
    page.set_viewport_size({"width": 1280, "height": page.evaluate("() => document.body.scrollHeight")})
    mark_of(page, doubled_words(report)[1]).click()  # show the details popover in the picture
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    assert (artifacts / "report.png").stat().st_size > 10_000
