"""MT403 (source-aware-qe) and mtqa.qe.infer on a tiny QE model with random weights.

Random weights say nothing about quality: these tests hold the mechanics (spans slice the
text, severities follow the thresholds, notes for bad input, the output cache, long pairs
split and never truncated, the eval path's score), with thresholds chosen to make a finding
certain or impossible.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mtqa.config import Config
from mtqa.engine import run
from mtqa.evaluation.runner import run_eval
from mtqa.evaluation.system import CheckerSystem
from mtqa.findings import Severity
from mtqa.qe import guards
from mtqa.qe.infer import LoadedQE, word_spans
from mtqa.qe.runtime import NumpyQE
from mtqa.report import NoteKind
from tests.model_fixtures import TINY_QE_THRESHOLDS, build_tiny_qe_check, tiny_qe  # noqa: F401 - a fixture

SOURCE = "Die Katze sieht das rote Buch heute."
TARGET = "The cat sees the red book today."
EVAL_DATA = Path(__file__).parent / "data" / "eval" / "mlqe" / "xx-en"


def write_tsv(folder: Path, rows: list[tuple[str, str]]) -> Path:
    path = folder / "units.tsv"
    path.write_text("source\ttarget\n" + "".join(f"{s}\t{t}\n" for s, t in rows), encoding="utf-8")
    return path


def check(path: Path, **settings: object):  # noqa: ANN201 - a FileResult
    report = run([str(path)], Config(select=["MT403"], source_lang="de", **settings))
    assert not report.skipped, report.skipped
    (result,) = report.files
    assert not result.errors, result.errors
    return result


def use_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **thresholds: float) -> LoadedQE:
    """A tiny QE model with these thresholds as the shipped one."""
    folder, embed = build_tiny_qe_check(tmp_path / "qe-thresholds", thresholds={**TINY_QE_THRESHOLDS, **thresholds})
    monkeypatch.setenv("MTQA_QE_DIR", str(folder))
    return LoadedQE(folder, embed, "test")


def forward_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batch sizes of every forward pass from now on."""
    calls: list[int] = []
    original = NumpyQE.__call__

    def counted(self, batch):  # noqa: ANN001, ANN202
        calls.append(batch.ids.shape[0])
        return original(self, batch)

    monkeypatch.setattr(NumpyQE, "__call__", counted)
    return calls


