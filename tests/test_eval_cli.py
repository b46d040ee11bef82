"""``mtqa eval`` end to end on the hand-written files: table, JSON interface, errors."""

from __future__ import annotations

import json
from pathlib import Path

from mtqa import __version__
from mtqa.scoring import SCORE_NAME

DATA = Path(__file__).parent / "data" / "eval"
TOP_KEYS = {"benchmark", "split", "mtqa_version", "checks", "signatures", "results", "odd_rows"}
MLQE_KEYS = {"n", "word_mcc", "word_f1_bad", "hter_pearson", "hter_spearman", "da_pearson", "da_spearman"}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_eval_mlqe_json_interface(cli, tmp_path: Path) -> None:
    out = tmp_path / "mlqe.json"
    result = cli("eval", "mlqe-pe", "--data", str(DATA / "mlqe"), "--split", "dev", "--checks", "MT102",
                 "--json", str(out))
    assert result.exit_code == 0, result.stderr
    assert "xx-en" in result.stdout and "word MCC" in result.stdout
    assert "checked 3 sentences" in result.stdout and "items/s" in result.stdout
    data = _json(out)
    assert set(data) == TOP_KEYS
    assert data["benchmark"] == "mlqe-pe" and data["split"] == "dev" and data["mtqa_version"] == __version__
    assert data["checks"] == ["MT102"]
    assert data["signatures"] == {"checker": f"checks:MT102|source:yes|score:{SCORE_NAME}|mtqa:{__version__}"}
    results = data["results"]
    assert set(results) == {"pairs", "average", "reference"}
    assert set(results["pairs"]) == {"xx-en"}
    assert set(results["pairs"]["xx-en"]) == MLQE_KEYS and set(results["average"]) == MLQE_KEYS
    # no doubled words in the three sentences: nothing flagged, every score 0
    assert results["pairs"]["xx-en"]["word_f1_bad"] == 0.0
    assert results["pairs"]["xx-en"]["hter_pearson"] is None
    assert set(results["reference"]) == {"flag_nothing", "flag_everything"}
    assert results["reference"]["flag_everything"]["average"]["word_f1_bad"] == 6 / 16


def test_eval_demetr_json_interface(cli, tmp_path: Path) -> None:
    out = tmp_path / "demetr.json"
    result = cli("eval", "demetr", "--data", str(DATA / "demetr"), "--checks", "MT102", "--json", str(out))
    assert result.exit_code == 0, result.stderr
    assert "minor_id1_repeat2" in result.stdout and "signature chrf: nrefs:1" in result.stdout
    data = _json(out)
    assert set(data) == TOP_KEYS and data["split"] == "dev"
    results = data["results"]
    assert set(results) == {"perturbations", "severity", "overall", "reference"}
    # doubled-word catches "The cat cat sat." and "Dogs bark bark.", nothing else
    assert results["perturbations"]["minor_id1_repeat2"] == {"n": 2, "accuracy": 1.0}
    assert results["perturbations"]["critical_id8_negation"] == {"n": 1, "accuracy": 0.0}
    assert results["severity"] == {"minor": {"n": 2, "accuracy": 1.0}, "critical": {"n": 1, "accuracy": 0.0}}
    assert results["overall"]["n"] == 3
    assert set(results["reference"]) == {"chrf"}
    assert data["signatures"]["chrf"].startswith("nrefs:1|case:mixed|")


def test_eval_mqm_json_interface(cli, tmp_path: Path) -> None:
    out = tmp_path / "mqm.json"
    result = cli("eval", "mqm", "--data", str(DATA / "mqm"), "--split", "dev", "--checks", "MT102",
                 "--limit", "3", "--no-source", "--json", str(out))
    assert result.exit_code == 0, result.stderr
    assert "flag everything" in result.stdout
    data = _json(out)
    assert set(data) == TOP_KEYS
    assert "|source:no|" in data["signatures"]["checker"]
    results = data["results"]
    assert set(results) == {"n_segments", "span", "kendall_tau", "reference"}
    assert results["n_segments"] == 3
    assert set(results["span"]) == {"precision", "recall", "f1"}
    assert results["span"]["recall"] == 0.0 and results["kendall_tau"] is None
    assert data["odd_rows"] == {"skipped": 0, "repaired": 0, "rows": []}
    assert "skipped rows: 0" in result.stdout and "repaired rows" not in result.stdout


def test_eval_mqm_counts_odd_rows_and_goes_on(cli, tmp_path: Path) -> None:
    out = tmp_path / "mqm.json"
    result = cli("eval", "mqm", "--data", str(DATA / "mqm-quirks"), "--checks", "MT102", "--json", str(out))
    assert result.exit_code == 0, result.stderr
    talks = DATA / "mqm-quirks" / "talks_zhen.dev.tsv"
    assert f"skipped rows: 5 (first: {talks}:4: 7 fields, the header has 9)" in result.stdout
    assert "repaired rows: 2 (first: " in result.stdout
    assert f"mtqa: warning: {talks}:9: unknown severity 'Severe'; skipped" in result.stderr
    assert len(result.stderr.splitlines()) == 7
    data = _json(out)
    assert data["results"]["n_segments"] == 4
    assert data["odd_rows"]["skipped"] == 5 and data["odd_rows"]["repaired"] == 2
    assert data["odd_rows"]["rows"][2] == {
        "file": str(talks), "line": 4, "problem": "7 fields, the header has 9", "skipped": True,
    }


def test_eval_errors_exit_2(cli, tmp_path: Path) -> None:
    missing = cli("eval", "mlqe-pe", "--data", str(tmp_path / "nowhere"), "--split", "dev")
    assert missing.exit_code == 2 and "no pair folder" in missing.stderr
    unknown = cli("eval", "wmt99", "--data", str(DATA / "mqm"))
    error = " ".join(unknown.stderr.replace("│", " ").split())
    assert unknown.exit_code == 2 and "'wmt99' is not one of 'mlqe-pe', 'demetr', 'mqm'" in error
    pairs = cli("eval", "demetr", "--data", str(DATA / "demetr"), "--pairs", "ro-en")
    assert pairs.exit_code == 2 and "--pairs applies to mlqe-pe only" in pairs.stderr
    checks = cli("eval", "mqm", "--data", str(DATA / "mqm"), "--checks", "ZZ9")
    assert checks.exit_code == 2 and "ZZ9" in checks.stderr
    for result in (missing, unknown, pairs, checks):
        assert result.exception is None


def test_eval_names_ten_odd_rows_then_counts_the_rest(cli, tmp_path: Path) -> None:
    good = (DATA / "mqm" / "talks_zhen.dev.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "x.dev.tsv").write_text("\n".join(good[:2] + ["too\tfew"] * 12) + "\n", encoding="utf-8")
    result = cli("eval", "mqm", "--data", str(tmp_path), "--checks", "MT102")
    assert result.exit_code == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert len(warnings) == 11 and warnings[0].endswith("x.dev.tsv:3: 2 fields, the header has 9; skipped")
    assert warnings[-1] == "mtqa: warning: 2 more odd row(s); --json lists them all"
    assert "skipped rows: 12 (first: " in result.stdout
