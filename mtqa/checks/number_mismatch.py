"""MT201 number-mismatch."""

from __future__ import annotations

import re

from mtqa.checks._paired import PairedItems
from mtqa.checks._text import language, mask_codes
from mtqa.checks.base import CheckContext
from mtqa.findings import Severity

# 1 000 (grouped by spaces or apostrophes), or digits with , and . separators: 1,000 1.000 3,14.
# Letters may follow (10th, 5km) but not precede (G7, MP3 are names, not quantities).
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[\u00a0\u202f ']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*)(?![.,]?\d)")
_EN_WORDS = "zero one two three four five six seven eight nine ten".split()
_EN_WORD = re.compile(rf"\b(?:{'|'.join(_EN_WORDS)})\b", re.I)
_ROMAN = re.compile(r"\b(?=[MDCLXVI]{2,}\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})\b")
_ROMAN_DIGITS = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}
_DECADE = re.compile(r"['’‘]\s?$")  # '90, ’70s


def readings(token: str) -> set[float]:
    """Values a written number can stand for under either convention (3.14 or 3,14).

    "1.000" is 1000 in German and 1.0 in English; MT often keeps the source's format, so a
    number matches when any reading agrees, whatever the languages' own conventions.
    """
    token = re.sub(r"[\u00a0\u202f ']", "", token)
    values = set()
    for decimal, group in ((",", "."), (".", ",")):
        whole, _, fraction = token.partition(decimal)
        groups = whole.split(group)
        if decimal in fraction or group in fraction or any(len(g) != 3 for g in groups[1:]):
            continue
        values.add(float("".join(groups) + "." + (fraction or "0")))
    return values


def numbers(text: str) -> list[tuple[int, int, str, set[float]]]:
    """(start, end, token, readings) of each number, outside URLs, e-mails and placeholders.

    A token that is no number under either convention (28.11.2026, 1.2.3) counts as its
    parts, so that a date written 11/28/2026 on the other side still matches.
    """
    found = []
    for match in _NUMBER.finditer(mask_codes(text)):
        values = readings(match.group())
        if re.fullmatch(r"0{2,}", match.group()):
            continue  # the minutes of 3:00 are not a quantity to lose
        if len(match.group()) == 2 and values and _DECADE.search(text, max(0, match.start() - 2), match.start()):
            values |= {1900 + v for v in values} | {2000 + v for v in values}  # the '90s
        if values:
            found.append((match.start(), match.end(), match.group(), values))
        else:
            found.extend(
                (match.start() + m.start(), match.start() + m.end(), m.group(), {float(m.group())})
                for m in re.finditer(r"\d+", match.group())
            )
    return found


def _roman(numeral: str) -> float:
    values = [_ROMAN_DIGITS[c] for c in numeral]
    return float(sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0])))


def other_forms(text: str, lang: str | None) -> set[float]:
    """Numbers written otherwise: Roman numerals (secolul XIV) and, in English, the words
    one to ten ("2 days" → "two days"). They can stand in for a number on the other side
    but are never reported themselves."""
    values = {_roman(m.group()) for m in _ROMAN.finditer(text)}
    if lang is not None and language(lang) == "en":
        values |= {float(_EN_WORDS.index(m.group().lower())) for m in _EN_WORD.finditer(text)}
    return values


class NumberMismatch(PairedItems):
    """Flags numbers present in the source and not in the target, or the other way round.

    What it does:
        Compares the numbers on both sides, reading 1,000 / 1.000 / 1 000 and 3.14 / 3,14 by
        either convention, and ignoring numbers inside URLs, e-mail addresses and
        placeholders. Roman numerals (XIV), the '90s and small numbers written out in English
        ("two") count as present.
    Why is this bad:
        A wrong, dropped or invented number changes the facts: dates, prices, casualty
        figures. MT systems do this more often than readers expect.
    Example:
        Source: Die Preise stiegen um 3,5 Prozent.
        Target: Prices rose by 5 percent.
    Use instead:
        Prices rose by 3.5 percent.
    """

    code = "MT201"
    name = "number-mismatch"
    summary = "A number appears on one side of the translation and not on the other."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    item = "number"

    def compare(self, source: str, target: str, ctx: CheckContext) -> tuple[list[str], list[tuple[int, int, str]]]:
        """Numbers match by any reading; a number written another way on the other side counts."""
        remaining = numbers(target)
        target_forms = other_forms(target, ctx.target_lang)
        source_forms = other_forms(source, ctx.source_lang)
        missing = []
        for _, _, token, values in numbers(source):
            match = next((item for item in remaining if item[3] & values), None)
            if match:
                remaining.remove(match)
            elif not values & target_forms:
                missing.append(token)
        extra = [(start, end, token) for start, end, token, values in remaining if not values & source_forms]
        return missing, extra
