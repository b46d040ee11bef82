"""Rich tables of an ``EvalRun`` (display only; every figure comes from the run)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from mtqa.evaluation.runner import EvalRun


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _mlqe(run: EvalRun) -> Table:
    table = Table(
        title=f"MLQE-PE {run.split}: word tags, and the sentence score against HTER and DA",
        caption="† DA figures correlate z_mean with −score (the score is a penalty), so positive = agrees",
    )
    for name in ("pair", "n", "word MCC", "F1-BAD", "HTER r", "HTER ρ", "DA r†", "DA ρ†"):
        table.add_column(name, justify="left" if name == "pair" else "right")

    def add(label: str, row: dict[str, Any], style: str | None = None) -> None:
        table.add_row(
            label, str(row["n"]), _num(row["word_mcc"]), _num(row["word_f1_bad"]),
            _num(row["hter_pearson"]), _num(row["hter_spearman"]),
            _num(row["da_pearson"]), _num(row["da_spearman"]), style=style,
        )

    for pair, row in run.results["pairs"].items():
        add(pair, row)
    add("average", run.results["average"], style="bold")
    for name, reference in run.reference.items():
        add(name.replace("_", " "), reference["average"], style="dim")
    return table


def _demetr(run: EvalRun) -> Table:
    table = Table(title=f"DEMETR {run.split}: share of items where pert_sent scores worse than mt_sent")
    for name in ("perturbation", "n", "checker", "chrF vs ref (upper bound)"):
        table.add_column(name, justify="left" if name == "perturbation" else "right")
    chrf = run.reference["chrf"]
    for group, title in (("perturbations", None), ("severity", "severity: ")):
        for name, cell in run.results[group].items():
            label = f"{title or ''}{name}"
            table.add_row(label, str(cell["n"]), _pct(cell["accuracy"]), _pct(chrf[group][name]["accuracy"]),
                          style=None if title is None else "italic")
        table.add_section()
    overall = run.results["overall"]
    table.add_row("overall", str(overall["n"]), _pct(overall["accuracy"]), _pct(chrf["overall"]["accuracy"]),
                  style="bold")
    return table


def _mqm(run: EvalRun) -> Table:
    table = Table(title=f"MQM {run.split}: span overlap (non-space characters) and segment Kendall tau-b")
    for name in ("system", "segments", "span P", "span R", "span F1", "Kendall τ"):
        table.add_column(name, justify="left" if name == "system" else "right")
    rows = {"checker": run.results, **{k.replace("_", " "): v for k, v in run.reference.items()}}
    for label, row in rows.items():
        span = row["span"]
        table.add_row(label, str(row["n_segments"]), _num(span["precision"]), _num(span["recall"]),
                      _num(span["f1"]), _num(row["kendall_tau"]),
                      style="bold" if label == "checker" else "dim")
    return table


def render(run: EvalRun) -> Table:
    return {"mlqe-pe": _mlqe, "demetr": _demetr, "mqm": _mqm}[run.benchmark](run)
