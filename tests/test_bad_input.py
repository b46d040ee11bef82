"""Bad input, end to end through the CLI.

Each bad input gets one clear line on stderr naming the file and the problem, exit code 2,
never a traceback, and the other files of the same run are still checked and reported.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from mtqa.checks.doubled_word import DoubledWord

# about the command line, not models: the registry holds the rule-based checks only
pytestmark = pytest.mark.usefixtures("rule_checks_only")

GOOD = "The delegation met the the officials.\n"


def check_with_good_file(cli, write, bad_name: str, *extra: str):
    """Run ``mtqa check good.txt BAD --format json``; return the result and the parsed report."""
    write("good.txt", GOOD)
    result = cli("check", "good.txt", bad_name, "--format", "json", *extra)
    assert result.exception is None, result.exception
    assert "Traceback" not in result.stderr + result.stdout
    report = json.loads(result.stdout)
    good = next(f for f in report["files"] if f["path"] == "good.txt")
    assert [f["text"] for f in good["findings"]] == ["the the"]  # the good file was still checked
    return result, report


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("mtqa: error:")]


def assert_one_error(result, path: str, *phrases: str) -> None:
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"mtqa: error: {path}: ")
    for phrase in phrases:
        assert phrase in lines[0]


def assert_reader_refused(result, path: str, *phrases: str) -> None:
    """The reader itself said what is wrong (an InputError), not a crash caught on the way."""
    assert_one_error(result, path, *phrases)
    assert f"mtqa: error: {path}: cannot read: " not in result.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        ("", "empty file"),
        ("\n \n\t\n", "empty file"),  # whitespace only
    ],
    ids=["binary", "empty", "whitespace-only"],
)
def test_binary_or_empty_file(cli, write, content: str | bytes, problem: str) -> None:
    write("bad.txt", content)
    result, _ = check_with_good_file(cli, write, "bad.txt")
    assert_one_error(result, "bad.txt", problem)


def test_invalid_utf8(cli, write) -> None:
    write("bad.txt", "Caf".encode() + b"\xe9 au lait.\n")
    result, report = check_with_good_file(cli, write, "bad.txt")
    assert_one_error(result, "bad.txt", "not valid UTF-8", "0xe9", "offset 3")
    bad = next(f for f in report["files"] if f["path"] == "bad.txt")
    assert bad["error"] and bad["findings"] == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_is_decoded_and_checked(cli, write, encoding: str) -> None:
    text = "Ein Satz.\nThey met met the press.\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    write("u16.txt", data)
    result = cli("check", "u16.txt", "--format", "json", "--fail-on", "minor", "--lang", "en", "--select", "MT102")
    assert result.exit_code == 1, result.stderr  # exit by findings, not an error
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["text"] == "met met"
    assert (finding["start"], finding["line"], finding["column"]) == (text.index("met met"), 2, 6)
    assert cli("check", "u16.txt", "--select", "MT102").exit_code == 0  # minor < major


def test_100_mb_file_is_refused_without_being_read(cli, write, tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 1024 * 1024)

    def no_reading(self):
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "read_text", no_reading)
    result = cli("check", "big.txt", "--format", "json")
    assert_one_error(result, "big.txt", "100.0 MB", "max_file_mb limit of 20 MB", "--max-file-mb")


def test_size_limit_is_configurable(cli, write) -> None:
    text = "The delegation met the officials in the capital. " * 400 + "They met met again.\n"
    write("mid.txt", text)  # about 20 KB
    result, _ = check_with_good_file(cli, write, "mid.txt", "--max-file-mb", "0.01")
    assert_one_error(result, "mid.txt", "over the max_file_mb limit of 0.01 MB")
    write("mtqa.toml", "max_file_mb = 0.05\n")  # raised in the config: checked in full
    result = cli("check", "mid.txt", "--format", "json", "--select", "MT102")
    assert result.exit_code == 0, result.stderr
    assert [f["text"] for f in json.loads(result.stdout)["files"][0]["findings"]] == ["met met"]


def test_oversized_stdin(cli) -> None:
    result = cli("check", "-", "--max-file-mb", "0.001", input="word " * 1000)
    assert_one_error(result, "<stdin>", "input is over the max_file_mb limit")


def test_10000_word_sentence(cli, write) -> None:
    words = [f"w{i}" for i in range(10_000)]
    words[5000:5002] = ["met", "met"]
    write("long.txt", "A short first line.\n\nThe " + " ".join(words) + ".\n")
    result, report = check_with_good_file(cli, write, "long.txt", "--select", "MT102")
    # checked in chunks: a note, not an error: the exit code is the findings' (MT102 is minor)
    assert result.exit_code == 0 and error_lines(result) == [], result.stderr
    note = "line 3: a sentence of 10001 words (over max_sentence_words = 1000); checked in chunks"
    assert f"mtqa: note: long.txt: {note}" in result.stderr.splitlines()
    long = next(f for f in report["files"] if f["path"] == "long.txt")
    assert [f["text"] for f in long["findings"]] == ["met met"]  # still checked
    assert "error" not in long and long["notes"] == [{"kind": "overlong-sentence", "message": note}]
    assert report["summary"]["files_with_errors"] == 0 and report["summary"]["notes"] == 1
    assert cli("check", "long.txt", "--select", "MT102", "--quiet").stderr == ""  # notes are not errors
    write("mtqa.toml", "max_sentence_words = 20000\n")  # the limit is a setting
    result = cli("check", "long.txt", "--select", "MT102")
    assert result.exit_code == 0 and result.stderr == ""
    write("mtqa.toml", "max_sentence_words = 3000\n")
    result = cli("check", "long.txt", "--select", "MT102")
    assert "(over max_sentence_words = 3000)" in result.stdout  # the terminal report shows the note
    assert result.stderr == ""  # ... once


@pytest.mark.parametrize(
    ("name", "content", "format_name"),
    [
        ("bad.xlf", '<?xml version="1.0"?>\n<xliff version="1.2"><file><body><trans-unit id="1">\n', "XLIFF"),
        ("bad.po", 'msgid "Hello"\nmsgstr "Hallo\nmsgid \n"unterminated\n', "PO"),
    ],
)
def test_malformed_file(cli, write, name: str, content: str, format_name: str) -> None:
    write(name, content)
    result, _ = check_with_good_file(cli, write, name)
    assert_reader_refused(result, name, format_name)


def test_xxe_xliff_is_not_resolved(cli, write, tmp_path: Path) -> None:
    secret = write("secret.txt", "TOP-SECRET-PAYLOAD\n")
    write("xxe.xlf", f"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file://{secret}">]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file source-language="de" target-language="en" datatype="plaintext" original="x">
    <body><trans-unit id="1"><source>Geheim</source><target>&xxe;</target></trans-unit></body>
  </file>
</xliff>
""")
    result, _ = check_with_good_file(cli, write, "xxe.xlf")
    assert_reader_refused(result, "xxe.xlf")
    assert "TOP-SECRET-PAYLOAD" not in result.stdout + result.stderr


