"""Apertium as a translator: the null-flush batching, its faults, its registry source, MT301 through it.

.ci/run installs ``apertium apertium-eng-spa``; the tests that run the real program fail (not
skip) where it is missing, so CI cannot go green without the real round trip. The fault
tests put a fake ``apertium`` first on PATH.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqa.backends import Models
from mtqa.backends.apertium import ApertiumTranslator, ProgramFailed, deformat, reformat
from mtqa.backends.loader import load
from mtqa.backends.registry import ProgramSource, load_registry
from mtqa.backends.store import pull, resolve_offline
from mtqa.backends.round_trip import Change
from mtqa.checks.back_translation import REPAIR_MARGIN, BackTranslation, _pronoun_only, default_pivot, default_threshold, repair_gains
from mtqa.config import Config
from mtqa.engine import run
from mtqa.errors import ConfigError, ModelUnavailable
from mtqa.findings import Severity
from tests.model_fixtures import tiny_models, write_registry  # noqa: F401 - fixtures

INSTALL = "apt-get install apertium apertium-eng-spa"
TRICKY = [
    "The Russian delegation bumped fists with officials.",
    "A sentence with a line\nbreak inside it, and a tab\there.",
    "Reserved: [brackets] ^carets$ /slashes\\ @at <angle> {braces} ~tilde.",
    "No final punctuation",
    "Is it a question?",
    "  Leading and trailing spaces.  ",
    "",
    "He kicked the bucket last year.",
]


def _real_apertium() -> None:
    if shutil.which("apertium") is None or not Path("/usr/share/apertium/modes/eng-spa.mode").is_file():
        pytest.fail(f"Apertium is missing: {INSTALL} (as .ci/run does)")


def _translator(pair: str = "eng-spa", **settings: object) -> ApertiumTranslator:
    spec = load_registry().get("translate:en-es")
    spec = replace(spec, offline=ProgramSource("apertium", pair), settings={**spec.settings, **settings})
    resolved = resolve_offline(spec)
    assert resolved is not None, f"{pair} is not installed"
    return ApertiumTranslator(resolved)


def _one_call(pair: str, text: str) -> str:
    """What plain ``apertium -u PAIR`` makes of one text (its own process, its own formatter)."""
    out = subprocess.run(["apertium", "-u", pair], input=text, capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_reformat_undoes_deformat(text: str) -> None:
    """Every character survives the stream format, whitespace and reserved characters included."""
    assert reformat(deformat(text)) == text.replace("\0", " ")


def test_a_chunk_without_its_end_mark_is_misaligned() -> None:
    assert reformat("El gato.[]") == "El gato"
    assert reformat("El gato") is None


def test_deformat_writes_what_apertium_destxt_writes() -> None:
    _real_apertium()
    for text in TRICKY + ['all !"#$%&()*+,-./:;<=>?@[\\]^_`{|}~ x', "a\fb\vc\xa0d\u2028e\x1cf  g\r\nh"]:
        if text.strip() != text or not text:
            continue  # the runner strips outer whitespace before deformatting
        destxt = subprocess.run(["apertium-destxt"], input=text.encode(), capture_output=True, timeout=30, check=True)
        assert deformat(text) == destxt.stdout.decode(), text  # bytes: text mode would rewrite "\r\n"


@pytest.mark.slow
def test_one_process_translates_each_text_as_its_own_call_would() -> None:
    """Batched texts come back in order, each as a separate ``apertium`` call translates it."""
    _real_apertium()
    translator = _translator()
    many = TRICKY * 25  # 200 texts in one process
    batched = translator.translate(many)
    assert len(batched) == len(many) and translator.calls == len(many) - 25  # empty texts skip the program
    for i, text in enumerate(TRICKY):
        if text.strip():
            assert " ".join(batched[i].split()) == " ".join(_one_call("eng-spa", text).split()), text
        assert batched[i] == batched[i + len(TRICKY)]  # the same text, the same output, wherever it is
    assert batched[TRICKY.index("")] == ""
    assert batched[1].count("\n") == 1 and "\t" in batched[1]  # the text's own whitespace is kept
    assert batched[5].startswith("  ") and batched[5].endswith("  ")


@pytest.mark.slow
def test_a_2000_word_sentence_is_passed_whole() -> None:
    _real_apertium()
    long = " ".join(["The cat sees the dog in the garden"] * 250) + "."
    started = time.perf_counter()
    [spanish] = _translator().translate([long])
    assert time.perf_counter() - started < 30
    assert spanish.count("gato") == 250


def _fake_apertium(folder: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake ``apertium`` first on PATH, and a data folder in which eng-spa and spa-eng exist."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "apertium"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (folder / "data" / "modes").mkdir(parents=True)
    for pair in ("eng-spa", "spa-eng"):
        (folder / "data" / "modes" / f"{pair}.mode").write_text("cat\n", encoding="utf-8")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("APERTIUM_DATADIR", str(folder / "data"))


def _offline_with_tiny_embedder(tmp_path: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub, no cache, no pulled models: only the tiny embed model and LM, and whatever apertium is on PATH."""
    roles = {"embed": tiny_models["embed"], "lm:en": tiny_models["lm:en"]}
    monkeypatch.setenv("MTQA_REGISTRY", str(write_registry(tmp_path / "r.toml", roles, threads=1, dtype="float32")))
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _article(tmp_path: Path, text: str) -> Path:
    article = tmp_path / "article.txt"
    article.write_text(text, encoding="utf-8")
    return article