def test_word_and_source_findings_slice_the_text(tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # every probability is above 0 and below 1.01: each unit gives one target run and one source run, minor
    use_thresholds(tmp_path, monkeypatch, target_minor=0.0, target_major=1.01, source_minor=0.0, source_major=1.01)
    result = check(write_tsv(tmp_path, [(SOURCE, TARGET), ("Der Hund mag das Haus.", "The dog likes the house.")]))
    text = result.document.text
    by_kind = {(f.category, f.context): f for f in result.findings}
    assert len(by_kind) == len(result.findings) == 4
    for segment in result.document.segments:
        words = word_spans(segment.text)
        target = by_kind[("accuracy/mistranslation", segment.text)]
        assert (target.start, target.end) == (segment.start + words[0][0], segment.start + words[-1][1])
        assert target.text == text[target.start : target.end] and f"«{target.text}»" in target.message
        assert target.severity is Severity.MINOR
        source = by_kind[("accuracy/omission", segment.text)]
        assert (source.start, source.end) == (segment.start, segment.end)  # on the target unit, whole
        assert f"lost or mistranslated «{segment.source}»" in source.message
        assert source.details["source_words"] == segment.source
    assert result.signatures["MT403"].startswith("model:mtqa-qe@sha256:")
    assert "|embed:" in result.signatures["MT403"] and "|thr:0/1.01/0/1.01/-3|" in result.signatures["MT403"]


def test_thresholds_decide_what_is_flagged_and_how_badly(tiny_qe, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    qe = use_thresholds(tmp_path, monkeypatch, target_minor=0.5, target_major=0.55, source_minor=1.01)
    (scored,) = qe.score([(SOURCE, TARGET)])
    result = check(write_tsv(tmp_path, [(SOURCE, TARGET)]))
    words = word_spans(TARGET)
    flagged = {i for i, p in enumerate(scored.target) if p >= 0.5}
    covered = {i for f in result.findings for i, (a, b) in enumerate(words)
               if f.start - result.document.segments[0].start <= a < f.end - result.document.segments[0].start}
    assert covered == flagged
    for finding in result.findings:
        assert finding.category == "accuracy/mistranslation"  # no source word reaches 1.01
        expected = Severity.MAJOR if finding.details["probability"] >= 0.55 else Severity.MINOR
        assert finding.severity is expected


def test_a_unit_far_below_the_mismatch_line_gets_one_whole_unit_finding(
    tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_thresholds(tmp_path, monkeypatch, target_minor=0.0, source_minor=0.0, mismatch_da=100.0)
    result = check(write_tsv(tmp_path, [(SOURCE, TARGET)]))
    (finding,) = result.findings  # the word findings are left out: every word would be
    segment = result.document.segments[0]
    assert (finding.start, finding.end, finding.severity) == (segment.start, segment.end, Severity.MAJOR)
    assert "does not read as a translation of its source" in finding.message


def test_a_language_the_encoder_does_not_cover_is_one_note_and_costs_nothing(
    tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guards, "covers", lambda lang: lang != "de")
    monkeypatch.setenv("MTQA_QE_DIR", str(tmp_path / "no-model"))  # not even looked for
    result = check(write_tsv(tmp_path, [(SOURCE, TARGET)] * 3))
    assert result.findings == [] and "MT403" not in result.signatures
    notes = [n.message for n in result.notes if n.kind is NoteKind.CHECK_NOTE]
    assert notes == ["MT403: the QE model's encoder (multilingual-e5-small) was not trained on de; not run on this file"]


def test_empty_source_and_empty_target_are_not_run_the_other_units_are(
    tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []
    original = LoadedQE.score
    monkeypatch.setattr(LoadedQE, "score", lambda self, pairs: seen.extend(pairs) or original(self, pairs))
    rows = [(SOURCE, TARGET), ("", "A lone target."), ("Der Hund mag das Haus.", " "), ("Der Arzt liest.", "The doctor reads.")]
    report = run([str(write_tsv(tmp_path, rows))], Config(select=["MT403", "MT206"], source_lang="de"))
    (result,) = report.files
    assert seen == [(SOURCE, TARGET), ("Der Arzt liest.", "The doctor reads.")]
    assert [n.message for n in result.notes if n.kind is NoteKind.CHECK_NOTE] == [
        "MT403: line 3: the source is empty, so the unit was not scored"
    ]
    assert [f.code for f in result.findings if f.context.strip() == ""] == ["MT206"]  # the empty target is MT206's


def test_a_swapped_unit_is_a_finding_instead_of_scores(tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    german = "Die Gespräche werden im Mai fortgesetzt, sagte der Minister am Dienstag in Berlin."
    seen: list[tuple[str, str]] = []
    original = LoadedQE.score
    monkeypatch.setattr(LoadedQE, "score", lambda self, pairs: seen.extend(pairs) or original(self, pairs))
    use_thresholds(tmp_path, monkeypatch, target_minor=1.01, source_minor=1.01)  # nothing else is flagged
    result = check(write_tsv(tmp_path, [(german, german + " Heute."), (SOURCE, TARGET)]))
    (finding,) = result.findings
    assert finding.category == "accuracy/untranslated" and finding.severity is Severity.MAJOR
    assert finding.context == german + " Heute." and "source language (de)" in finding.message
    assert seen == [(SOURCE, TARGET)]


def test_a_rerun_is_answered_by_the_output_cache(tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_tsv(tmp_path, [(SOURCE, TARGET), ("Der Hund mag das Haus.", "The dog likes the house.")])
    calls = forward_calls(monkeypatch)
    first = check(path)
    assert calls == [2]  # one batch of both units
    second = check(path)
    assert calls == [2]  # nothing run again
    assert [f.to_dict() for f in first.findings] == [f.to_dict() for f in second.findings]
    assert first.signatures == second.signatures


def test_a_pair_over_the_token_limit_is_split_never_truncated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, embed = build_tiny_qe_check(tmp_path / "short", max_tokens=24)
    qe = LoadedQE(folder, embed, "test")
    source = " ".join([SOURCE, "Der Hund mag das kleine Haus.", "Mein Freund liest einen neuen Brief.", "Das Kind malt."])
    target = " ".join([TARGET, "The dog likes the small house.", "My friend reads a new letter.", "The child paints."])
    widths: list[int] = []
    original = NumpyQE.__call__
    monkeypatch.setattr(NumpyQE, "__call__", lambda self, batch: widths.append(batch.ids.shape[1]) or original(self, batch))
    (whole,) = qe.score([(source, target)])
    assert whole.parts >= 2 and max(widths) <= 24
    assert len(whole.target) == len(word_spans(target)) and len(whole.source) == len(word_spans(source))
    monkeypatch.setenv("MTQA_QE_DIR", str(folder))
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    from tests.model_fixtures import write_registry

    monkeypatch.setenv("MTQA_REGISTRY", str(write_registry(tmp_path / "registry.toml", {"embed": str(embed)})))
    result = check(write_tsv(tmp_path, [(SOURCE, TARGET), (source, target)]))
    assert [n.message for n in result.notes if n.kind is NoteKind.CHECK_NOTE] == [
        f"MT403: line 3 ({whole.parts} parts): over the model's 24 tokens, scored in sentence-aligned parts"
    ]


def test_units_without_a_source_and_monolingual_files_are_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_QE_DIR", str(tmp_path / "no-model"))  # never looked for
    (tmp_path / "plain.txt").write_text(TARGET + "\n", encoding="utf-8")
    report = run([str(tmp_path / "plain.txt")], Config(select=["MT403"]))
    assert not report.skipped and report.files[0].findings == [] and report.files[0].notes == []


def test_a_missing_model_or_embed_role_skips_the_check_with_what_to_do(
    tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_tsv(tmp_path, [(SOURCE, TARGET)])
    from tests.model_fixtures import write_registry

    monkeypatch.setenv("MTQA_REGISTRY", str(write_registry(tmp_path / "none.toml", {"embed": str(tmp_path / "none")})))
    report = run([str(path)], Config(select=["MT403"], source_lang="de"))
    assert "mtqa models pull" in report.skipped["MT403"]
    monkeypatch.setenv("MTQA_QE_DIR", str(tmp_path / "no-model"))
    report = run([str(path)], Config(select=["MT403"], source_lang="de"))
    assert "MTQA_QE_DIR" in report.skipped["MT403"]


def _mlqe_de_en(tmp_path: Path) -> Path:
    """The test MLQE-PE pair as de-en (a source language the encoder covers)."""
    shutil.copytree(EVAL_DATA, tmp_path / "mlqe" / "de-en")
    return tmp_path / "mlqe"


def test_eval_with_sources_scores_by_the_qe_model(tiny_qe, tmp_path: Path) -> None:
    qe = LoadedQE(*tiny_qe, "test")
    data = _mlqe_de_en(tmp_path)
    (pair,) = __import__("mtqa.evaluation.mlqe", fromlist=["load"]).load(data, "dev", None, None)
    expected = [qe.penalty(r) for r in qe.score(list(zip(pair.sources, pair.texts, strict=True)))]
    checker = CheckerSystem(Config(select=["MT402", "MT403"]))  # MT402: the target-only detector's score
    scores = [p.score for p in checker.predict(pair.texts, "en", pair.sources, "de")]
    assert scores == pytest.approx(expected)  # the QE score replaces the detector's
    without = CheckerSystem(Config(select=["MT402", "MT403"]), use_source=False)
    assert [p.score for p in without.predict(pair.texts, "en")] != pytest.approx(expected)
    evaluated = run_eval("mlqe-pe", data, "dev", Config(select=["MT403"]))
    assert evaluated.signatures["MT403"].startswith("model:mtqa-qe@") and evaluated.items == len(pair.texts)


def test_runs_without_torch(tiny_qe, tmp_path: Path) -> None:
    """The check needs numpy, safetensors and tokenizers only (as the detector's does)."""
    import subprocess
    import sys

    path = write_tsv(tmp_path, [(SOURCE, TARGET)])
    script = (
        "import sys\n"
        "for name in ('transformers', 'torch'): sys.modules[name] = None\n"
        "from mtqa.config import Config\nfrom mtqa.engine import run\n"
        f"report = run([{str(path)!r}], Config(select=['MT403'], source_lang='de'))\n"
        "print(report.skipped, report.files[0].errors, report.files[0].signatures['MT403'][:14])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{} [] model:mtqa-qe@", done.stdout


def test_by_default_a_machine_without_the_model_lists_the_check_and_still_gates(
    tiny_qe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chosen only by DEFAULT, MT403 without its pulled embeddings is listed with the pull
    command and the exit code is the rules'; selected by code it is an error (exit 2)."""
    from tests.model_fixtures import write_registry

    path = write_tsv(tmp_path, [(SOURCE, TARGET)])
    monkeypatch.setenv("MTQA_REGISTRY", str(write_registry(tmp_path / "none.toml", {"embed": str(tmp_path / "none")})))
    report = run([str(path)], Config(source_lang="de"))
    assert "MT403" not in report.skipped and "mtqa models pull" in str(report.not_available["MT403"])
    assert report.exit_code() == 0
    report = run([str(path)], Config(select=["MT403"], source_lang="de"))
    assert "MT403" in report.skipped and report.exit_code() == 2


def test_words_keep_their_combining_marks() -> None:
    """Devanagari and Sinhala vowel signs are not \\w: the words must stay whole, as MLQE-PE has them."""
    for text, words in (("नेपाल को राजधानी काठमाडौं हो ।", ["नेपाल", "को", "राजधानी", "काठमाडौं", "हो", "।"]),
                        ("ලංකාව සහ ඉන්දියාව", ["ලංකාව", "සහ", "ඉන්දියාව"]), ("The cat, sees.", ["The", "cat", ",", "sees", "."])):
        assert [text[a:b] for a, b in word_spans(text)] == words
