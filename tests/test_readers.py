"""Readers: exact offsets, protected markup, skipped parts and clear errors, per format."""

from __future__ import annotations

import codecs
import re
import time
from pathlib import Path

import polib
import pytest

from mtqa.document import Block, Declared
from mtqa.errors import InputError
from mtqa.readers import decode, format_for, html, jsonl, markdown, plaintext, po, read_document, tabular, xliff

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


def texts(text: str, blocks: list[Block]) -> list[str]:
    return [text[b.start : b.end] for b in blocks]


def protected(text: str, block: Block) -> list[str]:
    return [text[s:e] for s, e in block.protected]


# -- plain text ----------------------------------------------------------------------------


def test_plaintext_paragraphs_split_on_blank_lines() -> None:
    text = "  First para\nstill first.  \n \t\nSecond.\r\n\r\nThird\n\n\n"
    assert texts(text, plaintext.read(text)) == ["First para\nstill first.", "Second.", "Third"]


@pytest.mark.timeout(30)
def test_plaintext_is_linear_on_long_whitespace_runs() -> None:
    # a backtracking paragraph regex takes hours on this; the reader must take well under a second
    text = "x" + " " * 2_000_000 + "y\n" + "\t" * 1_000_000 + "\nz"
    started = time.perf_counter()
    blocks = plaintext.read(text)
    assert time.perf_counter() - started < 5
    assert [t.split()[0] for t in texts(text, blocks)] == ["x", "z"]


# -- markdown ------------------------------------------------------------------------------


def test_markdown_fixture_skips_front_matter_code_and_html() -> None:
    text = (FIXTURES / "sample.md").read_text(encoding="utf-8")
    found = texts(text, markdown.read(text))
    joined = "\n".join(found)
    assert "A invasion of privacy" not in joined  # front matter
    assert "code is not prose" not in joined  # fenced and indented code
    assert "HTML block" not in joined
    assert "mtqa-disable" not in joined  # an HTML comment block
    assert found[0] == "The the delegation arrives"
    assert "It was an historic day for the the region." in found
    assert ["an hour", "a hour"] == found[-2:]  # table cells


def test_markdown_protects_inline_markup() -> None:
    text = (
        "Run `the the` now, see [the guide](https://x.com/a_(b)) or <https://x.com>, "
        "**bold** and <span>tag</span> &amp; \\*star\\*."
    )
    (block,) = markdown.read(text)
    assert text[block.start : block.end] == text
    assert protected(text, block) == [
        "`the the`", "[", "](https://x.com/a_(b))", "<https://x.com>", "**", "**",
        "<span>", "</span>", "&amp;", "\\*", "\\*",
    ]  # fmt: skip


def test_markdown_quote_and_list_continuations() -> None:
    text = "> quoted line one\n> line two\n\n- item one\n  continued\n- item two\n\n# Heading #\n"
    blocks = markdown.read(text)
    assert texts(text, blocks) == [
        "quoted line one\n> line two", "item one\n  continued", "item two", "Heading",
    ]  # fmt: skip
    assert protected(text, blocks[0]) == ["> "]


def test_markdown_front_matter_toml_and_unclosed() -> None:
    toml = "+++\ntitle = 'a invasion'\n+++\nBody text.\n"
    assert texts(toml, markdown.read(toml)) == ["Body text."]
    unclosed = "---\nNot front matter.\n"  # no closing fence: an ordinary document
    assert texts(unclosed, markdown.read(unclosed)) == ["Not front matter."]


def test_markdown_extension_lines_are_no_prose() -> None:
    text = (
        "/// tip | Did you know?\n\nBlock prose.\n\n///\n\n"
        "::: package.module.Class\n    options:\n      show_root_heading: true\n\n"
        '--8<-- "includes/abbreviations.md"\n\n*[HTML]: Hyper Text Markup Language\n\n'
        "/// details | More\n    type: info\n\nDetails prose.\n///\n"
    )
    assert texts(text, markdown.read(text)) == ["Block prose.", "Details prose."]


def test_markdown_indented_bodies_are_prose() -> None:
    text = (
        "!!! note\n    Note prose.\n\n    Second paragraph.\n\n"
        '??? tip "Title"\n\tTabbed body.\n\n'
        '=== "Tab one"\n\n    - Tab item.\n\n'
        "- List item.\n\n    !!! warning\n        Nested body.\n\n"
        "```\n!!! note\n    fenced code\n```\n"
    )
    found = texts(text, markdown.read(text))
    assert found == ["Note prose.", "Second paragraph.", "Tabbed body.", "Tab item.", "List item.", "Nested body."]


