"""Files say their language and encoding; the settings, when the user gives them, say otherwise.

Precedence: command line > config > the file's declaration > a locale in its path > English.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mtqa import locales
from mtqa.config import Config
from mtqa.document import LanguageFrom
from mtqa.engine import check_context, run
from mtqa.readers import read_document
from mtqa.report import NoteKind

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "l10n"
L10N_FILES = {
    "messages.es.xlf": ("es", "path", "en"),
    "locale/it/LC_MESSAGES/harbour.po": ("it", "path", None),
    "po/de.po": ("de", "file", None),
    "po/fr.po": ("fr", "file", None),
}


def po(body: str, language: str | None = None, charset: str = "UTF-8") -> str:
    header = 'msgid ""\nmsgstr ""\n'
    if language is not None:
        header += f'"Language: {language}\\n"\n'
    header += f'"Content-Type: text/plain; charset={charset}\\n"\n\n'
    return header + body


GERMAN = po(
    'msgid "The house is big and the garden is small."\nmsgstr "Das Haus ist groß und der Garten ist klein."\n', "de"
)


@pytest.mark.parametrize(
    ("written", "tag"),
    [("de", "de"), ("pt_BR", "pt-BR"), ("de_DE.UTF-8", "de-DE"), ("zh-Hans", "zh-Hans"),
     ("sr@latin", "sr-Latn"), ("ca@valencia", "ca"), ("iw", "he"), ("ast", "ast"),
     ("C", None), ("xx", None), ("LC_MESSAGES", None), ("und", None), ("", None), ("de DE", None)],
)
def test_tags_are_validated_and_normalised(written: str, tag: str | None) -> None:
    assert locales.normalise(written) == tag


@pytest.mark.parametrize(
    ("path", "tag"),
    [("po/de.po", "de"), ("po/pt_BR.po", "pt-BR"), ("de/LC_MESSAGES/app.po", "de"),
     ("locale/ast/LC_MESSAGES/app.po", "ast"), ("locale/sr@latin/LC_MESSAGES/app.po", "sr-Latn"),
     ("messages.fr.xlf", "fr"), ("docs/index.zh-Hans.md", "zh-Hans"), ("C:\\l10n\\it.po", "it"),
     ("app.po", None), ("messages.xlf", None), ("README.md", None), ("to_do.txt", None),
     ("LC_MESSAGES/app.po", None), ("notes.EN.txt", None)],
)
def test_a_locale_in_the_path(path: str, tag: str | None) -> None:
    assert locales.path_locale(path) == tag


@pytest.mark.parametrize(
    ("settings", "declared", "path", "expected"),
    [(("en", None), ("fr", "de"), "es.po", ("en", "settings", "fr", "file")),
     ((None, "it"), ("fr", "de"), "es.po", ("de", "file", "it", "settings")),
     ((None, None), (None, "de"), "es.po", ("de", "file", None, None)),
     ((None, None), (None, None), "es.po", ("es", "path", None, None)),
     ((None, None), (None, None), "app.po", ("en", "default", None, None))],
)
def test_precedence(settings: tuple, declared: tuple, path: str, expected: tuple) -> None:
    target, source = settings
    declared_source, declared_target = declared
    got = locales.resolve(target, source, declared_target, declared_source, path)
    assert (got.target, str(got.target_from), got.source, got.source_from and str(got.source_from)) == expected


def test_po_language_header_sets_the_target() -> None:
    document = read_document("strings.po", GERMAN)
    assert (document.languages.target, document.languages.target_from) == ("de", LanguageFrom.FILE)
    assert document.declared.target == "de"
    assert read_document("strings.po", GERMAN, lang="en").languages.target == "en"  # the settings win
    template = read_document("de.po", po('msgid "Yes."\nmsgstr "Ja."\n', language=""))
    assert (template.languages.target, template.languages.target_from) == ("de", LanguageFrom.PATH)


@pytest.mark.parametrize(
    ("xliff", "source", "target"),
    [('<xliff version="1.2"><file source-language="en-US" target-language="pt_BR" original="a">'
      '<body><trans-unit id="1"><source>Yes.</source><target>Sim.</target></trans-unit></body></file></xliff>',
      "en-US", "pt-BR"),
     ('<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="de" trgLang="fr">'
      '<file id="f"><unit id="1"><segment><source>Ja.</source><target>Oui.</target></segment></unit></file></xliff>',
      "de", "fr"),
     ('<xliff version="1.2"><file source-language="en" target-language="nonsense-tag-x" original="a">'
      '<body><trans-unit id="1"><source>Yes.</source><target>Sí.</target></trans-unit></body></file></xliff>',
      "en", None)],
)
def test_xliff_declares_its_languages(xliff: str, source: str, target: str | None) -> None:
    document = read_document("messages.es.xlf", xliff)
    assert document.declared.source == source and document.declared.target == target
    assert document.languages.target == (target or "es")  # an unknown tag gives way to the path
    assert document.languages.source == source


def test_the_context_has_the_documents_languages() -> None:
    config = Config(languages=["en", "fr"])
    document = read_document("strings.po", GERMAN.replace("Language: de", "Language: de_AT"))
    ctx = check_context(config, languages=document.languages)
    assert (ctx.target_lang, ctx.source_lang) == ("de", None)  # checks get the base language
    assert ctx.languages == {"en", "fr", "de"}  # identification may answer the file's language
    assert check_context(config).target_lang == "en"  # without a document: the config's


def test_a_german_po_file_is_checked_as_german(tmp_path: Path) -> None:
    (tmp_path / "strings.po").write_text(GERMAN, encoding="utf-8")
    report = run([str(tmp_path / "strings.po")], Config(select=["MT107", "MT101", "MT402"]))
    result = report.files[0]
    assert result.findings == [] and result.errors == []
    assert [(n.kind, n.message) for n in result.notes] == [
        (NoteKind.CHECK_NOT_APPLICABLE, "MT101, MT402 check en only; not run on this de file")
    ]
    assert report.exit_code() == 0  # a note never fails the run
    told = Config(select=["MT107"]).merged({"target_lang": "en"}, "command line")
    as_english = run([str(tmp_path / "strings.po")], told)
    assert [f.code for f in as_english.files[0].findings] == ["MT107"]  # what it was before
    assert as_english.files[0].notes == []


def test_latin1_po_file_is_decoded_with_its_charset(tmp_path: Path) -> None:
    text = po('msgid "It is 5 o\'clock."\nmsgstr "Il est 6 heures, déjà."\n', "fr", charset="ISO-8859-1")
    (tmp_path / "fr.po").write_bytes(text.encode("latin-1"))
    report = run([str(tmp_path / "fr.po")], Config(select=["MT201"]))
    result = report.files[0]
    assert result.errors == [] and result.document.text == text
    assert {f.code for f in result.findings} == {"MT201"}  # 5 is missing, 6 added
    assert all(f.text == result.document.text[f.start : f.end] for f in result.findings)
    assert "6" in [f.text for f in result.findings]


@pytest.mark.parametrize(("charset", "data", "error"), [
    ("CP1252", b"\x81", "not valid CP1252 as the file declares (byte 0x81 at offset"),
    ("UTF-8", b"\xe9", "not valid UTF-8 (byte 0xe9 at offset"),
    ("CHARSET", b"\xe9", "not valid UTF-8 (byte 0xe9 at offset"),  # a template's placeholder
])
def test_a_byte_the_charset_lacks_is_one_line_naming_the_file(
    cli: Callable, write: Callable, charset: str, data: bytes, error: str
) -> None:
    content = po('msgid "Yes."\nmsgstr "Oui"\n', "fr", charset).encode("ascii")
    write("bad.po", content.replace(b'"Oui"', b'"Oui' + data + b'"'))
    result = cli("check", "bad.po", "--select", "MT102")
    assert result.exit_code == 2 and result.exception is None
    assert f"bad.po: error: {error}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unknown_charset_is_read_as_utf8(write: Callable) -> None:
    path = write("de.po", po('msgid "Big."\nmsgstr "Groß."\n', charset="CHARSET"))
    report = run([str(path)], Config(select=["MT102"]))
    assert report.files[0].errors == [] and "Groß." in report.files[0].document.text


def test_an_xml_encoding_declaration_decodes_xliff(write: Callable) -> None:
    xliff = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<xliff version="1.2"><file source-language="en" '
             'target-language="fr" original="a"><body><trans-unit id="1"><source>It is late, is it not?</source>'
             '<target>Il est déjà tard, non ?</target></trans-unit></body></file></xliff>\n')
    path = write("a.xlf", xliff.encode("latin-1"))
    result = run([str(path)], Config(select=["MT102"])).files[0]
    assert result.errors == [] and "déjà" in result.document.text
    assert (result.languages.source, result.languages.target) == ("en", "fr")


@pytest.fixture
def l10n(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "l10n"))


def test_a_localisation_repository_checks_cleanly(cli: Callable, l10n: Path) -> None:
    result = cli("check", "l10n", "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    files = {Path(f["path"]).relative_to("l10n").as_posix(): f for f in report["files"]}
    assert set(files) == set(L10N_FILES)
    for name, (target, origin, source) in L10N_FILES.items():
        entry = files[name]
        assert entry["findings"] == [] and "errors" not in entry, name
        languages = entry["languages"]
        assert (languages["target"], languages["target_from"], languages["source"]) == (target, origin, source), name
        assert [n["kind"] for n in entry["notes"]] == ["check-not-applicable"], name
        assert entry["notes"][0]["message"].endswith(f"not run on this {target} file")
    assert report["summary"]["findings"] == 0 and report["summary"]["notes"] == len(L10N_FILES)


def test_a_planted_error_in_the_repository_is_found(cli: Callable, l10n: Path) -> None:
    fr = l10n / "po" / "fr.po"
    data = fr.read_bytes()
    assert b"dans 3 jours" in data
    fr.write_bytes(data.replace(b"dans 3 jours", b"dans 4 jours"))
    result = cli("check", "l10n", "--format", "json")
    assert result.exit_code == 1
    findings = [f for entry in json.loads(result.stdout)["files"] for f in entry["findings"]]
    assert {(Path(f["path"]).name, f["code"]) for f in findings} == {("fr.po", "MT201")}  # 3 missing, 4 added
    assert "4" in [f["text"] for f in findings]


def test_lang_on_the_command_line_overrides_every_file(cli: Callable, l10n: Path) -> None:
    result = cli("check", "l10n", "--format", "json", "--lang", "en", "--select", "MT107")
    report = json.loads(result.stdout)
    assert {f["languages"]["target"] for f in report["files"]} == {"en"}
    assert {f["languages"]["target_from"] for f in report["files"]} == {"settings"}
    assert result.exit_code == 1 and {f["check"] for e in report["files"] for f in e["findings"]} == {"wrong-language"}


def test_config_target_lang_overrides_the_files(cli: Callable, l10n: Path) -> None:
    (l10n.parent / "mtqa.toml").write_text('target-lang = "de"\nselect = ["MT102"]\n', encoding="utf-8")
    report = json.loads(cli("check", "l10n", "--format", "json").stdout)
    assert {f["languages"]["target"] for f in report["files"]} == {"de"}


def test_every_report_shows_the_languages_each_file_was_checked_as(l10n: Path) -> None:
    from mtqa.formatters import html, junit, markdown, sarif, terminal

    report = run([str(l10n)], Config(select=["MT102"]))
    line = "Checked as de (1 file), en → es (1 file), fr (1 file), it (1 file)."
    assert line in terminal.render(report)
    assert "Checked as de &#40;1 file&#41;, en → es" in markdown.render(report)
    page = html.render(report)
    assert all(f"checked as {label}</span>" in page for label in ("de", "en → es", "fr", "it"))
    artifacts = sarif.to_sarif(report)["runs"][0]["artifacts"]
    by_name = {Path(a["location"]["uri"]).name: a["properties"]["languages"] for a in artifacts}
    assert by_name["messages.es.xlf"] == {"target": "es", "target_from": "path", "source": "en", "source_from": "file"}
    assert junit.render(report).count('name="mtqa.language.target" value="') == len(L10N_FILES)


def test_english_by_default_adds_no_line(tmp_path: Path) -> None:
    from mtqa.formatters import terminal

    (tmp_path / "a.txt").write_text("The house is big.\n", encoding="utf-8")
    report = run([str(tmp_path / "a.txt")], Config(select=["MT102"]))
    assert report.files[0].languages.target_from is LanguageFrom.DEFAULT
    assert "Checked as" not in terminal.render(report)


def test_a_config_built_in_python_sets_the_language(tmp_path: Path) -> None:
    (tmp_path / "strings.po").write_text(GERMAN, encoding="utf-8")
    assert not Config().is_set("target_lang") and Config().merged({"target-lang": "en"}, "x.toml").is_set("target_lang")
    languages = run([str(tmp_path / "strings.po")], Config(select=["MT102"], target_lang="fr")).files[0].languages
    assert (languages.target, languages.target_from) == ("fr", LanguageFrom.SETTINGS)
