"""The model checks (MT3xx) end to end on tiny random-weight models.

Random weights translate into nonsense, so these tests assert mechanics: findings carry
exact spans and signatures, thresholds act, the cache removes model work, and a missing
model is a skip with the pull command, never a crash.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mtqa.backends import Models
from mtqa.checks import CheckContext, select_checks
from mtqa.checks.back_translation import REPAIR_MARGIN, BackTranslation, combined
from mtqa.checks.lm_surprisal import FEATURES, LMSurprisal, Normaliser, ScoredWord, runs, unigram_bits, word_surprisals
from mtqa.config import Config
from mtqa.engine import run
from mtqa.readers import read_document
from mtqa.report import EXIT_ERROR, Report
from tests.model_fixtures import models_env, tiny_models, write_registry  # noqa: F401 - fixtures

ARTICLE = (
    "The cat sees the red book today. My friend likes a small house in the garden.\n\n"
    "The doctor reads a new letter every morning. The teacher paints the big window after school.\n"
)


def _run(tmp_path: Path, select: list[str], options: dict | None = None, text: str = ARTICLE) -> Report:
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    return run([str(path)], Config(select=select, options=options or {}))


def _assert_exact(report: Report) -> None:
    for result in report.files:
        for finding in result.findings:
            assert finding.text == result.document.text[finding.start : finding.end]
            assert finding.context_start <= finding.start <= finding.end <= finding.context_end


def test_model_checks_are_opt_in() -> None:
    default = {cls.code for cls in select_checks(["DEFAULT"], [])}
    everything = {cls.code for cls in select_checks(["ALL"], [])}
    assert {"MT301", "MT311"} <= everything - default


def test_back_translation_flags_sentences_with_signature(tmp_path: Path, models_env: Path) -> None:
    report = _run(tmp_path, ["MT301"], {"MT301": {"threshold": 1.01}})  # every sentence is below 1.01
    findings = report.findings
    assert {f.code for f in findings} == {"MT301"} and not report.skipped
    assert {f.context_start for f in findings} == {s.start for s in report.files[0].document.segments}
    sig = report.signatures["MT301"]
    assert sig.startswith("model:") and f"|pivot:de|metric:chrF2*0.5+cos*0.5|thr:1.01|repair:{REPAIR_MARGIN:g}|backend:hf|mtqa:" in sig
    for finding in findings:
        details = finding.details
        assert details["signature"] == sig
        assert {"chrf", "bleu", "ter", "cosine", "score", "round_trip", "pivot_text"} <= set(details)
        assert details["score"] == pytest.approx(combined(details["chrf"], details["cosine"], 0.5), abs=1e-3)
        assert finding.suggestion is None or isinstance(finding.suggestion, str)
    _assert_exact(report)


def test_back_translation_threshold_silences_it(tmp_path: Path, models_env: Path) -> None:
    report = _run(tmp_path, ["MT301"], {"MT301": {"threshold": -1.0, "copy_guard": 2.0, "repair_margin": 1e9}})
    assert report.findings == [] and "MT301" in report.signatures


def test_second_run_does_no_model_work(tmp_path: Path, models_env: Path) -> None:
    models = Models()
    forward, lm = models.translator("en", "de").runner, models.lm("en").runner
    first = _run(tmp_path, ["MT301", "MT311"], {"MT301": {"threshold": 1.01}})
    calls = (forward.calls, lm.calls)
    hits = models.cache.hits
    second = _run(tmp_path, ["MT301", "MT311"], {"MT301": {"threshold": 1.01}})
    assert (forward.calls, lm.calls) == calls  # every model output came from the cache
    assert models.cache.hits > hits
    assert [f.to_dict() for f in second.findings] == [f.to_dict() for f in first.findings]


def test_missing_model_skips_the_check_and_the_others_still_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "empty-hub"))
    monkeypatch.setenv("MTQA_REGISTRY", str(write_registry(tmp_path / "r.toml", {})))
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setenv("APERTIUM_DATADIR", str(tmp_path / "no-apertium"))  # no offline pivot either
    report = _run(tmp_path, ["MT301", "MT311", "MT102"], text="The the cat sees the red book today.\n")
    assert [f.code for f in report.findings] == ["MT102"]
    assert "mtqa models pull translate:en-de" in report.skipped["MT301"]
    assert "mtqa models pull lm:en" in report.skipped["MT311"]
    assert report.exit_code() == EXIT_ERROR  # the gate could not be evaluated


def test_lm_surprisal_flags_words_with_signature_and_likelier_words(tmp_path: Path, models_env: Path) -> None:
    report = _run(tmp_path, ["MT311"], {"MT311": {"threshold": -100.0}})
    findings = report.findings
    assert findings and {f.code for f in findings} == {"MT311"}
    sig = report.signatures["MT311"]
    assert "|freq:wordfreq-" in sig and "|context:128|" in sig and "|thr:-100|" in sig
    assert all(f.details["signature"] == sig and f.details["surprisal_bits"] > 0 for f in findings)
    assert all(f.text.isalnum() for f in findings)  # words, never spaces or punctuation
    likelier = [f.details["likelier"] for f in findings]
    assert any(likelier) and all(f.text.lower() not in [w.lower() for w in words] for f, words in zip(findings, likelier))
    assert all(f.suggestion is None or f.suggestion in f.details["likelier"][0].capitalize() + f.details["likelier"][0]
               for f in findings)
    assert all(f.suggestion is None or f.details["suggestion_gain_bits"] > 0 for f in findings)
    _assert_exact(report)
    quiet = _run(tmp_path, ["MT311"], {"MT311": {"threshold": 100.0}})
    assert quiet.findings == []


def test_lm_surprisal_reads_the_preceding_text_within_its_budget(tmp_path: Path, models_env: Path) -> None:
    runner = Models().lm("en").runner
    seen: list[int] = []
    score = runner._score
    runner._score = lambda batch, top_k: seen.extend(len(p) for p, _ in batch) or score(batch, top_k)
    try:
        text = ARTICLE * 4  # more than one run of sentences, so later runs have context
        _run(tmp_path, ["MT311"], {"MT311": {"threshold": 100.0, "context_tokens": 7}}, text=text)
        assert max(seen) == 7 and min(seen) == 0  # the first run has nothing before it
        seen.clear()
        _run(tmp_path, ["MT311"], {"MT311": {"threshold": 100.0, "context_tokens": 0}}, text=text + "The end.\n")
        assert set(seen) == {0}
    finally:
        runner._score = score


def test_context_changes_the_scores_and_no_context_is_token_logprobs(models_env: Path) -> None:
    lm = Models().lm("en")
    text = "The cat sees the red book today."
    [alone] = lm.token_stats([("", text)], 16, 3)
    [after] = lm.token_stats([("My friend likes a small house in the garden.", text)], 16, 3)
    assert [t[:2] for t in alone] == [t[:2] for t in after]
    assert any(abs(a[2] - b[2]) > 1e-4 for a, b in zip(alone, after, strict=True))
    assert [t[2] for t in alone] == pytest.approx([t[2] for t in lm.runner.token_logprobs([text])[0]], abs=1e-4)
    assert all(t[3] > 0 and len(t[4]) == 3 for t in alone)  # entropy and the likeliest tokens at every token


def test_a_batch_too_big_for_the_logits_budget_goes_through_a_row_at_a_time_with_the_same_scores(
    models_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqa.backends import hf

    runner = Models().lm("en").runner
    items = [("My friend likes a small house.", "The cat sees the red book today."), ("", "A dog."), ("", "The teacher paints.")]
    whole = runner.token_stats(items, 16, 3)
    monkeypatch.setattr(hf, "LOGITS_BYTES", 1)
    rows_per_pass: list[int] = []
    monkeypatch.setattr(runner, "net", _Counting(runner.net, rows_per_pass))
    split = runner.token_stats(items, 16, 3)
    assert rows_per_pass and set(rows_per_pass) == {1}
    for one, other in zip(split, whole, strict=True):
        assert [(t[0], t[1], t[4]) for t in one] == [(t[0], t[1], t[4]) for t in other]
        assert [x for t in one for x in t[2:4]] == pytest.approx([x for t in other for x in t[2:4]], abs=1e-4)


class _Counting:
    """The network, noting how many rows each forward pass gets."""

    def __init__(self, net: object, rows: list[int]) -> None:
        self._net, self._rows = net, rows

    def __call__(self, **inputs: object) -> object:
        self._rows.append(inputs["input_ids"].shape[0])
        return self._net(**inputs)

    def __getattr__(self, name: str) -> object:
        return getattr(self._net, name)


def test_normaliser_weighs_surprisal_by_what_makes_correct_words_surprising() -> None:
    row = dict.fromkeys(FEATURES, 0.0) | {"one": 1.0, "entropy": 4.0, "unigram": 12.0}
    start = row | {"initial": 1.0, "entropy*initial": 4.0}
    as_rows = [[r[f] for f in FEATURES] for r in (row, start)]
    normaliser = Normaliser.shipped()
    plain, initial = (normaliser.score(15.0, r) for r in as_rows)
    assert initial < plain  # the same surprisal is less alarming at a sentence start
    assert normaliser.score(25.0, as_rows[0]) > plain  # and more surprisal is more alarming
    assert normaliser.expected(as_rows[1]) > normaliser.expected(as_rows[0])  # a correct first word is more surprising
    # crafted weights: log-odds = -4 + 0.5·bits, less 0.25·bits at a sentence start
    weights = [0.0] * 2 * len(FEATURES)
    weights[0], weights[len(FEATURES)], weights[len(FEATURES) + FEATURES.index("initial")] = -4.0, 0.5, -0.25
    crafted = Normaliser(expected_bits=(2.0, 1.0, 0, 0, 0, 0, 0, 0), weights=tuple(weights))
    assert crafted.score(10.0, as_rows[0]) == pytest.approx(1.0)
    assert crafted.score(10.0, as_rows[1]) == pytest.approx(-1.5)
    assert crafted.expected(as_rows[0]) == pytest.approx(6.0)


def test_sentences_are_scored_in_runs_of_about_run_words() -> None:
    document = read_document("a.txt", " ".join(["One two three four five."] * 10) + "\n")
    grouped = runs(document.segments, words_per_run=12)
    assert [len(r) for r in grouped] == [2, 2, 2, 2, 2]
    assert [s for r in grouped for s in r] == document.segments


def test_a_likelier_word_is_suggested_only_where_the_sentence_reads_better_by_the_margin() -> None:
    document = read_document("a.txt", "He bought a car. She saw a cat.\n")
    first, second = document.segments
    logprob = {"dog": -1.0, "bus": -1.9}  # per sentence holding the word; else -2 (nats)

    class Fake:
        def token_stats(self, items: list, context_tokens: int, top_k: int) -> list:
            return [[(0, len(t), next((v for w, v in logprob.items() if w in t), -2.0))] for _, t in items]

    def flagged(segment: object, word: str, likelier: list[str]) -> tuple:
        start = segment.text.index(word)
        scored = ScoredWord(start, start + len(word), 10.0, 1.0, 1, False, ())
        return (segment, scored, 5.0, 2.0, likelier)

    bits = 1 / math.log(2)
    rows = [flagged(first, "car", ["dog", "van"]), flagged(second, "cat", ["bird"]), flagged(second, "saw", []),
            flagged(first, "car", ["bus"])]
    got = LMSurprisal()._suggestions(Fake(), rows, margin=0.0)
    # the first likelier word, where the sentence with it reads better; none where it does not, or none is left
    assert got == [("dog", pytest.approx(bits)), (None, 0.0), (None, None), ("bus", pytest.approx(0.1 * bits))]
    strict = LMSurprisal()._suggestions(Fake(), rows, margin=0.5)  # 0.1 nats is 0.14 bits: below the margin
    assert [s for s, _ in strict] == ["dog", None, None, None]


def test_copied_text_is_caught_despite_a_perfect_round_trip() -> None:
    text = "Die Verhandlungen werden im nächsten Monat in Berlin fortgesetzt."
    document = read_document("a.txt", text + "\n")
    details = {"score": 1.0, "signature": "sig"}
    ctx = CheckContext(target_lang="en", languages=frozenset({"en", "de", "fr"}))
    [finding] = BackTranslation()._copied(document, document.segments[0], ctx, details)
    assert finding.code == "MT301" and finding.details["detected"] == "de" and "untranslated" in finding.message
    english = read_document("b.txt", "The talks will continue next month in Berlin.\n")
    assert list(BackTranslation()._copied(english, english.segments[0], ctx, details)) == []


def test_cli_runs_model_checks(models_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mtqa.cli import app

    monkeypatch.chdir(tmp_path)  # the shared `cli` fixture hides model checks; this test is about them
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "mtqa.toml").write_text("[options.MT301]\nthreshold = 1.01\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "article.txt", "--select", "MT301,MT311", "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.stderr
    data = json.loads(result.stdout)
    assert set(data["signatures"]) == {"MT301", "MT311"}
    assert any(f["code"] == "MT301" and f["details"]["signature"] for f in data["files"][0]["findings"])
    assert result.exit_code == 1


# Source-aware mode (bilingual input)

BILINGUAL = (
    "source\ttarget\n"
    "The cat sees the red book today.\tDie Katze sieht das rote Buch heute.\n"
    "My friend likes a small house. The dog finds a green apple.\tMein Freund mag ein kleines Haus.\n"
    "The doctor reads a new letter.\tDer Arzt liest einen neuen Brief. Das Kind malt das alte Auto.\n"
)


def _run_bilingual(tmp_path: Path, select: list[str], options: dict, src_lang: str | None = "en") -> Report:
    path = tmp_path / "units.tsv"
    path.write_text(BILINGUAL, encoding="utf-8")
    return run([str(path)], Config(select=select, options=options, target_lang="de", source_lang=src_lang))


def test_source_divergence_flags_units_with_signature(tmp_path: Path, models_env: Path) -> None:
    report = _run_bilingual(tmp_path, ["MT302"], {"MT302": {"threshold": 1.01}})
    findings = report.findings
    assert findings and {f.code for f in findings} == {"MT302"}
    assert len({f.context_start for f in findings}) == 3  # every unit is below 1.01
    sig = report.signatures["MT302"]
    assert "|src:en|" in sig and all(f.details["signature"] == sig for f in findings)
    assert all({"chrf_back", "chrf_forward", "cosine", "source_translation"} <= set(f.details) for f in findings)
    _assert_exact(report)
    assert _run_bilingual(tmp_path, ["MT302"], {"MT302": {"threshold": -1.0}}).findings == []


def test_source_divergence_without_a_translation_model_scores_source_target_similarity(
    tmp_path: Path, models_env: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqa.backends.vectors import cosine

    # no fr↔de model is registered or downloaded: the embed model's similarity is the score
    report = _run_bilingual(tmp_path, ["MT302"], {"MT302": {"similarity_threshold": 1.01}}, src_lang="fr")
    findings = report.findings
    assert len(findings) == 3 and all(f.end - f.start == len(f.text) for f in findings)
    sig = report.signatures["MT302"]
    assert "|src:fr|metric:cos(src,tgt)|thr:1.01|" in sig and all(f.details["signature"] == sig for f in findings)
    assert all("mtqa models pull translate:" in f.message for f in findings)
    first = next(f for f in findings if f.text.startswith("Die Katze"))
    target, source = Models().embedder().embed(["Die Katze sieht das rote Buch heute.", "The cat sees the red book today."])
    assert abs(first.details["cosine"] - cosine(target, source)) < 1e-3
    _assert_exact(report)
    assert _run_bilingual(tmp_path, ["MT302"], {"MT302": {"similarity_threshold": -1.0}}, src_lang="fr").findings == []
    without_embed = write_registry(tmp_path / "no-embed.toml", {k: v for k, v in tiny_models.items() if k != "embed"})
    monkeypatch.setenv("MTQA_REGISTRY", str(without_embed))  # the shipped embed role is not downloaded here
    skipped = _run_bilingual(tmp_path, ["MT302"], {}, src_lang="fr").skipped["MT302"]
    assert "mtqa models pull translate:" in skipped


def test_source_aware_checks_need_the_source_language(tmp_path: Path, models_env: Path) -> None:
    report = _run_bilingual(tmp_path, ["MT302", "MT303"], {}, src_lang=None)
    assert "--src-lang" in report.skipped["MT302"] and "--src-lang" in report.skipped["MT303"]


def test_omission_and_addition_from_alignment(tmp_path: Path, models_env: Path) -> None:
    # skip_cost 0 makes leaving a sentence unaligned free, so every sentence that can be is
    report = _run_bilingual(tmp_path, ["MT303"], {"MT303": {"skip_cost": 0.0}})
    categories = {f.category for f in report.findings}
    assert categories == {"accuracy/omission", "accuracy/addition"}
    additions = [f for f in report.findings if f.category == "accuracy/addition"]
    assert {f.text for f in additions} >= {"Das Kind malt das alte Auto."}
    omissions = [f for f in report.findings if f.category == "accuracy/omission"]
    assert any(f.details["omitted"] == "The dog finds a green apple." for f in omissions)
    _assert_exact(report)
    strict = _run_bilingual(tmp_path, ["MT303"], {"MT303": {"skip_cost": 5.0}})
    assert strict.findings == []  # merging (1-2, 2-1) is always cheaper than skipping then


def test_aligner_finds_merges_and_gaps() -> None:
    from mtqa.backends.align import PLAIN, Bead, Costs, align

    e = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    source, target = ["aaaa", "bbbb", "cccc"], ["aaaa", "cccc"]
    beads = align(source, target, e, [e[0], e[2]], Costs(floor=0.0, skip_cost=0.5))
    assert beads == [Bead((0,), (0,)), Bead((1,), ()), Bead((2,), (1,))]
    merged = align(["aaaa bbbb"], ["aaaa", "bbbb"], [[0.7071, 0.7071, 0.0]], e[:2], PLAIN)
    assert merged == [Bead((0,), (0, 1))]


def test_aligner_removes_the_embedders_shared_direction() -> None:
    import math

    from mtqa.backends.align import Bead, Costs, align

    # e5-like vectors: every one is √0.8 along a shared axis, so unrelated sentences score 0.8
    def vector(*own: float) -> list[float]:
        return [math.sqrt(0.8), *(math.sqrt(0.2) * x for x in own)]

    a, b, a_translated = vector(1, 0, 0), vector(0, 1, 0), vector(0.8, 0, 0.6)
    source, target = ["aaaa", "bbbb"], ["aaaa"]
    plain = align(source, target, [a, b], [a_translated], Costs(floor=0.0, skip_cost=0.5))
    assert plain == [Bead((0, 1), (0,))]  # the unrelated sentence barely lowers the merged cosine
    floored = align(source, target, [a, b], [a_translated], Costs(floor=0.8, skip_cost=0.5))
    assert floored == [Bead((0,), (0,)), Bead((1,), ())]


def test_omission_addition_takes_the_embedders_calibration(
    tmp_path: Path, models_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqa.backends import align

    embed_id = Models().embedder().model_id
    monkeypatch.setitem(align.CALIBRATION, embed_id, align.Costs(floor=0.5, skip_cost=5.0))
    report = _run_bilingual(tmp_path, ["MT303"], {})
    assert "|metric:align-cos(floor=0.5)+len|skip:5|" in report.signatures["MT303"]
    overridden = _run_bilingual(tmp_path, ["MT303"], {"MT303": {"skip_cost": 0.25}})
    assert "|skip:0.25|" in overridden.signatures["MT303"]


def test_cached_recheck_in_a_fresh_process_loads_no_model(tmp_path: Path, models_env: Path) -> None:
    import os
    import subprocess
    import sys

    options = {"MT301": {"threshold": 1.01}}
    first = _run(tmp_path, ["MT301", "MT311"], options)
    code = (
        "import sys, json; from mtqa.engine import run; from mtqa.config import Config\n"
        f"r = run([{str(tmp_path / 'article.txt')!r}], Config(select=['MT301', 'MT311'], options={options!r}))\n"
        "print(json.dumps(['torch' in sys.modules, [f.to_dict() for f in r.findings]]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), check=True)
    torch_loaded, findings = json.loads(out.stdout)
    assert torch_loaded is False
    assert findings == [f.to_dict() for f in first.findings]


def test_separate_source_file_is_aligned_into_units(models_env: Path) -> None:
    from mtqa.backends.align import attach_source
    from mtqa.checks.omission_addition import OmissionAddition

    target = read_document("t.txt", "Die Katze sieht das rote Buch heute. Der Arzt liest einen neuen Brief.\n", lang="de")
    source = "The cat sees the red book today. My friend likes a small house. The doctor reads a new letter."
    paired = attach_source(target, source, "en", Models().embedder())
    assert paired.bilingual and paired.text == target.text
    assert " ".join(s.source or "" for s in paired.segments) == source  # every source sentence, in order
    assert [paired.text[s.start : s.end] for s in paired.segments] == [s.text for s in paired.segments]
    assert paired.segments[0].start == 0 and paired.segments[-1].end == target.segments[-1].end
    ctx = CheckContext(target_lang="de", source_lang="en", options={"MT303": {"skip_cost": 0.0}})
    findings = list(OmissionAddition().check_document(paired, ctx))
    assert any(f.category == "accuracy/omission" for f in findings)


def test_separate_source_is_split_in_the_documents_format(models_env: Path) -> None:
    from mtqa.backends.align import attach_source

    target = read_document("t.txt", "Die Katze\n\nDie Katze sieht das rote Buch heute. Der Arzt liest.\n", lang="de")
    paired = attach_source(target, "The cat\n\nThe cat sees the red book today. The doctor reads.", "en", Models().embedder())
    # pysbd alone would give "The cat\n\nThe cat sees …" as one sentence: paragraphs come first
    assert " ".join(s.source or "" for s in paired.segments) == "The cat The cat sees the red book today. The doctor reads."


def test_model_work_is_reported_to_the_progress_callback(models_env: Path) -> None:
    from mtqa.checks.lm_surprisal import LMSurprisal

    calls = []
    document = read_document("a.txt", ARTICLE)
    ctx = CheckContext(target_lang="en", progress=lambda task, done, total: calls.append((task, done, total)))
    list(LMSurprisal().check_document(document, ctx))
    assert calls == [("MT311 scoring 4 sentences", 0, None), ("MT311 scoring 4 sentences", 1, 1)]
