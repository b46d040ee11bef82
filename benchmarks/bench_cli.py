"""Start-up time, throughput and peak memory of ``mtqa check`` on this machine.

    python benchmarks/bench_cli.py                        # all three measures (the 100 MB one takes long)
    python benchmarks/bench_cli.py --parts startup,speed  # leave out the big file
    python benchmarks/bench_cli.py --parts big --big-mb 10 --big-select MT102   # one cheap check

Prints:
  1. start-up: ``mtqa --help``, ``mtqa check --help`` and ``mtqa --version`` wall time next to
     ``python -c pass`` (median of several runs), and where ``mtqa --help`` spends it in-process;
  2. sentences/second of a rules-only check (``--select MT1,MT2``: no model checks) of a
     generated ~100,000-word article, end to end through the CLI, and where the time goes;
  3. peak resident memory (``resource.getrusage``) and time of checking a generated 100 MB
     file with the size limit raised (``--max-file-mb 200``).

Every input is generated in a temporary directory; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUBJECTS = ["The delegation", "The minister", "Officials", "The committee", "Observers", "The company",
            "Researchers", "The mayor", "Local residents", "The central bank", "Negotiators", "The court"]
VERBS = ["met", "criticised", "announced", "rejected", "approved", "discussed", "postponed", "welcomed",
         "questioned", "signed", "reviewed", "described"]
OBJECTS = ["the new agreement", "a proposal on energy prices", "the budget for next year",
           "an inquiry into the accident", "the plan to expand the airport", "a report on air quality",
           "the latest figures", "an offer from the unions", "the terms of the ceasefire",
           "a draft law on housing", "the decision of the council", "the results of the survey"]
TAILS = ["on Tuesday", "after a long debate", "in Brussels", "without giving details",
         "according to two people present", "despite strong opposition", "for the second time this year",
         "in a statement issued late at night", "before the summer recess", "at the request of the government"]
RULES = "MT1,MT2"  # the rule-based checks; model checks are MT3xx and up
# A few of the slips mtqa exists to find, so the checks have work to do.
SLIPS = ["It took a hour to agree.", "The talks ended late.Next week they meet again.",
         "They met met the press afterwards.", "The minister said , that nothing had changed."]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return rng.choice(SLIPS)
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    if rng.random() < 0.3:
        text += f", and {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    return text + "."


def article(words: int, seed: int = 0) -> str:
    """Paragraphs of 3-6 sentences until about ``words`` words."""
    rng = random.Random(seed)
    paragraphs, count = [], 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        count += len(paragraph.split())
        paragraphs.append(paragraph)
    return "\n\n".join(paragraphs) + "\n"


def mtqa_command() -> list[str]:
    """The installed console script itself (not a shell shim in front of it)."""
    script = Path(sys.executable).with_name("mtqa")
    if script.is_file():
        return [str(script)]
    found = shutil.which("mtqa")
    return [found] if found else [sys.executable, "-c", "from mtqa.cli import main; main()"]


def median_wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# In a fresh interpreter: import the CLI, build its click commands, import typer's rich help
# module, render the help. Printed as seconds per stage.
HELP_STAGES = """
import io, sys, time
start = time.perf_counter()
import mtqa.cli, typer.main
imported = time.perf_counter()
command = typer.main.get_command(mtqa.cli.app)
built = time.perf_counter()
import typer.rich_utils
rich = time.perf_counter()
sys.stdout = io.StringIO()
try:
    command.main(["--help"], prog_name="mtqa")
except SystemExit:
    pass