def test_a_crash_is_one_line_naming_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_apertium(tmp_path, "cat >/dev/null; echo 'lt-proc: segmentation fault' >&2; exit 1", monkeypatch)
    with pytest.raises(ProgramFailed, match=r"^apertium -f none -z -u eng-spa exited with status 1: lt-proc: segmentation fault$"):
        _translator().translate(["The cat."])


@pytest.mark.slow
def test_a_timeout_stops_the_whole_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_apertium(tmp_path, "cat >/dev/null; sleep 30 | cat", monkeypatch)  # a child holds the pipe open
    started = time.perf_counter()
    with pytest.raises(ProgramFailed, match=r"timed out after 1 s on 2 texts"):
        _translator(timeout=1).translate(["The cat.", "The dog."])
    assert time.perf_counter() - started < 10


def test_output_that_does_not_align_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_apertium(tmp_path, r"cat >/dev/null; printf 'Uno.[]\0'", monkeypatch)  # one chunk for two texts
    with pytest.raises(ProgramFailed, match="does not align with the 2 input texts"):
        _translator().translate(["One.", "Two."])


def test_a_missing_program_or_pair_names_the_apt_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("APERTIUM_DATADIR", str(tmp_path / "no-data"))
    with pytest.raises(ModelUnavailable) as missing_pair:
        Models().translator("en", "es")
    assert "is not downloaded and the Apertium pair eng-spa is not installed" in str(missing_pair.value)
    assert str(missing_pair.value).endswith(f"run: mtqa models pull translate:en-es (or: {INSTALL})")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ModelUnavailable, match=rf"apertium is not installed.*; run: {INSTALL}$"):
        pull(load_registry().get("translate:en-es"))  # HF_HUB_OFFLINE: straight to the offline source


def test_the_registry_reads_program_sources(tmp_path: Path) -> None:
    spec = load_registry().translate("en", "es")
    assert spec.id == "Helsinki-NLP/opus-mt-en-es" and spec.backend == "hf"  # the hub stays first
    assert spec.offline == ProgramSource("apertium", "eng-spa") and spec.sources == ["hub", "program"]
    assert spec.offline.install_command(spec.role) == INSTALL
    bad = tmp_path / "bad.toml"
    bad.write_text('[roles."translate:en-es"]\nid = "Helsinki-NLP/opus-mt-en-es"\n[roles."translate:en-es".offline]\nprogram = "moses"\npair = "en-es"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="program must be one of apertium"):
        load_registry(bad)
    bad.write_text('[roles."translate:en-es"]\nid = "Helsinki-NLP/opus-mt-en-es"\n[roles."translate:en-es".offline]\nprogram = "apertium"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a pair"):
        load_registry(bad)


def test_the_ref_names_the_pair_package_and_its_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _real_apertium()
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))  # OPUS-MT es-en is not on disk
    bound = Models().translator("es", "en")
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "apertium-eng-spa"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    assert bound.ref == f"apertium-eng-spa@{version}" and bound.backend == "apertium"
    assert load(bound.resolved).ref == bound.ref and bound.settings() == {"op": "translate", "backend": "apertium", "pair": "spa-eng"}


class _FakeModels:
    def __init__(self, installed: set[str], downloads: bool = False) -> None:
        self._installed = installed
        self.downloads_allowed = downloads

    def installed(self, role: str) -> bool:
        return role in self._installed


