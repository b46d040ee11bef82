"""The command line: exit codes, options, colour, progress, rules, help, startup cost, README."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from mtqa import cli as cli_module
from mtqa.checks import all_checks
from mtqa.config import Config
from mtqa.engine import run

# about the command line, not models: the registry holds the rule-based checks only
pytestmark = pytest.mark.usefixtures("rule_checks_only")

REPO = Path(__file__).resolve().parent.parent
CLEAN = "The delegation met the officials.\n"
MINOR = "The delegation met the the officials.\n"  # MT102 doubled word: minor
ANSI = re.compile(r"\x1b\[")


# --- exit codes -------------------------------------------------------------------------


def test_exit_0_when_clean(cli, write) -> None:
    write("a.txt", CLEAN)
    result = cli("check", "a.txt")
    assert result.exit_code == 0 and result.stderr == ""


def test_exit_0_when_findings_are_below_fail_on(cli, write) -> None:
    write("a.txt", MINOR)
    result = cli("check", "a.txt")  # default fail-on major
    assert result.exit_code == 0
    assert "the the" in result.stdout


def test_exit_1_when_findings_reach_fail_on(cli, write) -> None:
    write("a.txt", MINOR)
    assert cli("check", "a.txt", "--fail-on", "minor").exit_code == 1
    assert cli("check", "a.txt", "--severity", "MT102=major").exit_code == 1
    assert cli("check", "a.txt", "--severity", "MT102=major", "--fail-on", "critical").exit_code == 0


def test_exit_zero_turns_findings_into_0_but_not_errors(cli, write) -> None:
    write("a.txt", MINOR)
    assert cli("check", "a.txt", "--fail-on", "minor", "--exit-zero").exit_code == 0
    assert cli("check", "a.txt", "missing.txt", "--exit-zero").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["check"],  # no paths
        ["check", "a.txt", "--no-such-option"],
        ["check", "a.txt", "--fail-on", "severe"],
        ["check", "a.txt", "--format", "yaml"],
        ["frobnicate"],
        ["rules", "MT999"],
        ["rules", "--format", "xml"],
    ],
)
def test_exit_2_on_usage_errors(cli, write, args: list[str]) -> None:
    write("a.txt", MINOR)
    result = cli(*args)
    assert result.exit_code == 2 and result.exception is None
    assert "Traceback" not in result.stdout + result.stderr


def test_ctrl_c_is_not_mistaken_for_findings(cli, write, monkeypatch) -> None:
    from mtqa.checks.doubled_word import DoubledWord

    def interrupted(self, document, segment, ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(DoubledWord, "check_segment", interrupted)
    write("a.txt", MINOR)
    result = cli("check", "a.txt")
    assert result.exit_code == 130 and "mtqa: interrupted" in result.stderr


def test_exit_2_on_unreadable_input(cli, write) -> None:
    write("a.txt", CLEAN)
    result = cli("check", "a.txt", "missing.txt")
    assert result.exit_code == 2
    assert "mtqa: error: missing.txt: no such file or directory" in result.stderr


# --- input and output -------------------------------------------------------------------


def test_stdin(cli) -> None:
    result = cli("check", "-", "--format", "json", "--fail-on", "minor", input=MINOR)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files"][0]["path"] == "<stdin>"
    assert data["files"][0]["findings"][0]["text"] == "the the"


def test_output_file_and_format(cli, write, tmp_path: Path) -> None:
    write("a.txt", MINOR)
    result = cli("check", "a.txt", "--format", "json", "-o", "out/report.json")
    assert result.exit_code == 2 and "-o: cannot write out/report.json" in result.stderr
    result = cli("check", "a.txt", "--format", "json", "-o", "report.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["findings"] == 1


def test_select_and_ignore(cli, write) -> None:
    write("a.txt", "The delegation met the the officials , today.\n")

    def codes(*args: str) -> list[str]:
        report = json.loads(cli("check", "a.txt", "-f", "json", *args).stdout)
        return sorted({f["code"] for f in report["files"][0]["findings"]})

    assert codes() == ["MT102", "MT103"]
    assert codes("--select", "MT102") == ["MT102"]
    assert codes("--ignore", "MT102") == ["MT103"]
    assert codes("--select", "MT1", "--ignore", "MT10") == []


def test_include_exclude_on_directories(cli, write) -> None:
    write("docs/a.txt", MINOR)
    write("docs/b.md", MINOR)
    write("docs/drafts/c.txt", MINOR)

    def paths(*args: str) -> list[str]:
        return [f["path"] for f in json.loads(cli("check", "docs", "-f", "json", *args).stdout)["files"]]

    assert paths() == ["docs/a.txt", "docs/b.md", "docs/drafts/c.txt"]
    assert paths("--include", "*.txt") == ["docs/a.txt", "docs/drafts/c.txt"]
    assert paths("--exclude", "drafts/,*.md") == ["docs/a.txt"]


def test_input_format_overrides_the_extension(cli, write) -> None:
    write("notes.data", "# Heading\n\nThe the delegation met.\n\n```\ncode code\n```\n")
    data = json.loads(cli("check", "notes.data", "-f", "json", "--input-format", "markdown").stdout)
    assert [f["text"] for f in data["files"][0]["findings"]] == ["The the"]  # code block skipped


# --- colour and progress ----------------------------------------------------------------


def test_colour_only_when_asked_or_on_a_tty(cli, write) -> None:
    write("a.txt", MINOR)
    assert not ANSI.search(cli("check", "a.txt").stdout)  # the test runner is not a TTY
    assert ANSI.search(cli("check", "a.txt", "--color").stdout)
    assert not ANSI.search(cli("check", "a.txt", "--no-color").stdout)


def test_use_color_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_module._use_color(None, None) is True
    assert cli_module._use_color(None, Path("report.txt")) is False  # never into a file
    assert cli_module._use_color(False, None) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_module._use_color(None, None) is False


class Recorder:
    instances: list[Recorder] = []

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None]] = []
        Recorder.instances.append(self)

    def __call__(self, task: str, done: int, total: int | None) -> None:
        self.calls.append((task, done, total))

    def close(self) -> None:
        self.calls.append(("closed", 0, 0))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> type[Recorder]:
    Recorder.instances = []
    monkeypatch.setattr(cli_module, "RichProgress", Recorder)
    return Recorder


@pytest.mark.parametrize(
    ("tty", "args", "shown"),
    [
        (True, [], True),
        (True, ["--quiet"], False),
        (False, [], False),
        (True, ["--format", "json"], False),  # a machine format on stdout
        (True, ["--format", "json", "-o", "r.json"], True),
    ],
)
def test_progress_only_for_a_person_at_a_terminal(cli, write, recorder, monkeypatch, tty, args, shown) -> None:
    monkeypatch.setattr(cli_module, "_stderr_is_terminal", lambda: tty)
    for name in ("a.txt", "b.txt", "c.txt"):
        write(f"docs/{name}", CLEAN)
    result = cli("check", "docs", *args)
    assert result.exit_code == 0
    assert bool(recorder.instances) is shown
    if shown:
        calls = recorder.instances[0].calls
        assert ("Checking files", 0, 3) in calls and ("Checking files", 3, 3) in calls
        assert calls[-1][0] == "closed"


def test_rich_progress_draws_on_its_console_and_cleans_up() -> None:
    buffer = io.StringIO()
    progress = cli_module.RichProgress(console=Console(file=buffer, force_terminal=True, width=80))
    progress("Reading big.txt", 0, None)
    assert progress._progress is None  # too early: nothing on screen yet
    progress._start()  # what the timer does after DELAY_S
    assert set(progress._tasks) == {"Reading big.txt"}  # reported before the display started
    progress("Reading big.txt", 1, 1)
    progress("Checking files", 1, 4)
    assert set(progress._tasks) == {"Checking files"}
    progress("Checking files", 4, 4)
    assert not progress._tasks
    progress.close()
    assert "Reading big.txt" in buffer.getvalue()


def test_rich_progress_starts_on_a_timer_during_one_long_step(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(cli_module.RichProgress, "DELAY_S", 0.01)
    buffer = io.StringIO()
    progress = cli_module.RichProgress(console=Console(file=buffer, force_terminal=True, width=80))
    progress("Loading model demo", 0, None)
    deadline = time.monotonic() + 5
    while progress._progress is None and time.monotonic() < deadline:
        time.sleep(0.01)
    progress.close()
    assert "Loading model demo" in buffer.getvalue()


def test_rich_progress_closed_early_never_draws() -> None:
    buffer = io.StringIO()
    progress = cli_module.RichProgress(console=Console(file=buffer, force_terminal=True, width=80))
    progress("Checking a.txt", 0, 3)
    progress.close()
    progress._start()  # a timer that fires late does nothing
    assert progress._progress is None and buffer.getvalue() == ""


def test_engine_reports_files_and_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mtqa.engine

    monkeypatch.setattr(mtqa.engine, "SEGMENT_PROGRESS_MIN", 3)
    (tmp_path / "a.txt").write_text("One. Two. Three. Four.\n")
    (tmp_path / "b.txt").write_text("Short.\n")
    calls: list[tuple[str, int, int | None]] = []
    run([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], Config(select=["MT102", "MT103"]),
        progress=lambda task, done, total: calls.append((task, done, total)))
    task = f"Checking {tmp_path / 'a.txt'}"
    assert [c for c in calls if c[0] == task] == [(task, 0, 8), (task, 4, 8), (task, 8, 8)]
    assert [c for c in calls if c[0] == "Checking files"] == [
        ("Checking files", 0, 2), ("Checking files", 1, 2), ("Checking files", 2, 2)]
    assert not any(c[0] == f"Checking {tmp_path / 'b.txt'}" for c in calls)  # too short for its own bar
    reading = f"Reading {tmp_path / 'b.txt'}"
    assert [c for c in calls if c[0] == reading] == [(reading, 0, None), (reading, 1, 1)]  # a spinner, then done


def test_model_checks_get_the_progress_callback(cli, write, monkeypatch) -> None:
    from mtqa.checks.doubled_word import DoubledWord

    def uses_progress(self, document, segment, ctx):
        ctx.progress("Loading model demo", 1, 1)
        return iter(())

    monkeypatch.setattr(DoubledWord, "check_segment", uses_progress)
    write("a.txt", CLEAN)
    calls = []
    run(["a.txt"], Config(select=["MT102"]), progress=lambda *c: calls.append(c))
    assert ("Loading model demo", 1, 1) in calls


# --- rules and help ---------------------------------------------------------------------


def test_rules_lists_every_check_with_rationale(cli) -> None:
    import mtqa.checks

    result = cli("rules")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for code, cls in mtqa.checks.all_checks().items():
        assert code in result.stdout and cls.name in text
    assert "Why:" in text and "Example:" in text and "Use instead:" in text


def test_rules_json(cli) -> None:
    import mtqa.checks

    data = json.loads(cli("rules", "--format", "json").stdout)
    assert [r["code"] for r in data] == list(mtqa.checks.all_checks())
    for rule in data:
        assert rule["what_it_does"] and rule["why_is_this_bad"] and rule["example"]
        assert rule["severity"] in {"minor", "major", "critical"}


def test_rules_for_one_check_in_full(cli) -> None:
    import mtqa.checks

    result = cli("rules", "MT102")
    text = " ".join(result.stdout.split())
    for section in ("What it does", "Why is this bad", "Example", "Use instead", "the the officials"):
        assert section in text
    by_name = json.loads(cli("rules", "doubled-word", "-f", "json").stdout)
    assert by_name["code"] == "MT102" and by_name["use_instead"] == "The delegation met the officials."
    prefix = json.loads(cli("rules", "MT10", "-f", "json").stdout)
    assert {r["code"] for r in prefix} == {c for c in mtqa.checks.all_checks() if c.startswith("MT10")}
    result = cli("rules", "MT999")
    assert result.exit_code == 2 and "unknown check code or name 'MT999'" in result.stderr


def test_help_teaches_examples_and_exit_codes(cli) -> None:
    for args in (["--help"], ["check", "--help"]):
        text = " ".join(cli(*args).stdout.split())
        assert "Examples:" in text and "mtqa check" in text
        assert "Exit codes: 0" in text and "1 findings at or above --fail-on" in text
    text = " ".join(cli("check", "--help").stdout.split())
    for option in ("--fail-on", "--select", "--ignore", "--severity", "--lang", "--src-lang", "--include",
                   "--exclude", "--input-format", "--max-file-mb", "--config", "--exit-zero", "--color",
                   "--quiet", "--output", "--format", "--baseline", "--write-baseline", "mtqa-disable"):
        assert option in text, option


HELP_PAGES = [[], ["check"], ["rules"], ["eval"], ["models"], ["models", "list"], ["models", "pull"],
              ["models", "verify"], ["models", "path"], ["train"], ["train", "detector"], ["train", "export"],
              ["train", "recall"]]


def _help(args: list[str]) -> str:
    """The rich help as a person sees it at 200 columns (fixed, so nothing wraps mid-choice)."""
    done = subprocess.run([sys.executable, "-m", "mtqa", *args, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "TERMINAL_WIDTH": "200"}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("args", HELP_PAGES, ids=lambda a: " ".join(a) or "mtqa")
def test_help_shows_no_type_beside_a_flag(args: list[str]) -> None:
    text = _help(args)
    assert "--help" in text and "<bool>" not in text


def _option_row(text: str, option: str) -> str:
    return next(line for line in text.splitlines() if re.search(rf"│ {re.escape(option)}\b", line))


def test_help_lists_every_choice() -> None:
    from mtqa.evaluation import BENCHMARKS
    from mtqa.findings import Severity
    from mtqa.formatters import FORMATTERS
    from mtqa.readers import FORMAT_NAMES

    check = " ".join(_help(["check"]).split())
    for option, choices in (("--format", FORMATTERS), ("--input-format", FORMAT_NAMES)):
        assert f"{', '.join(list(choices)[:-1])} or {list(choices)[-1]}" in check, option
    fail_on = _option_row(_help(["check"]), "--fail-on")
    assert "<minor|major|critical>" in fail_on and [str(s) for s in Severity] == ["minor", "major", "critical"]
    assert "<text|json|markdown>" in _option_row(_help(["rules"]), "--format")
    assert f"<{'|'.join(BENCHMARKS)}>" in _help(["eval"])
    for option in ("--format", "--input-format", "--fail-on"):
        assert "<str>" not in _option_row(_help(["check"]), option)


def test_the_shell_completes_choices() -> None:
    env = {**os.environ, "_MTQA_COMPLETE": "complete_bash", "COMP_WORDS": "mtqa check a.txt --fail-on m", "COMP_CWORD": "4"}
    done = subprocess.run([sys.executable, "-c", "from mtqa.cli import app; app(prog_name='mtqa')"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["minor", "major"]


def test_choices_are_checked_and_fail_on_ignores_case(cli, write) -> None:
    write("a.txt", MINOR)
    assert cli("check", "a.txt", "--fail-on", "MINOR").exit_code == 1
    bad = cli("check", "a.txt", "--input-format", "docx")
    assert bad.exit_code == 2 and "'docx' is not one of" in " ".join(bad.stderr.replace("│", " ").split())


def test_target_lang_and_its_old_spelling_lang(cli, write, monkeypatch) -> None:
    import mtqa.engine

    seen = []
    real = mtqa.engine.run

    def spy(paths, config, *args, **kwargs):
        seen.append(config.target_lang)
        return real(paths, config, *args, **kwargs)

    monkeypatch.setattr(mtqa.engine, "run", spy)
    write("a.txt", CLEAN)
    new, old = (cli("check", "a.txt", option, "de") for option in ("--target-lang", "--lang"))
    assert new.stdout == old.stdout and "MT107" in new.stdout  # English text checked as German
    write("mtqa.toml", 'target-lang = "fr"\n')
    cli("check", "a.txt")
    assert seen == ["de", "de", "fr"]
    bad = cli("check", "a.txt", "--lang", "english")
    assert bad.exit_code == 2 and "--target-lang: expected a language tag such as 'en' or 'pt-BR'" in bad.stderr


def test_stdin_filename_names_the_input(cli) -> None:
    text = "# Title\n\nThey said `the the` twice. They met met again.\n"
    as_md = json.loads(cli("check", "-", "--stdin-filename", "docs/a.md", "-f", "json", input=text).stdout)
    assert [f["path"] for f in as_md["files"]] == ["docs/a.md"]
    assert [f["text"] for f in as_md["files"][0]["findings"]] == ["met met"]  # Markdown: the code span is markup
    as_txt = json.loads(cli("check", "-", "--stdin-filename", "a.txt", "-f", "json", input=text).stdout)
    assert {f["text"] for f in as_txt["files"][0]["findings"]} == {"the the", "met met"}
    excluded = json.loads(cli("check", "-", "--stdin-filename", "docs/a.md", "--exclude", "docs/", "-f", "json",
                              input=text).stdout)
    assert excluded["files"] == []
    alone = cli("check", "a.txt", "--stdin-filename", "a.md")
    assert alone.exit_code == 2 and "--stdin-filename: names stdin, so give '-' among the paths" in alone.stderr


def test_jobs_give_the_same_report(cli, write) -> None:
    for index in range(4):
        write(f"docs/{index}.txt", MINOR if index % 2 else CLEAN)
    one = cli("check", "docs", "missing.txt", "-f", "json")
    many = cli("check", "docs", "missing.txt", "-f", "json", "--jobs", "2")
    assert many.stdout == one.stdout and many.exit_code == one.exit_code == 2
    assert cli("check", "docs", "-j", "-1").exit_code == 2


def test_version(cli) -> None:
    from mtqa import __version__

    assert cli("--version").stdout.strip() == f"mtqa {__version__}"


# --- startup cost -------------------------------------------------------------------------

PROBE = """
import sys
from mtqa.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize("args", [["--help"], ["check", "{path}", "--select", "MT1,MT2"], ["rules"]])
def test_help_and_rules_only_checks_never_import_torch(tmp_path: Path, args: list[str]) -> None:
    """The rule-based checks (MT1xx, MT2xx) and the help never pay for torch or transformers."""
    path = tmp_path / "a.md"
    path.write_text("# Title\n\nThe delegation met the the officials.\n")
    argv = [a.format(path=path) for a in args]
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "HEAVY=" in done.stdout, done.stderr
    assert done.stdout.strip().endswith("HEAVY="), done.stdout


