"""The HTML report without a browser: structure, escaping, overlapping spans, big inputs."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqa.config import Config
from mtqa.document import Document, Segment
from mtqa.engine import run
from mtqa.findings import Finding, Severity
from mtqa.formatters import get_formatter
from mtqa.formatters import html as html_format
from mtqa.report import FileResult, Report

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script><script>alert(2)</script>"]


def finding(doc: Document, start: int, end: int, code: str = "MT900", severity: Severity = Severity.MINOR,
            message: str = "problem", suggestion: str | None = None, **details: object) -> Finding:
    segment = next((s for s in doc.segments if s.start <= start <= s.end), None)
    line, column = doc.line_col(start)
    end_line, end_column = doc.line_col(end)
    return Finding(
        path=doc.path, code=code, severity=severity, category="accuracy/test", message=message,
        start=start, end=end, line=line, column=column, end_line=end_line, end_column=end_column,
        text=doc.text[start:end], check_name="test-check", suggestion=suggestion,
        context_start=segment.start if segment else 0, context_end=segment.end if segment else 0,
        context=segment.text if segment else "", details=dict(details),
    )


def document(text: str, spans: list[tuple[int, int]], path: str = "doc.txt", **kwargs: object) -> Document:
    doc = Document(path=path, text=text, format="plaintext", **kwargs)
    doc.segments = [Segment(s, e, text[s:e], i) for i, (s, e) in enumerate(spans)]
    return doc


class DocText(HTMLParser):
    """Collects the text of ``div.doc-text`` as (text, finding ids) runs, plus the marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open elements inside the doc-text div
        self.ids: tuple[int, ...] = ()
        self.runs: list[tuple[str, tuple[int, ...]]] = []
        self.marks: list[tuple[int, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "mark":
                self.ids = tuple(int(n) for n in (attr["data-f"] or "").split())
                self.marks.append(self.ids)
                self.runs.append(("", self.ids))
        elif tag == "div" and "doc-text" in (attr.get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if tag == "mark":
                self.ids = ()

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.runs.append((data, self.ids))


def parse(page: str) -> DocText:
    parser = DocText()
    parser.feed(page)
    return parser


def report_of(*results: FileResult) -> Report:
    return Report(files=list(results), checks=["MT900"])


# --- overlapping and nested spans -------------------------------------------------------

@st.composite
def documents_with_findings(draw):
    text = draw(st.text(alphabet="ab <>&\"'\n.", min_size=1, max_size=60))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=8))))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    doc = document(text, spans)
    findings = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        severity = draw(st.sampled_from(list(Severity)))
        findings.append(finding(doc, start, end, severity=severity))
    findings.sort(key=lambda f: (f.start, f.end))
    return doc, findings


@settings(max_examples=60, deadline=None)
@given(documents_with_findings())
def test_pieces_keep_the_text_and_cover_each_finding_exactly(case):
    doc, findings = case
    parsed = parse(html_format.render(report_of(FileResult(doc.path, findings, document=doc))))
    assert "".join(text for text, _ in parsed.runs) == doc.text
    for n, f in enumerate(findings):
        covered = "".join(text for text, ids in parsed.runs if n in ids)
        assert covered == f.text
        if f.start == f.end:  # an insertion point is one empty mark
            assert sum(1 for ids in parsed.marks if n in ids) == 1
    assert {n for ids in parsed.marks for n in ids} == set(range(len(findings)))


def test_nested_spans_split_into_pieces_carrying_both_findings():
    doc = document("one two three four", [(0, 18)])
    outer = finding(doc, 0, 18, code="MT901", severity=Severity.MINOR)
    inner = finding(doc, 4, 13, code="MT902", severity=Severity.CRITICAL)
    page = html_format.render(report_of(FileResult(doc.path, [outer, inner], document=doc)))
    parsed = parse(page)
    pieces = [(text, ids) for text, ids in parsed.runs if text]
    assert pieces == [("one ", (0,)), ("two three", (0, 1)), (" four", (0,))]
    assert re.search(r'<mark class="hl sev-critical multi" data-f="0 1"[^>]*>two three</mark>', page)


# --- safety: document text is text -----------------------------------------------------

def test_payloads_are_escaped_everywhere(tmp_path: Path):
    text = "Intro the the end.\n\n" + "\n\n".join(f"Payload {p} here here." for p in PAYLOADS) + "\n"
    (tmp_path / "x.txt").write_text(text, encoding="utf-8")
    report = run([str(tmp_path / "x.txt")], Config())
    assert report.findings
    page = html_format.render(report)
    scripts = re.findall(r"<script\b", page)
    assert len(scripts) == 2  # the data block and the report's own script
    assert "<img" not in page
    for payload in PAYLOADS:
        assert payload not in page
    shown = "".join(text for text, _ in parse(page).runs)  # highlights may cut a payload
    assert shown == report.files[0].document.text
    data_block = re.search(r'<script type="application/json" id="mtqa-data">(.*?)</script>', page, re.S).group(1)
    assert not set("<>&") & set(data_block)
    data = json.loads(data_block)
    assert [f["text"] for f in data["findings"]] == [f.text for f in report.findings]


