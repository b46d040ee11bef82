"""The cross-segment checks (MT5xx) through the engine: across files, with term lists, in reports.

The fixture is a small PO project (fixtures/po-project: two files, a glossary and a
do-not-translate list); the check logic itself is held by tests/cases/MT5*.toml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mtqa.checks import all_checks
from mtqa.checks.base import RunCheck, RunContext
from mtqa.cli import app
from mtqa.config import Config, load_config
from mtqa.engine import run
from mtqa.formatters import get_formatter
from mtqa.readers import read_document
from mtqa.report import EXIT_ERROR, EXIT_FINDINGS
from mtqa.terms import parse_dnt, parse_glossary

PROJECT = Path(__file__).parent.parent / "fixtures" / "po-project"


def project_run(**settings: object) -> object:
    config = Config(source_lang="en", glossary=str(PROJECT / "terms.csv"), dnt=str(PROJECT / "dnt.txt"), **settings)
    return run([str(PROJECT / "po")], config)


def by_code(report: object, code: str) -> list:
    return [f for f in report.findings if f.code == code]  # type: ignore[attr-defined]


def test_the_project_gets_inconsistencies_across_files_and_glossary_findings() -> None:
    report = project_run()
    [inconsistent] = by_code(report, "MT501")
    assert inconsistent.path.endswith("settings.de.po") and inconsistent.text == "Datei sichern"
    assert inconsistent.suggestion == "Datei speichern"
    [other] = inconsistent.details["others"]
    assert other["path"].endswith("app.de.po") and other["text"] == "Datei speichern"
    document = next(r.document for r in report.files if r.path == other["path"])
    assert document.text[other["start"] : other["end"]] == other["text"]
    assert [(f.text, f.suggestion) for f in by_code(report, "MT506")] == [("Ablage", "Speicher")]
    assert [(f.text, f.suggestion) for f in by_code(report, "MT505")] == [("Spiecher", "Speicher")]
    assert [(f.text, f.suggestion) for f in by_code(report, "MT508")] == [("Github", "GitHub")]
    assert report.exit_code() == EXIT_FINDINGS and report.run_errors == []


def test_files_in_other_languages_are_not_compared(tmp_path: Path) -> None:
    for lang, target in (("de", "Datei speichern"), ("fr", "Enregistrer le fichier")):
        (tmp_path / f"{lang}.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n\nmsgid "Save file"\nmsgstr "{target}"\n', encoding="utf-8"
        )
    assert by_code(run([str(tmp_path)], Config(select=["MT501"])), "MT501") == []


def test_without_term_lists_the_term_checks_do_not_run_and_nothing_fails() -> None:
    report = run([str(PROJECT / "po")], Config(source_lang="en", select=["MT5"]))
    assert {f.code for f in report.findings} == {"MT501", "MT503"} and report.run_errors == []


def test_config_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "project")
    (tmp_path / "project" / "mtqa.toml").write_text('glossary = "terms.csv"\ndnt = "dnt.txt"\n', encoding="utf-8")
    config = load_config(start=tmp_path / "project" / "po")
    assert Path(config.glossary or "") == tmp_path / "project" / "terms.csv"
    report = run([str(tmp_path / "project" / "po")], config)
    assert by_code(report, "MT506") and by_code(report, "MT508")


BAD_GLOSSARIES = {
    "missing-column.csv": (b"source,notes\nmemory,hardware\n", "row 1: missing column 'target'"),
    "semicolons.csv": (b"source;target\nmemory;Speicher\n", "row 1: the columns are separated by semicolons"),
    "duplicate.csv": (b"source,target\nmemory,Speicher\nfile,Datei\nMemory,Arbeitsspeicher\n",
                      "row 4: duplicate source term 'Memory' (also on row 2)"),
    "empty.csv": (b"", "row 1: empty glossary"),
    "latin1.csv": (b"source,target\nmemory,Speicher\nfile,D\xe4tei\n", "row 3: not valid UTF-8"),
    "columns.tsv": (b"source\ttarget\nmemory\tSpeicher\textra\n", "row 2: 3 columns, but the header has 2"),
    "entity.tbx": (b'<?xml version="1.0"?>\n<!DOCTYPE martif [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
                   b"<martif><text><body><termEntry><langSet xml:lang='en'><tig><term>&x;</term></tig></langSet>"
                   b"</termEntry></body></text></martif>\n", "row 3: TBX with entity declarations refused"),
}


@pytest.mark.parametrize("name", list(BAD_GLOSSARIES))
def test_a_bad_glossary_is_one_line_naming_file_and_row_and_nothing_else_is_lost(name: str, tmp_path: Path) -> None:
    data, expected = BAD_GLOSSARIES[name]
    glossary = tmp_path / name
    glossary.write_bytes(data)
    report = run([str(PROJECT / "po")], Config(source_lang="en", glossary=str(glossary), dnt=str(PROJECT / "dnt.txt")))
    assert len(report.run_errors) == 1 and report.run_errors[0].startswith(f"{glossary}: {expected}"), report.run_errors
    assert report.exit_code() == EXIT_ERROR
    assert by_code(report, "MT501") and by_code(report, "MT508")  # the other checks' findings are kept
    result = CliRunner().invoke(app, ["check", str(PROJECT / "po"), "--src-lang", "en", "--glossary", str(glossary),
                                      "--format", "json", "-q"])
    assert result.exit_code == EXIT_ERROR
    assert [line for line in result.stderr.splitlines() if line] == [f"mtqa: error: {report.run_errors[0]}"]
    assert json.loads(result.stdout)["run_errors"] == report.run_errors


def test_a_bad_dnt_list_names_its_row(tmp_path: Path) -> None:
    dnt = tmp_path / "dnt.txt"
    dnt.write_text("GitHub\n# names\nOutlook\nGitHub\n", encoding="utf-8")
    report = run([str(PROJECT / "po")], Config(source_lang="en", dnt=str(dnt)))
    assert report.run_errors == [f"{dnt}: row 4: duplicate term 'GitHub' (also on row 1)"]


def test_sarif_and_html_point_at_the_other_places() -> None:
    report = project_run()
    sarif = json.loads(get_formatter("sarif")(report))
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "MT501"]
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("app.de.po")
    assert related["physicalLocation"]["region"]["snippet"]["text"] == "Datei speichern"
    page = get_formatter("html")(report)
    assert 'also at: <a href="#file-0">' in page and "app.de.po:8</a>" in page


def test_a_tbx_glossary_gives_terms_per_language_pair() -> None:
    tbx = """<?xml version="1.0"?>