def test_missing_path(cli, write) -> None:
    result, _ = check_with_good_file(cli, write, "nope.txt")
    assert_one_error(result, "nope.txt", "no such file or directory")


def test_directory_with_no_matching_files(cli, write) -> None:
    write("images/logo.png", b"\x89PNG")
    result, _ = check_with_good_file(cli, write, "images")
    assert_one_error(result, "images", "no files matching the include patterns")


def test_glob_matching_nothing(cli, write) -> None:
    result, _ = check_with_good_file(cli, write, "docs/*.xliff")
    assert_one_error(result, "docs/*.xliff", "no files match this pattern")


def test_unreadable_file(cli, write, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root reads everything; a directory named like a file fails the same way
        write("locked.txt/inner.md", "x")
        result, _ = check_with_good_file(cli, write, "locked.txt", "--include", "*.po")
        assert_one_error(result, "locked.txt")
        return
    path = write("locked.txt", GOOD)
    path.chmod(0)
    result, _ = check_with_good_file(cli, write, "locked.txt")
    assert_one_error(result, "locked.txt", "cannot read file")


def test_a_crashing_check_becomes_a_file_error_and_the_run_goes_on(cli, write, monkeypatch) -> None:
    def explode(self, document, segment, ctx):
        if "boom" in segment.text:
            raise RuntimeError("something\nbroke")
        return iter(())

    write("boom.txt", "This goes boom.\nIt was was late.\n")
    write("other.txt", "We we left.\n")
    monkeypatch.setattr(DoubledWord, "check_segment", explode)
    result = cli("check", "boom.txt", "other.txt", "--format", "json", "--select", "MT1")
    assert result.exception is None
    assert_one_error(result, "boom.txt", "check MT102 (doubled-word) crashed: RuntimeError: something broke")
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["files"]] == ["boom.txt", "other.txt"]
    assert report["files"][1].get("error") is None
    assert report["summary"]["exit_code"] == 2


def test_a_crashing_reader_becomes_a_file_error(cli, write, monkeypatch) -> None:
    import mtqa.readers.plaintext as plaintext

    def broken(text):
        raise KeyError("reader bug")

    monkeypatch.setattr(plaintext, "read", broken)
    write("bad.txt", "Some text.\n")
    result = cli("check", "bad.txt")
    assert result.exception is None
    assert_one_error(result, "bad.txt", "cannot read: KeyError")


def test_errors_and_findings_exit_2_even_with_exit_zero(cli, write) -> None:
    write("empty.txt", "")
    result, _ = check_with_good_file(cli, write, "empty.txt", "--exit-zero", "--fail-on", "minor")
    assert result.exit_code == 2
