"""Configuration: [tool.mtqa] < mtqa.toml < command line; every bad setting is named, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa.checks.doubled_word import DoubledWord
from mtqa.config import Config, load_config
from mtqa.errors import ConfigError
from mtqa.findings import Severity

# about the command line, not models: the registry holds the rule-based checks only
pytestmark = pytest.mark.usefixtures("rule_checks_only")

DOUBLED = "The delegation met the the officials.\n"


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config == Config()
    assert config.fail_on is Severity.MAJOR and config.select == ["DEFAULT"]


def test_pyproject_then_mtqa_toml_then_command_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.mtqa]\nfail-on = "minor"\nignore = ["MT103"]\n'
        'severity = { MT102 = "major" }\nmax_file_mb = 5\n'
    )
    (tmp_path / "mtqa.toml").write_text('fail_on = "critical"\nlanguages = ["en", "DE"]\n')
    sub = tmp_path / "docs" / "deep"
    sub.mkdir(parents=True)
    config = load_config(start=sub)  # found by walking up
    assert config.fail_on is Severity.CRITICAL  # mtqa.toml beats pyproject
    assert config.ignore == ["MT103"] and config.max_file_mb == 5.0
    assert config.severity == {"MT102": Severity.MAJOR}
    assert config.languages == ["en", "de"]
    cli = config.merged({"fail_on": "major", "severity": {"MT101": "minor"}}, "command line")
    assert cli.fail_on is Severity.MAJOR
    assert cli.severity == {"MT102": Severity.MAJOR, "MT101": Severity.MINOR}  # tables add up


def test_explicit_config_file_replaces_the_search(tmp_path: Path) -> None:
    (tmp_path / "mtqa.toml").write_text('fail_on = "critical"\n')
    other = tmp_path / "ci.toml"
    other.write_text('fail_on = "minor"\n')
    assert load_config(start=tmp_path, explicit=other).fail_on is Severity.MINOR
    pyproject = tmp_path / "sub" / "pyproject.toml"
    pyproject.parent.mkdir()
    pyproject.write_text('[tool.mtqa]\nselect = ["MT1"]\n')
    assert load_config(explicit=pyproject).select == ["MT1"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('fail_on = "huge"', "'fail_on': unknown severity 'huge'"),
        ('colour = "always"', "unknown setting 'colour' (known settings: exclude, fail-on,"),
        ('fail_onn = "minor"', "unknown setting 'fail_onn' (did you mean 'fail-on'?)"),
        ("max_file_mb = -1", "'max_file_mb': expected a positive number"),
        ("max_file_mb = true", "'max_file_mb': expected a positive number"),
        ("max-sentence-words = 0", "'max-sentence-words': expected a positive number"),
        ('languages = ["english"]', "'languages': expected an ISO 639 language code"),
        ("select = 5", "'select': expected a list of strings"),
        ('severity = "major"', "'severity': expected a table"),
        ('options = { MT102 = 3 }', "'options': expected a table of tables"),
        ('target_lang = ""', "'target_lang': expected an ISO 639 language code"),
    ],
)
def test_bad_values_name_the_file_and_setting(tmp_path: Path, toml: str, expected: str) -> None:
    (tmp_path / "mtqa.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    assert str(tmp_path / "mtqa.toml") in str(info.value)
    assert expected in str(info.value)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mtqa\n")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(start=tmp_path)


def test_cli_config_errors_exit_2_with_one_line(cli, write) -> None:
    write("a.txt", DOUBLED)
    write("mtqa.toml", 'fail_on = "sometimes"\n')
    result = cli("check", "a.txt")
    assert result.exit_code == 2 and result.exception is None
    assert result.stderr.count("\n") == 1
    assert "mtqa.toml: invalid value for 'fail_on'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "MT999"], "select: unknown check code or prefix 'MT999'"),
        (["--ignore", "XX"], "ignore: unknown check code or prefix 'XX'"),
        (["--severity", "MT999=major"], "severity: unknown check code 'MT999'"),
        (["--severity", "MT102"], "--severity: expected CODE=LEVEL"),
        (["--severity", "MT102=awful"], "--severity: unknown severity 'awful'"),
        (["--fail-on", "sometimes"], "'--fail-on': Value error, 'sometimes' is not one of 'minor', 'major', 'critical'"),
        (["--lang", "english"], "--target-lang: expected an ISO 639 language code"),
        (["--max-file-mb", "0"], "--max-file-mb: expected a positive number"),
        (["--input-format", "docx"], "'--input-format': Value error, 'docx' is not one of 'html',"),
        (["--format", "pdf"], "'--format' / '-f': Value error, 'pdf' is not one of 'terminal',"),
        (["--config", "nope.toml"], "nope.toml: cannot read configuration"),
    ],
)
def test_cli_bad_settings_exit_2(cli, write, args: list[str], expected: str) -> None:
    write("a.txt", DOUBLED)
    result = cli("check", "a.txt", *args)
    assert result.exit_code == 2 and result.exception is None
    assert expected in " ".join(result.stderr.replace("│", " ").split())  # typer's usage errors come boxed
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("pyproject.toml", '[tool.mtqa]\nselect = ["MT102", "MT7"]\n', "select: unknown check code or prefix 'MT7'"),
        ("mtqa.toml", "[options.no-such-check]\nx = 1\n", "options: unknown check 'no-such-check'"),
    ],
)
def test_unknown_check_in_a_config_file_is_named(cli, write, name: str, content: str, expected: str) -> None:
    write("a.txt", DOUBLED)
    write(name, content)
    result = cli("check", "a.txt")
    assert result.exit_code == 2
    assert expected in result.stderr


def test_settings_from_config_take_effect_and_cli_overrides(cli, write) -> None:
    write("a.txt", DOUBLED)
    write("mtqa.toml", 'fail_on = "minor"\n')
    assert cli("check", "a.txt").exit_code == 1  # MT102 is minor; fail_on minor from the file
    assert cli("check", "a.txt", "--fail-on", "major").exit_code == 0  # the command line wins
    write("mtqa.toml", '[severity]\nMT102 = "critical"\n')
    result = cli("check", "a.txt", "--format", "json")
    assert result.exit_code == 1 and '"severity": "critical"' in result.stdout
    write("mtqa.toml", 'ignore = ["MT102"]\nfail_on = "minor"\n')
    assert cli("check", "a.txt").exit_code == 0


def test_languages_and_options_reach_the_checks(cli, write, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def spy(self, document, segment, ctx):
        seen.append(ctx)
        return []

    monkeypatch.setattr(DoubledWord, "check_segment", spy)
    write("a.txt", DOUBLED)
    write("mtqa.toml", 'languages = ["en", "fr"]\n\n[options.doubled-word]\nallow = ["very"]\n')
    result = cli("check", "a.txt", "--src-lang", "fr")
    assert result.exit_code == 0, result.stderr
    ctx = seen[0]
    assert ctx.languages == frozenset({"en", "fr"})
    assert ctx.options == {"MT102": {"allow": ["very"]}}  # the name was resolved to the code
    assert ctx.source_lang == "fr" and ctx.target_lang == "en"