def test_markdown_setext_heading_is_no_content_tab() -> None:
    text = "Title\n===\n\n    indented code\n"
    assert texts(text, markdown.read(text)) == ["Title"]


def test_markdown_protects_extension_markup() -> None:
    text = (
        "# Install { #install-sqlmodel }\n\n"
        ":globe_with_meridians: Works :+1: at 10:30:00, ratio a:b:c.[^note]\n{: .lead }\n\n"
        "[Start](a.md){ .md-button target=\"_blank\" }\n\n- [x] Done.\n\n[^note]: A footnote.\n"
    )
    heading, paragraph, button, task, footnote = markdown.read(text)
    assert protected(text, heading) == ["{ #install-sqlmodel }"]
    assert protected(text, paragraph) == [":globe_with_meridians:", ":+1:", "[^note]", "{: .lead }"]
    assert protected(text, button) == ["[", "](a.md){ .md-button target=\"_blank\" }"]
    assert protected(text, task) == ["[x]"]
    assert protected(text, footnote) == ["[^note]:"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("pattern", "text"),
    [(markdown._FOOTNOTE_MARK, "[^" * 100_000), (markdown._ATTRIBUTE_LIST, "{a=" * 70_000),
     (markdown._ATTRIBUTE_LIST, "{#a " * 50_000), (markdown._SHORTCODE, ":" * 100_000 + "!")],
)
def test_markdown_extension_patterns_do_not_backtrack(pattern: re.Pattern[str], text: str) -> None:
    """A guard against catastrophic backtracking, not a speed goal (bench scripts measure speed).

    "[^" repeated took 93 s with a footnote pattern that could run across "["; a linear scan
    of these 200,000 characters takes milliseconds, so the bound holds on any loaded machine.
    """
    started = time.perf_counter()
    list(pattern.finditer(text))
    assert time.perf_counter() - started < 5


def test_mkdocs_fixture_gives_only_the_planted_error(cli) -> None:
    """Material for MkDocs syntax is markup; the two real slips in its prose are still found."""
    import json

    fixture = FIXTURES / "mkdocs.md"
    document = read_document(str(fixture), fixture.read_text(encoding="utf-8"))
    checked = " ".join(s.text for s in document.segments)
    for prose in ("upgrading one never breaks", "Blocks written with slashes", "script in its folder", "dark mode"):
        assert prose in checked  # admonition, block, tab and footnote bodies are read
    for syntax in ("///", ":::", "!!!", "===", "--8<--", "*[HTML]", "show_root_heading"):
        assert syntax not in checked
    result = cli("check", str(fixture), "-f", "json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    found = [(f["code"], f["line"], f["text"]) for f in findings]
    assert found == [("MT101", 22, "a invasion"), ("MT102", 79, "the the")]


def test_markdown_crlf_offsets() -> None:
    text = "Line one\r\nline two.\r\n\r\n## Title\r\n"
    assert texts(text, markdown.read(text)) == ["Line one\r\nline two.", "Title"]


# -- HTML ----------------------------------------------------------------------------------


def test_html_fixture_visible_text_only() -> None:
    text = (FIXTURES / "sample.html").read_text(encoding="utf-8")
    blocks = html.read(text)
    found = texts(text, blocks)
    joined = "\n".join(found)
    hidden_parts = ("script is not prose", "color: red", "comment is not prose", "preformatted", "JavaScript", "template")
    for hidden in hidden_parts:
        assert hidden not in joined
    assert found[0] == "A invasion of the the capital"  # <title> is visible
    assert "The delegation punched officials" in found
    report = next(b for b in blocks if text[b.start :].startswith("Read the"))
    assert protected(text, report) == [
        '<a href="https://example.com/the_the">', "</a>", "&mdash;", "<b>", "</b>", "<br>",
    ]  # fmt: skip
    code = next(b for b in blocks if text[b.start :].startswith("First item"))
    assert protected(text, code) == ["<code>the the</code>"]


def test_html_entities_and_unclosed_tags() -> None:
    text = "<p>a &amp b &#x41; c&#65;</p><div>unclosed <b>bold"
    blocks = html.read(text)
    assert texts(text, blocks) == ["a &amp b &#x41; c&#65;", "unclosed <b>bold"]
    assert protected(text, blocks[0]) == ["&amp", "&#x41;", "&#65;"]


# -- PO ------------------------------------------------------------------------------------


def test_po_fixture_units() -> None:
    text = (FIXTURES / "sample.po").read_text(encoding="utf-8")
    blocks = po.read(text)
    assert all(not b.split for b in blocks)
    by_id = {b.unit_id: b for b in blocks}
    assert "" not in by_id and "Alt" not in by_id  # header and obsolete entries
    first = by_id["Die Delegation traf die Beamten in {0}."]
    assert text[first.start : first.end] == "The delegation punched officials in the capital."
    assert by_id["menu|Öffnen"].source == "Öffnen"
    plural = by_id["Eine Datei mit %d Seiten[1]"]
    assert text[plural.start : plural.end] == "%d files with 52 pages"
    assert plural.source == "%d Dateien mit 25 Seiten"
    assert by_id["Eine Datei mit %d Seiten[0]"].source == "Eine Datei mit %d Seiten"
    empty = by_id["Speichern"]
    assert empty.start == empty.end and text[empty.start - 1 : empty.start + 1] == '""'


def test_po_multiline_msgstr_protects_joins_and_escapes() -> None:
    text = 'msgid "Hallo\\nWelt"\nmsgstr ""\n"Hello\\n"\n"World"\n'
    (block,) = po.read(text)
    assert text[block.start : block.end] == 'Hello\\n"\n"World'
    assert protected(text, block) == ['\\n"\n"']
    assert block.source == "Hallo\nWelt"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('msgid "a"\nmsgstr "b\n', 2),  # unterminated (polib accepts it silently)
        ('msgid "a"\nmsgstr "b" x\n', 2),
        ('msgid "a"\nfoo "b"\n', 2),  # polib ignores unknown keywords
        ('msgid "a"\nmsgstr "b"\nmsgstr "c"\n', 3),
        ('msgid "a"\n', 1),
    ],
)
def test_po_malformed_names_the_line(content: str, line: int) -> None:
    with pytest.raises(InputError, match=rf"^malformed PO: .*line {line}\b"):
        po.read(content)