shown = time.perf_counter()
sys.stdout = sys.__stdout__
print(imported - start, built - imported, rich - built, shown - rich)
"""


def startup(runs: int) -> None:
    python = median_wall([sys.executable, "-c", "pass"], runs)
    times = {args: median_wall([*mtqa_command(), *args.split()], runs) for args in ("--help", "check --help", "--version")}
    print(f"start-up (median of {runs}):  python -c pass {python:.3f} s   "
          + "   ".join(f"mtqa {args} {seconds:.3f} s" for args, seconds in times.items()))
    stages = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", HELP_STAGES], capture_output=True, text=True, check=True)
        stages.append([float(x) for x in done.stdout.split()])
    names = ("import mtqa.cli and typer", "build the commands", "import typer's rich help", "render")
    medians = [statistics.median(column) for column in zip(*stages)]
    print("  mtqa --help in-process: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in zip(names, medians)))


def throughput(workdir: Path, words: int) -> None:
    path = workdir / "article.txt"
    path.write_text(article(words), encoding="utf-8")
    report = workdir / "article.json"
    start = time.perf_counter()
    subprocess.run([*mtqa_command(), "check", str(path), "--select", RULES, "--format", "json", "-o", str(report)],
                   check=False)
    wall = time.perf_counter() - start
    summary = json.loads(report.read_text())["summary"]
    print(f"rules-only check of {words:,} words: {summary['segments']:,} sentences in {wall:.2f} s "
          f"= {summary['segments'] / wall:,.0f} sentences/s (end to end, {summary['findings']} findings)")
    stages(path)


def stages(path: Path) -> None:
    """Where the time goes, in-process: reading and splitting, then each check."""
    from mtqa.checks import CheckContext
    from mtqa.config import Config
    from mtqa.engine import Input, prepare, read_input

    config, checks = prepare(Config(select=RULES.split(",")))
    start = time.perf_counter()
    document = read_input(Input(str(path)), config)
    parts = [("read + split", time.perf_counter() - start)]
    ctx = CheckContext(target_lang=config.target_lang, languages=frozenset(config.languages))
    for check in checks:
        if check.applies_to(document, ctx):
            start = time.perf_counter()
            list(check.check_document(document, ctx))
            parts.append((check.code, time.perf_counter() - start))
    total = sum(seconds for _, seconds in parts)
    print(f"  in-process {total:.2f} s: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in parts))


PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


def peak_run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and stderr of ``command``, start-up included.

    It runs under a small wrapper process whose only child it is, so ``RUSAGE_CHILDREN`` there
    is this command's peak (the largest of it and the processes it waited for) and nobody
    else's; ``ru_maxrss`` is in KiB on Linux.
    """
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    peak_kib, code = done.stdout.strip().splitlines()[-1].split()
    return wall, int(peak_kib) / 1024, int(code), done.stderr


def big_file(workdir: Path, megabytes: int, select: str) -> None:
    path = workdir / "big.txt"
    block = article(150_000, seed=1).encode("utf-8")  # about 1 MB, repeated
    size = megabytes * 1024 * 1024
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = block[: size - written]
            handle.write(piece)
            written += len(piece)
    report = workdir / "big.json"
    refused = subprocess.run([*mtqa_command(), "check", str(path), "-q"], capture_output=True, text=True, check=False)
    print(f"{megabytes} MB file with the default limit: exit {refused.returncode}: {refused.stderr.strip()}")
    command = [*mtqa_command(), "check", str(path), "--max-file-mb", str(megabytes * 2), "--select", select,
               "--format", "json", "-o", str(report), "-q"]
    wall, peak_mb, _, _ = peak_run(command)
    summary = json.loads(report.read_text())["summary"]
    print(f"{megabytes} MB file, --max-file-mb {megabytes * 2} --select {select}: {summary['segments']:,} sentences "
          f"in {wall:.0f} s, peak RSS {peak_mb:,.0f} MB ({peak_mb / megabytes:.1f}x the file), "
          f"exit {summary['exit_code']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per start-up median")
    parser.add_argument("--words", type=int, default=100_000, help="size of the throughput article")
    parser.add_argument("--big-mb", type=int, default=100, help="size of the big file")
    parser.add_argument("--big-select", default=RULES, help="checks for the big file (default: the rule-based ones)")
    parser.add_argument("--parts", default="startup,speed,big", help="which measures, comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="mtqa-bench-") as tmp:
        workdir = Path(tmp)
        if "startup" in parts:
            startup(args.runs)
        if "speed" in parts:
            throughput(workdir, args.words)
        if "big" in parts:
            big_file(workdir, args.big_mb, args.big_select)


if __name__ == "__main__":
    main()
