"""One evaluation run: load a benchmark split, measure the checker and the reference rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqa import __version__
from mtqa.config import Config
from mtqa.evaluation import BENCHMARKS, demetr, mlqe, mqm
from mtqa.evaluation.odd_rows import OddRows
from mtqa.evaluation.system import CheckerSystem, ConstantSystem, System


@dataclass
class EvalRun:
    benchmark: str
    split: str
    checks: list[str]
    signatures: dict[str, str]
    results: dict[str, Any]
    items: int = 0  # sentences the checker scored
    seconds: float = 0.0  # wall-clock time the checker took for them
    cpu_seconds: float = 0.0  # CPU time of this process for them
    reference: dict[str, Any] = field(default_factory=dict)  # reference rows, same shape as results
    odd_rows: OddRows = field(default_factory=OddRows)  # rows of the data skipped or repaired

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON interface (docs/evaluation.md); reference rows go in ``results``."""
        return {
            "benchmark": self.benchmark,
            "split": self.split,
            "mtqa_version": __version__,
            "checks": self.checks,
            "signatures": self.signatures,
            "results": {**self.results, "reference": self.reference},
            "odd_rows": self.odd_rows.to_dict(),
        }


def run_eval(
    benchmark: str,
    data: Path,
    split: str,
    config: Config,
    pairs: Sequence[str] | None = None,
    limit: int | None = None,
    use_source: bool = True,
) -> EvalRun:
    """Measure the checks ``config`` selects on one benchmark split.

    ``use_source=False`` hides the benchmark's source text from the checker. Raises
    ``InputError`` for unreadable data (odd rows are skipped or repaired and logged in
    ``EvalRun.odd_rows`` instead), ``ConfigError`` for an unknown check selector,
    ``ValueError`` for an unknown benchmark and ``CheckFailed`` when a check crashes.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r} (choose from {', '.join(BENCHMARKS)})")
    checker = CheckerSystem(config, use_source)
    odd = OddRows()

    def constant_rows(evaluate: Callable[[Any, System], dict[str, Any]], loaded: Any) -> dict[str, Any]:
        return {
            "flag_nothing": evaluate(loaded, ConstantSystem(flag=False)),
            "flag_everything": evaluate(loaded, ConstantSystem(flag=True)),
        }

    extra: dict[str, str] = {}
    if benchmark == "mlqe-pe":
        pair_data = mlqe.load(data, split, pairs, limit, odd)
        results = mlqe.evaluate(pair_data, checker)
        reference = constant_rows(mlqe.evaluate, pair_data)
    elif benchmark == "demetr":
        items = demetr.load(data, split, limit, odd)
        results = demetr.evaluate(items, checker)
        chrf_results, extra["chrf"] = demetr.chrf_reference(items)
        reference = {"chrf": chrf_results}
    else:
        segments = mqm.load(data, split, limit, odd)
        results = mqm.evaluate(segments, checker)
        reference = constant_rows(mqm.evaluate, segments)
    return EvalRun(
        benchmark=benchmark,
        split=split,
        checks=checker.codes,
        signatures={**checker.signatures(), **extra},  # after the run: models know their revision
        results=results,
        items=checker.items,
        seconds=checker.seconds,
        cpu_seconds=checker.cpu_seconds,
        reference=reference,
        odd_rows=odd,
    )
