"""Configuration: [tool.mtqa] < mtqa.toml < command line; every bad setting is named, exit 2."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from mtqa.checks import CheckContext, all_checks
from mtqa.checks.doubled_word import DoubledWord
from mtqa.checks.length_ratio import LengthRatio
from mtqa.config import Config, load_config, resolve_codes
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
        ('colour = "always"', "unknown setting 'colour' (known settings: dnt, exclude, fail-on,"),
        ('fail_onn = "minor"', "unknown setting 'fail_onn' (did you mean 'fail-on'?)"),
        ("max_file_mb = -1", "'max_file_mb': expected a positive number"),
        ("max_file_mb = true", "'max_file_mb': expected a positive number"),
        ("max-sentence-words = 0", "'max-sentence-words': expected a positive number"),
        ('languages = ["english"]', "'languages': expected a language tag such as 'en' or 'pt-BR'"),
        ("select = 5", "'select': expected a list of strings"),
        ('select = "MT1"', "'select': expected a list of strings, got 'MT1'"),  # a file writes an array
        ('severity = "major"', "'severity': expected a table"),
        ('options = { MT102 = 3 }', "'options': expected a table of tables"),
        ('target_lang = ""', "'target_lang': expected a language tag such as 'en' or 'pt-BR'"),
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
        (["--select", "MT999"], "mtqa: error: --select: unknown check code or prefix 'MT999'"),
        (["--ignore", "XX"], "mtqa: error: --ignore: unknown check code or prefix 'XX'"),
        (["--severity", "MT999=major"], "mtqa: error: --severity: unknown check code 'MT999' (see `mtqa rules`)"),
        (["--severity", "MT102"], "--severity: expected CODE=LEVEL"),
        (["--severity", "MT102=awful"], "--severity: MT102=awful: unknown severity 'awful'"),
        (["--fail-on", "sometimes"], "'--fail-on': Value error, 'sometimes' is not one of 'minor', 'major', 'critical'"),
        (["--lang", "english"], "--target-lang: expected a language tag such as 'en' or 'pt-BR'"),
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


# (settings as in mtqa.toml, the table that holds the bad key, the message after the table)
FILE_ERRORS = [
    ('fail_on = "huge"', "", "invalid value for 'fail_on': unknown severity 'huge'"),
    ('colour = "always"', "", "unknown setting 'colour' (known settings: dnt, exclude, fail-on,"),
    ('fail_onn = "minor"', "", "unknown setting 'fail_onn' (did you mean 'fail-on'?)"),
    ("[fail_on]\nlevel = 1", "", "invalid value for 'fail_on': expected minor, major or critical, got {'level': 1}"),
    ("[foo]\nx = 1", "", "unknown setting 'foo'"),  # an unknown table is an unknown setting
    ('select = ["MT102", "MT7"]', "", "invalid value for 'select': unknown check code or prefix 'MT7'"),
    ('ignore = ["no-such-check"]', "", "invalid value for 'ignore': unknown check code or prefix 'no-such-check'"),
    ('select = [""]', "", "invalid value for 'select': expected a list of non-empty strings"),
    ('include = "*.md"', "", "invalid value for 'include': expected a list of strings"),
    ('exclude = ["!"]', "", "invalid value for 'exclude': '!' is not a valid gitignore pattern"),
    ('max-file-mb = "20"', "", "invalid value for 'max-file-mb': expected a positive number, got '20'"),
    ("max_sentence_words = 2.5", "", "invalid value for 'max_sentence_words': expected a positive whole number"),
    ("languages = []", "", "invalid value for 'languages': expected at least one language"),
    ('source-lang = ["de"]', "", "invalid value for 'source-lang': expected a language tag such as 'en' or 'pt-BR'"),
    ('severity = "major"', "", "invalid value for 'severity': expected a table of CODE = severity"),
    ('[severity]\nMT999 = "major"', "severity", "unknown check code 'MT999' (see `mtqa rules`)"),
    ('[severity]\nMT102 = "awful"', "severity", "invalid value for 'MT102': unknown severity 'awful'"),
    ("[severity]\nMT102 = 3", "severity", "invalid value for 'MT102': expected minor, major or critical, got 3"),
    ('[severity.MT102]\nlevel = "major"', "severity", "invalid value for 'MT102': expected minor, major or critical"),
    ("options = { MT102 = 3 }", "", "invalid value for 'options': expected a table of tables"),
    ("[options]\nmax_ratio = 3", "", "invalid value for 'options': expected a table of tables"),
    ("[options.no-such-check]\nx = 1", "options", "unknown check 'no-such-check' (see `mtqa rules`)"),
    ("[options.MT207]\nmax_ratoi = 3", "options.MT207", "unknown option 'max_ratoi' (did you mean 'max_ratio'?)"),
    ("[options.length-ratio]\nmax-ration = 3", "options.length-ratio", "unknown option 'max-ration' (did you mean 'max_ratio'?)"),
    ("[options.MT207]\nzzz = 1", "options.MT207", "unknown option 'zzz' (MT207 length-ratio has the options max_ratio, min_chars, min_ratio"),
    ('[options.doubled-word]\nallow = ["very"]', "options.doubled-word", "unknown option 'allow' (MT102 doubled-word has no options)"),
    ('[options.MT207]\nmax-ratio = "3"', "options.MT207", "invalid value for 'max-ratio': expected a number, got '3'"),
    ("[options.MT207]\nmin_chars = true", "options.MT207", "invalid value for 'min_chars': expected a whole number, got True"),
    ("[options.MT205]\nmin_words = 2.5", "options.MT205", "invalid value for 'min_words': expected a whole number, got 2.5"),
]


def _as_pyproject(settings: str) -> str:
    """The same settings under [tool.mtqa] of a pyproject.toml."""
    body = re.sub(r"^\[(.+)\]$", r"[tool.mtqa.\1]", settings, flags=re.M)
    return '[project]\nname = "x"\n\n[tool.mtqa]\n' + body + "\n"


@pytest.mark.parametrize("file", ["pyproject.toml", "mtqa.toml"])
@pytest.mark.parametrize(("settings", "table", "message"), FILE_ERRORS)
def test_every_error_names_the_file_the_table_and_the_key(
    cli, write, file: str, settings: str, table: str, message: str
) -> None:
    write("a.txt", DOUBLED)
    write(file, _as_pyproject(settings) if file == "pyproject.toml" else settings + "\n")
    if file == "pyproject.toml":
        where = "pyproject.toml [tool.mtqa" + (f".{table}" if table else "") + "]"
    else:
        where = "mtqa.toml" + (f" [{table}]" if table else "")
    result = cli("check", "a.txt")
    assert result.exit_code == 2 and result.exception is None
    assert result.stderr.startswith(f"mtqa: error: {where}: {message}"), result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


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
    write("mtqa.toml", 'languages = ["en", "fr"]\n\n[options.length-ratio]\nmax-ratio = 3\n')
    result = cli("check", "a.txt", "--src-lang", "fr")
    assert result.exit_code == 0, result.stderr
    ctx = seen[0]
    assert ctx.languages == frozenset({"en", "fr"})
    assert ctx.options == {"MT207": {"max_ratio": 3.0}}  # the name resolved to the code, - to _
    assert ctx.source_lang == "fr" and ctx.target_lang == "en"


# A source of 30 letters and a target 2.8 times as long: over the default max_ratio of 2.5.
LONG = "source\ttarget\nDie Gespräche gehen weiter.\tThe talks go on and on, and on and on, and on, and on and on and on.\n"


def _codes(result) -> list[str]:  # noqa: ANN001
    return [f["code"] for file in json.loads(result.stdout)["files"] for f in file["findings"]]


@pytest.mark.parametrize("written", ["max_ratio = 3", "max-ratio = 3.0"])
def test_a_valid_option_takes_effect(cli, write, written: str) -> None:
    write("a.tsv", LONG)
    assert "MT207" in _codes(cli("check", "a.tsv", "--format", "json"))
    write("pyproject.toml", f"[tool.mtqa.options.length-ratio]\n{written}\n")
    result = cli("check", "a.tsv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "MT207" not in _codes(result)


def test_a_later_file_overrides_an_option_written_another_way(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mtqa.options.length-ratio]\nmax_ratio = 3\nmin_chars = 5\n")
    (tmp_path / "mtqa.toml").write_text("[options.MT207]\nmax-ratio = 4\n")
    config = resolve_codes(load_config(start=tmp_path), all_checks())
    assert config.options == {"MT207": {"max_ratio": 4.0, "min_chars": 5}}


def test_errors_found_after_merging_still_name_their_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mtqa.severity]\nMT999 = "minor"\n')
    (tmp_path / "mtqa.toml").write_text('[severity]\nMT102 = "major"\n')
    command_line = {"severity": {"MT101": "minor"}}
    config = load_config(start=tmp_path).merged(command_line, "command line", {"severity": "--severity"})
    with pytest.raises(ConfigError, match=r"pyproject\.toml \[tool\.mtqa\.severity\]: unknown check code 'MT999'"):
        resolve_codes(config, all_checks())


def test_discovery_skips_a_pyproject_without_tool_mtqa(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mtqa]\nfail-on = "minor"\n')
    sub = tmp_path / "packages" / "app"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.ruff]\nline-length = 100\n')
    assert load_config(start=sub).fail_on is Severity.MINOR  # the repository's settings
    (sub / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.mtqa]\n')
    assert load_config(start=sub).fail_on is Severity.MAJOR  # an empty [tool.mtqa] is a config


def test_an_empty_mtqa_toml_stops_the_search(tmp_path: Path) -> None:
    (tmp_path / "mtqa.toml").write_text('fail_on = "minor"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    assert load_config(start=sub).fail_on is Severity.MINOR
    (sub / "mtqa.toml").write_text("")
    assert load_config(start=sub) == Config()  # as a ruff.toml: always a configuration file


def test_found_files_are_named_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mtqa]\nmax_file_mb = 0\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith("pyproject.toml [tool.mtqa]: invalid value for 'max_file_mb'")


def test_explicit_pyproject_without_tool_mtqa_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: no \[tool\.mtqa\] table"):
        load_config(explicit=tmp_path / "pyproject.toml")


def test_tool_mtqa_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\nmtqa = "strict"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: \[tool\.mtqa\] must be a table"):
        load_config(start=tmp_path)


def test_command_line_lists_may_be_comma_separated() -> None:
    config = Config().merged({"select": "MT1, MT207", "include": "*.md,*.po"}, "command line")
    assert config.select == ["MT1", "MT207"] and config.include == ["*.md", "*.po"]


def _read_options(cls: type) -> set[str]:
    return set(re.findall(r"self\.option\(ctx, \"(\w+)\"\)", inspect.getsource(cls)))


@pytest.mark.parametrize("code", list(all_checks()))
def test_every_option_a_check_reads_is_declared_and_documented(code: str) -> None:
    """Declarations, reads and docstring agree; ``mtqa rules`` shows the declarations."""
    cls = all_checks()[code]
    declared = {option.name: option for option in cls.options}
    assert _read_options(cls) == set(declared), f"{code}: read vs declared options"
    doc = cls.__doc__ or ""
    for mentioned in re.findall(r"``options\.(\w+)``", doc):
        assert mentioned == code, f"{code}'s docstring sends users to options.{mentioned}"
    for name, default in re.findall(r"``(\w+)``(?: \(| = )([\d.]+)", doc):
        if name in declared:
            assert float(default) == declared[name].default, f"{code}: docstring says {name} = {default}"
    text = cls.options_doc()
    for option in declared.values():
        assert f"``{option.name}`` ({option.type_name}" in text


def test_rules_shows_the_options(cli) -> None:
    result = cli("rules", "MT207", "--format", "json")
    assert result.exit_code == 0
    options = json.loads(result.stdout)["options"]
    for option in LengthRatio.options:
        assert f"``{option.name}`` ({option.type_name}, default {option.default!r})" in options


def test_check_option_reads_the_users_value_or_the_default() -> None:
    check = LengthRatio()
    assert check.option(CheckContext(), "max_ratio") == 2.5
    assert check.option(CheckContext(options={"MT207": {"max_ratio": 3}}), "max_ratio") == 3.0
    with pytest.raises(KeyError):
        check.option(CheckContext(), "max_ratoi")  # a check reading an undeclared option is a bug


def test_the_model_options_example_is_valid(tmp_path: Path) -> None:
    """docs/models.md's mtqa.toml example, as a user would paste it (test_cli checks the README's)."""
    text = (Path(__file__).parent.parent / "docs" / "models.md").read_text(encoding="utf-8")
    example = text[text.index("```toml\n") + len("```toml\n"):]
    (tmp_path / "mtqa.toml").write_text(example[: example.index("```")], encoding="utf-8")
    config = resolve_codes(load_config(start=tmp_path), all_checks())
    assert set(config.options) == {"MT301", "MT311"}


@pytest.mark.parametrize(("written", "tag"), [("de", "de"), ("pt_BR", "pt-BR"), ("en-GB", "en-GB"), ("sr@latin", "sr-Latn")])
def test_language_settings_take_tags_as_gettext_and_bcp47_write_them(written: str, tag: str) -> None:
    config = Config().merged({"target-lang": written, "languages": [written, "fr"]}, "test")
    assert config.target_lang == tag
    assert config.languages == [tag.split("-")[0], "fr"]  # language identification answers base languages