def test_po_content_that_names_a_file_is_not_read_from_disk(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "real.po"
    path.write_text('msgid "secret"\nmsgstr "geheim"\n', encoding="utf-8")

    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("polib opened a file named by the content")

    monkeypatch.setattr(polib.io, "open", no_disk)  # polib reads a string naming a file from disk
    with pytest.raises(InputError):
        po.read(str(path))


def test_po_declares_its_language_and_charset() -> None:
    header = 'msgid ""\nmsgstr ""\n"Language: pt_BR\\n"\n"Content-Type: text/plain; charset=ISO-8859-15\\n"\n\n'
    text = "# a comment before the header\n\n" + header + 'msgid "Language: fr"\nmsgstr "Idioma: fr"\n'
    assert po.declared(text).target == "pt_BR" and po.declared(text).source is None
    assert po.charset(text.encode("ascii")) == "ISO-8859-15"
    assert po.declared('msgid "Yes."\nmsgstr "Sim."\n').target is None  # no header
    assert po.charset(b'msgid "a"\nmsgstr "b"\n') == "utf-8"  # no charset: UTF-8, as before
    assert po.declared("msgid broken").target is None  # read() reports the file as malformed


def test_po_charset_of_content_that_names_a_file_is_not_read_from_disk(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "real.po"
    path.write_text('"Content-Type: text/plain; charset=ISO-8859-1\\n"\n', encoding="utf-8")

    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("polib opened a file named by the content")

    monkeypatch.setattr("builtins.open", no_disk)
    assert po.charset(str(path).encode()) == "utf-8"


def test_decode_uses_the_declared_charset_and_a_bom_wins() -> None:
    assert decode("Groß".encode("latin-1"), "ISO-8859-1") == "Groß"
    assert decode(codecs.BOM_UTF8 + "Groß".encode("utf-8"), "ISO-8859-1") == "Groß"
    with pytest.raises(InputError, match=r"^not valid cp1252 as the file declares \(byte 0x81 at offset 1\)"):
        decode(b"a\x81", "cp1252")


# -- XLIFF ---------------------------------------------------------------------------------


def test_xliff_declared_languages() -> None:
    assert xliff.declared((FIXTURES / "sample12.xlf").read_text(encoding="utf-8")) == Declared("de", "en")
    two = '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="f"/></xliff>'
    assert xliff.declared(two) == Declared("en", None)
    assert xliff.declared("<xliff><file") == Declared()  # malformed: read() says so
    refused = '<!DOCTYPE x [<!ENTITY e "e">]><xliff><file source-language="en"/></xliff>'
    assert xliff.declared(refused) == Declared()


def test_xliff12_fixture() -> None:
    text = (FIXTURES / "sample12.xlf").read_text(encoding="utf-8")
    blocks = xliff.read(text)
    assert [b.unit_id for b in blocks] == ["1", "2", "3", "4", "5", "6"]  # 7 is translate="no"
    found = texts(text, blocks)
    assert found[1] == "Whether Moscow was a invasion of Ukraine can order remains open."
    assert found[2] == 'Click <g id="1">here</g> to open the the files.'
    assert protected(text, blocks[2]) == ['<g id="1">', "</g>"]
    assert blocks[2].source == 'Klicken Sie <g id="1">hier</g>, um {0} Dateien zu öffnen.'
    assert protected(text, blocks[3]) == ["&amp;", '<x id="2"/>']
    assert blocks[4].start == blocks[4].end  # no target: an empty unit
    assert text[: blocks[4].start].endswith("<source>Speichern</source>")
    assert protected(text, blocks[5]) == ['<ph id="3">&lt;b&gt;</ph>']  # code with its content
    assert "alternative" not in "".join(found)


def test_xliff20_fixture() -> None:
    text = (FIXTURES / "sample20.xlf").read_text(encoding="utf-8")
    blocks = xliff.read(text)
    assert [b.unit_id for b in blocks] == ["u1/s1", "u1/s2", "u2", "u3", "u4"]
    assert texts(text, blocks)[2] == 'Click <pc id="1">here</pc> to open the the files.'
    assert blocks[3].source == 'Der Preis beträgt 25 Euro.<ph id="2"/>'
    assert blocks[4].start == blocks[4].end


def test_xliff_offsets_exact_with_non_ascii_and_utf16_bom() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<xliff version="1.2"><file><body>'
        '<trans-unit id="ü"><source>Größe 😀</source><target>Größe 😀 &lt; ö</target></trans-unit>'
        "</body></file></xliff>"
    )
    text = decode(codecs.BOM_UTF16_LE + xml.encode("utf-16-le"))
    document = read_document("a.xlf", text)
    (segment,) = document.segments
    assert segment.text == "Größe 😀 &lt; ö" == text[segment.start : segment.end]
    assert [text[s:e] for s, e in segment.protected] == ["&lt;"]
    assert segment.source == "Größe 😀" and segment.unit_id == "ü"


def test_xliff_comments_processing_instructions_and_cdata_in_target_are_protected() -> None:
    text = (
        '<xliff version="1.2"><file><body><trans-unit id="1"><source>a</source>'
        "<target>x<!-- a\r\nb -->y <?pi z?><![CDATA[c]]></target></trans-unit></body></file></xliff>"
    )
    (block,) = xliff.read(text)
    assert text[block.start : block.end] == "x<!-- a\r\nb -->y <?pi z?><![CDATA[c]]>"
    assert protected(text, block) == ["<!-- a\r\nb -->", "<?pi z?><![CDATA[", "]]>"]  # touching spans merge


def test_xliff_malformed_names_line_and_column() -> None:
    with pytest.raises(InputError, match=r"^malformed XLIFF: mismatched tag at line 3, column 3$"):
        xliff.read('<xliff version="1.2">\n<file><body>\n</file></xliff>')
    with pytest.raises(InputError, match=r"^not XLIFF: the root element is <html>"):
        xliff.read("<html><body/></html>")


def test_xliff_xxe_is_refused_and_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    for target in (f"file://{secret}", "file:///etc/passwd"):
        payload = (
            f'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "{target}">]>\n'
            '<xliff version="1.2"><file><body><trans-unit id="1"><source>a</source>'
            "<target>&xxe;</target></trans-unit></body></file></xliff>"
        )
        with pytest.raises(InputError) as caught:
            xliff.read(payload)
        message = str(caught.value)
        assert message.startswith("XLIFF with entity declarations refused")
        assert "TOP-SECRET" not in message and "root:" not in message


def test_xliff_billion_laughs_is_refused_fast() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    payload = f'<?xml version="1.0"?><!DOCTYPE xliff [{entities}]><xliff>&lol9;</xliff>'
    started = time.perf_counter()
    with pytest.raises(InputError, match="entity declarations refused"):
        xliff.read(payload)
    assert time.perf_counter() - started < 1


# -- TSV / CSV -----------------------------------------------------------------------------


def test_tsv_fixture() -> None:
    text = (FIXTURES / "sample.tsv").read_text(encoding="utf-8")
    blocks = tabular.read(text)
    assert [b.unit_id for b in blocks] == ["t1", "t2", "t3", "t4", "t5"]
    assert texts(text, blocks)[2] == "Click here to open the the files."
    assert blocks[2].source == "Klicken Sie hier, um {0} Dateien zu öffnen."
    assert blocks[4].start == blocks[4].end and not blocks[4].split


def test_csv_fixture_quoted_multiline_fields() -> None:
    text = (FIXTURES / "sample.csv").read_bytes().decode("utf-8")  # keep its \r\n
    blocks = tabular.read(text)
    found = texts(text, blocks)
    assert found[0] == "The delegation punched officials, he said."
    assert found[2] == 'Click ""here"" to open the the\nfiles.'
    assert protected(text, blocks[2]) == ['""', '""']
    assert blocks[2].source == 'Klicken Sie "hier", um {0} Dateien\nzu öffnen.'
    assert [b.unit_id for b in blocks] == ["line 2", "line 3", "line 4", "line 7", "line 8"]
    assert blocks[-1].start == blocks[-1].end


def test_tabular_columns_by_name_or_position() -> None:
    text = "Note,Translation,SRC\nn,Hello there,Hallo\n"
    (block,) = tabular.read(text)
    assert text[block.start : block.end] == "Hello there" and block.source == "Hallo"
    text = "de,en\nHallo,Hello\n"
    (block,) = tabular.read(text)
    assert text[block.start : block.end] == "Hello" and block.source == "Hallo"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("source,target\nA,B\n1,2,3\n", "malformed CSV: line 3 has 3 columns, the header has 2"),
        ('source,target\n"x,y\n', "malformed CSV: an unterminated quoted field at line 2"),
        ('source,target\n"x"y,z\n', "malformed CSV: text after a closing quote at line 2"),
        ("source\ttarget\nA\tB\tC\n", "malformed TSV: line 2 has 3 columns, the header has 2"),
        ("only\nx\n", "has no target column"),
    ],
)
def test_tabular_malformed(content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        tabular.read(content)


# -- JSONL ---------------------------------------------------------------------------------


def test_jsonl_fixture_field_aliases_and_escapes() -> None:
    text = (FIXTURES / "sample.jsonl").read_text(encoding="utf-8")
    blocks = jsonl.read(text)
    assert [b.unit_id for b in blocks] == ["j1", "j2", "j3", "j4", "j5", "j6"]
    found = texts(text, blocks)
    assert found[2] == 'Click \\"here\\" to open the the files.'  # tgt, escapes raw
    assert protected(text, blocks[2]) == ['\\"', '\\"']
    assert blocks[2].source == 'Klicken Sie "hier", um {0} Dateien zu öffnen.'  # src, decoded
    assert found[3] == "The price is 52 euros."  # mt
    assert blocks[4].start == blocks[4].end  # translation: ""
    assert protected(text, blocks[5]) == ["\\n", "\\u00e9"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"target": "a"}\n{"source": "a", "target": "b"\n', r"^invalid JSON at line 2, column 30: "),
        ("[1, 2]\n", "JSONL line 1 is not a JSON object"),
        ('{"source": "a"}\n', "JSONL line 1 has no target field"),
        ('{"target": 3}\n', "JSONL line 1: field 'target' is not a string"),
    ],
)
def test_jsonl_malformed(content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        jsonl.read(content)


# -- read_document and decode --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "module", "bilingual"),
    [("a.md", "markdown", False), ("a.HTM", "html", False), ("a.pot", "po", True), ("a.xliff", "xliff", True),
     ("a.tsv", "tabular", True), ("a.csv", "tabular", True), ("a.jsonl", "jsonl", True), ("a.rst", "plaintext", False)],
)  # fmt: skip
def test_format_for(name: str, module: str, bilingual: bool) -> None:
    assert format_for(name) == (module, bilingual)


def test_unknown_input_format() -> None:
    with pytest.raises(InputError, match="unknown input format 'docx'"):
        format_for("a.txt", "docx")


def test_utf16_bom_markdown_through_decode() -> None:
    source = "# Title\n\nA invasion of the the capital.\n"
    for encoded in (codecs.BOM_UTF16_LE + source.encode("utf-16-le"), codecs.BOM_UTF16_BE + source.encode("utf-16-be")):
        text = decode(encoded)
        assert text == source
        document = read_document("a.md", text)
        assert [s.text for s in document.segments] == ["Title", "A invasion of the the capital."]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_every_fixture_reads_with_exact_offsets(name: str) -> None:
    text = decode((FIXTURES / name).read_bytes())
    document = read_document(name, text)
    assert document.segments
    previous_end = 0
    for segment in document.segments:
        assert text[segment.start : segment.end] == segment.text
        assert previous_end <= segment.start <= segment.end
        previous_end = segment.end
    if document.bilingual:
        assert all(s.source for s in document.segments)
    body = "\n".join(s.text for s in document.segments)
    assert "a invasion" in body and "the the" in body  # the planted MT errors other tests use