def test_the_default_pivot_is_german_where_it_can_run_else_an_installed_pair() -> None:
    spanish = {"translate:en-es", "translate:es-en"}
    assert default_pivot("en", _FakeModels(spanish, downloads=True)) == "de"
    assert default_pivot("en", _FakeModels(spanish | {"translate:en-de", "translate:de-en"})) == "de"
    assert default_pivot("en", _FakeModels(spanish)) == "es"
    assert default_pivot("en", _FakeModels({"translate:en-es", "translate:en-ca", "translate:ca-en"})) == "ca"
    assert default_pivot("en", _FakeModels(set())) == "de"  # the skip then names the pull command
    assert default_pivot("de", _FakeModels(set())) == "en"


class _FakeLM:
    """Log-probabilities by text: every token of a text scores what the table says."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table

    def token_logprobs(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        return [[(0, len(t), self.table[t])] for t in texts]


def test_a_suggestion_needs_the_lm_to_prefer_it() -> None:
    variants = [("He lied.", ["It lied."]), ("The cat sees.", ["The cat saw.", "The dog sees."])]
    lm = _FakeLM({"He lied.": -2.0, "It lied.": -3.0, "The cat sees.": -4.0, "The cat saw.": -3.0, "The dog sees.": -5.0})
    assert BackTranslation._reads_better(lm, variants) == [[False], [True, False]]


def test_a_repair_is_a_small_change_the_lm_prefers_by_its_summed_log_probability() -> None:
    lm = _FakeLM({
        "We met for a hour.": -9.0, "We met for an hour.": -4.0,  # "a" → "an": +5 nats
        "They met at noon.": -5.0, "They met in noon.": -7.0,  # worse to the LM: −2
        "The old man slept.": -6.0, "The man slept.": -4.5,  # "old" dropped: +1.5
    })
    texts = ["We met for a hour.", "They met at noon.", "The old man slept."]
    gains = repair_gains(lm, texts, ["We met for an hour.", "They met in noon.", "The man slept."], "en")
    assert [[(t[c.start:c.end], c.replacement, g) for c, g in row] for t, row in zip(texts, gains)] == [
        [("a", "an", 5.0)], [("at", "in", -2.0)], [("old", None, 1.5)],
    ]


def test_repairs_leave_out_big_changes_and_english_pronouns() -> None:
    lm = _FakeLM({"She sold the red house by the river.": -10.0})
    text = "She sold the red house by the river."
    # "She" → "It" is a pronoun; "the red house by the" → four other words is no small change
    assert repair_gains(lm, [text], ["It sold one small blue home near the river."], "en") == [[]]


@pytest.mark.slow
def test_mt301_round_trips_english_through_apertium(
    tmp_path: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """The real round trip, offline: the pivot is Spanish, the signature names the pair package."""
    _real_apertium()
    roles = {"embed": tiny_models["embed"], "lm:en": tiny_models["lm:en"]}
    registry = write_registry(tmp_path / "registry.toml", roles, threads=1, dtype="float32")
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))  # no hub model
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    article = _article(tmp_path, "He kicked the bucket last year.\n\nThe president said that the talks were productive.\n")
    report = run([str(article)], Config(select=["MT301"], options={"MT301": {"threshold": 1.01}}))
    assert not report.skipped and not report.files[0].errors
    signature = report.signatures["MT301"]
    assert "model:apertium-eng-spa@" in signature and "+apertium-eng-spa@" in signature
    assert "|pivot:es|" in signature and "|backend:apertium|" in signature and "|lm:" in signature
    by_sentence = {f.details["round_trip"]: f for f in report.findings}
    assert "It kicked the cube last year." in by_sentence  # Apertium garbles the idiom and the pronoun
    kicked = [f for f in report.findings if f.details["round_trip"] == "It kicked the cube last year."]
    assert {f.text for f in kicked} == {"bucket"}  # "He" → "It" is the pivot's loss (Spanish drops it)
    assert {f.details["pivot_text"] for f in kicked} == {"Chutó el cubo último año."}


@pytest.mark.slow
def test_a_crash_is_the_files_one_line_error_and_the_other_checks_run(
    tmp_path: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    _fake_apertium(tmp_path / "fake", "cat >/dev/null; echo 'apertium-transfer: Error: bad rule' >&2; exit 3", monkeypatch)
    _offline_with_tiny_embedder(tmp_path, tiny_models, monkeypatch)
    article = _article(tmp_path, "The the cat sees the dog.\n")
    report = run([str(article)], Config(select=["MT301", "MT102"]))
    assert not report.skipped, report.skipped
    [error] = report.files[0].errors
    assert error.message == (
        "check MT301 (back-translation) crashed: ProgramFailed: "
        "apertium -f none -z -u eng-spa exited with status 3: apertium-transfer: Error: bad rule"
    )
    assert [f.code for f in report.findings] == ["MT102"]


@pytest.mark.slow
def test_models_list_and_pull_show_the_program_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mtqa.cli import app

    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("APERTIUM_DATADIR", str(tmp_path / "no-data"))
    listed = CliRunner().invoke(app, ["models", "list"], env={"COLUMNS": "250"})
    row = next(line for line in listed.output.splitlines() if "translate:en-es" in line)
    assert "hub, apertium eng-spa" in row
    assert "apertium eng-spa not installed (run: apt-get install apertium apertium-eng-spa)" in row
    pulled = CliRunner().invoke(app, ["models", "pull", "translate:en-es"])
    assert pulled.exit_code == 2
    assert "translate:en-es: HF_HUB_OFFLINE is set; using the offline source apertium eng-spa (system program)" in pulled.output
    assert pulled.output.strip().endswith("(mtqa cannot install system programs); run: apt-get install apertium apertium-eng-spa")
    _fake_apertium(tmp_path / "fake", "cat", monkeypatch)  # installed: the same columns say so, with its version
    listed = CliRunner().invoke(app, ["models", "list"], env={"COLUMNS": "250"})
    row = next(line for line in listed.output.splitlines() if "translate:en-es" in line)
    assert "installed (program) apertium-eng-spa@" in row and row.rstrip(" │").endswith("apertium")


def test_pronouns_the_pivot_cannot_carry_are_not_flagged() -> None:
    text = "She added that her government would help."
    assert _pronoun_only(text, Change(0, 3, "It"))
    assert _pronoun_only(text, Change(15, 18, "his"))
    assert _pronoun_only(text, Change(0, 3, None))  # dropped
    assert not _pronoun_only(text, Change(4, 9, "said"))
    assert not _pronoun_only(text, Change(15, 29, "his state"))  # a pronoun and a word


def test_the_default_threshold_depends_on_the_translator_backend() -> None:
    """Apertium's round-trip score does not tell MT output from post-edits on dev: off by default."""
    assert default_threshold("apertium") is None
    assert default_threshold("hf") == default_threshold("ctranslate2") == default_threshold("unknown-backend") == 0.45