<tbx type="TBX-Basic"><text><body>
<conceptEntry id="c1"><descrip type="definition">storage</descrip>
<langSec xml:lang="en"><termSec><term>memory</term></termSec></langSec>
<langSec xml:lang="de-DE"><termSec><term>Speicher</term></termSec>
<termSec><term>Ablage</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termSec></langSec>
<langSec xml:lang="fr"><termSec><term>mémoire</term></termSec></langSec>
</conceptEntry>
</body></text></tbx>
"""
    glossary = parse_glossary(tbx, "g.tbx")
    [term] = glossary.terms_for("de", "en")
    assert (term.source, term.target, term.forbidden, term.row) == ("memory", "Speicher", ("Ablage",), 3)
    assert [t.target for t in glossary.terms_for("fr", "en")] == ["mémoire"]
    assert glossary.terms_for("es", "en") == ()


# Property: on generated runs every MT5xx finding's span, and every place it names, slices its text.
WORDS = ["Grushko", "Gruschko", "Al Jazeera", "Al Jazira", "e-mail", "email", "GitHub", "Github", "Git Hub",
         "memory", "memroy", "storage", "Speicher", "1,000", "1.000", "20 January", "January 20", "Save", "file",
         "the", ".", ",", " ", "  ", "é", "😀", "-", "'", "\u00a0"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=25).map(" ".join)
GLOSSARY = parse_glossary("source,target,forbidden\nSpeicher,memory,storage\nE-Mail,email,\n", "g.csv")
DNT = parse_dnt("GitHub\nAl Jazeera\n", "dnt.txt")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=6), texts)
def test_every_span_and_place_slices_the_text(units: list[tuple[str, str]], prose: str) -> None:
    clean = [(s.replace("\t", " ").strip() or "x", t.replace("\t", " ").strip() or "x") for s, t in units]
    tsv = "source\ttarget\n" + "".join(f"{s}\t{t}\n" for s, t in clean)
    documents = [read_document("a.tsv", tsv, source_lang="de"), read_document("b.txt", prose + " x")]
    ctx = RunContext(documents, source_lang="de", glossary=GLOSSARY, dnt=DNT)
    texts_by_path = {d.path: d.text for d in documents}
    for code, cls in all_checks().items():
        if not issubclass(cls, RunCheck):
            continue
        for finding in cls().check_run(ctx):
            text = texts_by_path[finding.path]
            assert finding.text == text[finding.start : finding.end], code
            assert finding.context_start <= finding.start <= finding.end <= finding.context_end, code
            for other in finding.details.get("others", []):
                assert texts_by_path[other["path"]][other["start"] : other["end"]] == other["text"], code
