"""MT501 inconsistent-translation and MT502 inconsistent-source: one source, one translation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from mtqa.checks._cross import MAX_OTHERS, Unit, normalised, units
from mtqa.checks.base import RunCheck, RunContext
from mtqa.findings import Finding, Severity


def _variants(
    groups: dict[tuple[str, str], list[Unit]], value: Callable[[Unit], str]
) -> Iterator[tuple[Unit, str, list[Unit], Counter[str]]]:
    """Each unit whose ``value`` differs from the most common one of its group.

    Yields the unit, the group's most common value as first written, the group's other
    units, and how often each value occurs; a tie goes to the value seen first.
    """
    for group in groups.values():
        if len(group) < 2:
            continue
        counts = Counter(normalised(value(unit)) for unit in group)
        if len(counts) < 2:
            continue
        majority = counts.most_common(1)[0][0]  # most_common keeps first-seen order among ties
        written = next(value(unit) for unit in group if normalised(value(unit)) == majority)
        for unit in group:
            if normalised(value(unit)) != majority:
                yield unit, written, [other for other in group if other is not unit], counts


def _groups(ctx: RunContext, check: RunCheck, key: Callable[[Unit], str]) -> dict[tuple[str, str], list[Unit]]:
    groups: dict[tuple[str, str], list[Unit]] = {}
    for lang, unit in units(check.documents(ctx), ctx):
        if unit.segment.source is None or not unit.segment.text.strip() or not unit.segment.source.strip():
            continue
        groups.setdefault((lang, normalised(key(unit))), []).append(unit)
    return groups


def _target(unit: Unit) -> str:
    return unit.segment.text


def _source(unit: Unit) -> str:
    return unit.segment.source or ""


class InconsistentTranslation(RunCheck):
    """Flags a source segment translated in different ways across the run's files.

    What it does:
        Groups every bilingual unit of the run (all files, one target language at a time) by
        its source, ignoring whitespace, case and trailing punctuation, and flags each unit
        whose target differs from the translation most units of that source have. The
        finding lists every other unit of the source in its details (and SARIF related
        locations), and suggests the most common translation.
    Why is this bad:
        A user interface or a document set that names one thing two ways confuses readers
        ("Save" as "Speichern" on one screen and "Sichern" on the next), and translation
        memories built from it teach the next translation both.
    Example:
        Source: Datei speichern
        Target: Save file
        Source: Datei speichern
        Target: Store file
    Use instead:
        Save file
        Save file
    """

    code = "MT501"
    name = "inconsistent-translation"
    summary = "The same source segment is translated differently elsewhere in the run."
    severity = Severity.MINOR
    category = "fluency/inconsistency"
    needs_source = True
    example_units = 2

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        for unit, majority, rest, counts in _variants(_groups(ctx, self, _source), _target):
            segment = unit.segment
            elsewhere = next(other for other in rest if normalised(other.segment.text) == normalised(majority))
            yield self.finding(
                unit.document, segment, segment.start, segment.end,
                f"{_source(unit)!r} is translated {len(counts)} ways in this run; most often {majority!r}"
                f" (e.g. at {elsewhere.where()})",
                suggestion=majority,
                others=[other.place() for other in rest[:MAX_OTHERS]],
                places=len(rest) + 1,
                translations=len(counts),
            )


class InconsistentSource(RunCheck):
    """Flags one translation given to different source segments across the run's files.

    What it does:
        Groups every bilingual unit of the run by its target (whitespace, case and trailing
        punctuation ignored) and flags each unit whose source differs from the source most
        units with that translation have. The other units are listed in the details.
    Why is this bad:
        Two different source texts rendered the same way often means one of them was
        mistranslated ("Open" and "Close" both as "Öffnen"), or that a distinction the
        source makes is lost in the translation.
    Example:
        Source: Datei öffnen
        Target: Open file
        Source: Datei schließen
        Target: Open file
    Use instead:
        Open file
        Close file
    """

    code = "MT502"
    name = "inconsistent-source"
    summary = "The same translation is given for different source segments in the run."
    severity = Severity.MINOR
    category = "fluency/inconsistency"
    needs_source = True
    example_units = 2

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        for unit, majority, rest, counts in _variants(_groups(ctx, self, _target), _source):
            segment = unit.segment
            elsewhere = next(other for other in rest if normalised(_source(other)) == normalised(majority))
            yield self.finding(
                unit.document, segment, segment.start, segment.end,
                f"{segment.text!r} also translates {majority!r} (at {elsewhere.where()}), not only {_source(unit)!r}",
                others=[other.place() for other in rest[:MAX_OTHERS]],
                places=len(rest) + 1,
                sources=len(counts),
            )