def test_help_imports_no_numerical_library_and_no_check() -> None:
    probe = (
        "import sys\nfrom mtqa.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'numpy', 'transformers', 'scipy', "
        "'sacrebleu', 'lingua', 'pysbd'} or m in {'mtqa.engine', 'mtqa.checks', 'mtqa.evaluation.runner'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_check_loads_no_other_command(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(CLEAN, encoding="utf-8")
    probe = (
        "import sys\nfrom mtqa.cli import app\ntry:\n    app(['check', 'a.txt', '--select', 'MT1'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mtqa.models_cli', 'mtqa.detector.cli', 'mtqa.evaluation.command') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


# --- README ---------------------------------------------------------------------------------


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_rules_table_matches_the_registry() -> None:
    text = readme()
    start, end = "<!-- rules-table:start -->\n", "<!-- rules-table:end -->"
    table = text[text.index(start) + len(start) : text.index(end)]
    expected = cli_module.rules_markdown([cli_module._rule_dict(cls) for cls in all_checks().values()])
    assert table == expected, "README table is stale: paste the output of `mtqa rules --format markdown`"


def test_readme_opens_with_the_setup_commands_and_ci_runs_the_test_command() -> None:
    text = readme()
    run_cmd = "pip install -e . && mtqa check fixtures/articles/summit-mt.txt"  # the core: no torch
    test_cmd = "pip install torch==2.13.0 -e '.[test]' && python -m pytest -q"
    head = text[:1500]
    assert run_cmd in head and test_cmd in head
    assert head.index(run_cmd) < head.index(test_cmd)
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install -q torch==2.13.0 -e '.[test]' && python3 -m pytest -q" in ci
    for fixture in ("fixtures/articles/summit-mt.txt",):
        assert (REPO / fixture).is_file()


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    from mtqa.config import load_config
    from mtqa.engine import prepare

    text = readme()
    example = text[text.index("```toml\n") + len("```toml\n") :]
    (tmp_path / "pyproject.toml").write_text(example[: example.index("```")])
    config, checks = prepare(load_config(start=tmp_path))
    assert config.options == {"MT207": {"max_ratio": 3.0}} and config.source_lang == "de"
    assert "MT104" not in {c.code for c in checks}