def test_message_and_details_with_markup_are_escaped():
    doc = document("alpha beta", [(0, 10)])
    bad = finding(doc, 0, 5, message=PAYLOADS[1], suggestion=PAYLOADS[0], signature=PAYLOADS[2])
    page = html_format.render(report_of(FileResult(doc.path, [bad], document=doc)))
    for payload in PAYLOADS:
        assert payload not in page
    data_block = re.search(r'id="mtqa-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data_block)["findings"][0]["details"] == {"signature": PAYLOADS[2]}


def test_self_contained_and_script_allowed_by_its_policy():
    doc = document("alpha alpha", [(0, 11)])
    page = html_format.render(report_of(FileResult(doc.path, [finding(doc, 0, 11)], document=doc)))
    assert "<link" not in page and "@import" not in page and "url(" not in page
    markup = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    assert not re.search(r"\b(?:src|href|action)\s*=\s*(?![\"']?#)", markup), "only in-page links"
    assert "http://" not in page and "https://" not in page
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page


# --- structure ------------------------------------------------------------------------

def test_several_files_get_an_index_and_errors_are_shown(tmp_path: Path):
    (tmp_path / "a.txt").write_text("We met met today.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("All good here.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"\xff\xfe\x00bad")
    report = run([str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt", "gone.txt")], Config())
    page = get_formatter("html")(report)
    index = re.search(r'<table class="index-table">(.*?)</table>', page, re.S).group(1)
    links = re.findall(r'<a href="#(file-\d+)">([^<]*)</a>', index)
    assert [path for _, path in links] == [r.path for r in report.files]
    for anchor, _ in links:
        assert f'<section class="file" id="{anchor}"' in page
    for result in report.files:
        if result.error:
            assert str(markupsafe.escape(result.error)) in page
    assert "could not be checked" in page
    assert len(parse(page).marks) == len(report.findings) == page.count('<tr class="row"')


def test_single_file_has_no_index_and_a_clean_file_says_so():
    doc = document("Nothing wrong.", [(0, 14)])
    page = html_format.render(report_of(FileResult(doc.path, [], document=doc)))
    assert '<table class="index-table">' not in page and "no findings" in page
    assert 'class="toolbar"' not in page  # nothing to filter


def test_summary_chart_counts_by_severity_and_category():
    doc = document("a b c d e f", [(0, 11)])
    found = [finding(doc, 0, 1, severity=Severity.CRITICAL), finding(doc, 2, 3, severity=Severity.MINOR),
             finding(doc, 4, 5, severity=Severity.MINOR)]
    page = html_format.render(report_of(FileResult(doc.path, found, document=doc)))
    assert 'aria-label="Findings by severity: critical 1, major 0, minor 2"' in page
    assert 'aria-label="Findings by category: accuracy/test 3"' in page
    category = re.search(r'aria-label="Findings by category.*?</svg>', page, re.S).group(0)
    assert category.count('class="bar sev-critical"') == 1 and category.count('class="bar sev-minor"') == 1


def test_details_reach_the_popover_data():
    doc = document("Er kam gestern.", [(0, 15)])
    scored = finding(doc, 0, 15, code="MT301", message="round trip differs", suggestion="He came yesterday.",
                     score=0.4213, signature="model:x@abc|mtqa:0.1.0")
    page = html_format.render(report_of(FileResult(doc.path, [scored], document=doc)))
    data = json.loads(re.search(r'id="mtqa-data">(.*?)</script>', page, re.S).group(1))
    assert data["findings"][0]["details"] == {"score": 0.4213, "signature": "model:x@abc|mtqa:0.1.0"}
    assert data["findings"][0]["suggestion"] == "He came yesterday."
    title = re.search(r'<mark [^>]*title="([^"]*)"', page).group(1)
    assert "MT301" in title and "round trip differs" in title  # the tooltip without JavaScript


def test_bilingual_units_show_their_source():
    text = 'msgid "Hello world"\nmsgstr "Hallo Hallo Welt"\n'
    start = text.index("Hallo")
    doc = Document(path="de.po", text=text, format="po", bilingual=True)
    doc.segments = [Segment(start, start + 16, text[start:start + 16], 0, source="Hello <b>world</b>", unit_id="greet")]
    flagged = finding(doc, start, start + 11, code="MT102")
    page = html_format.render(report_of(FileResult(doc.path, [flagged], document=doc)))
    row = re.search(r'<table class="units">.*?</table>', page, re.S).group(0)
    assert "Hello &lt;b&gt;world&lt;/b&gt;" in row and ">greet<" in row
    assert re.search(r'<mark [^>]*data-f="0"[^>]*>Hallo Hallo</mark>', row)
    assert 'msgid' not in row  # file syntax stays out of the unit table


def test_long_documents_are_cut_with_a_note(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(html_format, "MAX_TEXT_CHARS", 1000)
    line = "word " * 19 + "end.\n"  # 100 characters
    text = line * 30
    doc = document(text, [(i * 100, i * 100 + 99) for i in range(30)])
    early, late = finding(doc, 5, 9), finding(doc, 2505, 2509)
    page = html_format.render(report_of(FileResult(doc.path, [early, late], document=doc)))
    parsed = parse(page)
    shown = "".join(text for text, _ in parsed.runs)
    assert text.startswith(shown) and len(shown) <= 1000
    assert parsed.marks == [(0,)]
    assert "showing its first 999 of 3,000 characters" in page and "1 finding past that point" in page
    assert page.count('<tr class="row"') == 2


def test_cli_writes_the_html_report(cli, write):
    write("a.txt", "It was was fine.\n")
    result = cli("check", "a.txt", "--format", "html", "-o", "report.html")
    assert result.exception is None, result.stderr
    page = Path("report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "was was" in page


SAMPLES = {
    "a.txt": "It was was fine.\n",
    "a.md": "# A title the the\n\nSome *text* with with `code code` here.\n",
    "a.html": "<html><body><h1>Hello</h1><p>Some <b>bold</b> text text.</p></body></html>\n",
    "a.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid "Hello {name}"\nmsgstr "Hallo Hallo"\n\nmsgid "Goodbye"\nmsgstr ""\n',
    "a.xlf": '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2"><file source-language="de" '
             'target-language="en" datatype="plaintext" original="x"><body>\n<trans-unit id="u1">'
             "<source>Es kostet 5 Euro.</source><target>It costs costs 7 euros.</target></trans-unit>\n"
             "</body></file></xliff>\n",
    "a.tsv": "source\ttarget\nDie Preise stiegen um 3,5 Prozent.\tPrices rose by 5 percent percent.\n",
    "a.csv": 'source,target\n"Hallo {name}, wie geht es?","Hello, how how are you?"\n',
    "a.jsonl": '{"id": "k1", "source": "Guten Tag <b>Welt</b>", "target": "Good good day"}\n',
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_input_type_renders_with_all_findings_highlighted(tmp_path: Path, name: str):
    (tmp_path / name).write_text(SAMPLES[name], encoding="utf-8")
    report = run([str(tmp_path / name)], Config())
    result = report.files[0]
    assert result.error is None and result.findings
    page = html_format.render(report)
    if result.document.bilingual:
        table = re.search(r'<table class="units">.*?</table>', page, re.S).group(0)
        marked = {int(n) for ids in re.findall(r'<mark [^>]*data-f="([^"]*)"', table) for n in ids.split()}
        for segment in result.document.segments:
            assert str(markupsafe.escape(segment.source)) in table
    else:
        parsed = parse(page)
        assert "".join(text for text, _ in parsed.runs) == result.document.text
        marked = {n for ids in parsed.marks for n in ids}
    assert marked == set(range(len(result.findings)))


def test_checks_that_did_not_run_are_named():
    doc = document("Fine text.", [(0, 10)])
    report = report_of(FileResult(doc.path, [], document=doc))
    report.skipped = {"MT401": "model <mtqa-detector> is not downloaded (run: mtqa models pull)"}
    page = html_format.render(report)
    assert "1 check did not run" in page
    assert "<code>MT401</code>: model &lt;mtqa-detector&gt; is not downloaded" in page


def test_paragraph_blocks_end_at_the_last_line_end_of_a_gap():
    text = "First one.\n\n# Second one."  # markup after the line end stays with its paragraph
    doc = document(text, [(0, 10), (14, 25)])
    page = html_format.render(report_of(FileResult(doc.path, [finding(doc, 11, 14)], document=doc)))
    paras = re.findall(r'<div class="para">(.*?)</div>', page, re.S)
    texts = [markupsafe.Markup(re.sub(r"<[^>]+>", "", p)).unescape() for p in paras]
    assert texts == ["First one.\n\n", "# Second one."]
    assert re.search(r'<div class="para"><span class="gap"><mark [^>]*data-f="0"[^>]*># </mark>', page)


def test_details_json_parses_even_with_nan_and_numpy_values():
    import numpy as np

    doc = document("alpha beta", [(0, 10)])
    odd = finding(doc, 0, 5, score=float("nan"), best=np.float32(0.5), probs=np.array([0.25, 0.75]), when=Path("x"))
    page = html_format.render(report_of(FileResult(doc.path, [odd], document=doc)))
    block = re.search(r'id="mtqa-data">(.*?)</script>', page, re.S).group(1)
    details = json.loads(block, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))["findings"][0]["details"]
    assert details == {"score": "nan", "best": 0.5, "probs": [0.25, 0.75], "when": "x"}