@pytest.mark.slow
def test_the_signature_names_the_backends_threshold_and_an_option_overrides_it(
    tmp_path: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    _fake_apertium(tmp_path / "fake", "cat", monkeypatch)  # every round trip comes back unchanged
    _offline_with_tiny_embedder(tmp_path, tiny_models, monkeypatch)
    article = _article(tmp_path, "The cat sees the dog.\n")
    default = run([str(article)], Config(select=["MT301"])).signatures["MT301"]
    assert f"|thr:off|repair:{REPAIR_MARGIN:g}|" in default and "|backend:apertium|" in default
    chosen = run([str(article)], Config(select=["MT301"], options={"MT301": {"threshold": 0.5}})).signatures["MT301"]
    assert "|thr:0.5|" in chosen


@pytest.mark.slow
def test_a_repair_the_lm_prefers_is_a_minor_finding_with_the_round_trips_words(
    tmp_path: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """The round trip fixes "a hour"; above the margin that is a finding on "a" suggesting "an"."""
    _fake_apertium(tmp_path / "fake", "sed 's/ a hour/ an hour/g'", monkeypatch)
    _offline_with_tiny_embedder(tmp_path, tiny_models, monkeypatch)
    article = _article(tmp_path, "The meeting will last a hour.\n")
    everything = run([str(article)], Config(select=["MT301"], options={"MT301": {"repair_margin": -1000.0}}))
    [finding] = everything.findings
    assert (finding.text, finding.suggestion, finding.severity) == ("a", "an", Severity.MINOR)
    assert finding.message.startswith("'a' came back as 'an' in the back-translation, which reads likelier (")
    assert isinstance(finding.details["repair_gain"], float) and finding.details["round_trip"] == "The meeting will last an hour."
    nothing = run([str(article)], Config(select=["MT301"], options={"MT301": {"repair_margin": 1000.0}}))
    assert nothing.findings == [] and "|repair:1000|" in nothing.signatures["MT301"]
