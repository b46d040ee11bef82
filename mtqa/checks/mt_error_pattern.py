"""MT402 mt-error-pattern: the detector names MT error types it learned from synthetic errors."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.checks._detector_outputs import DetectorCheck, runs
from mtqa.checks.base import CheckContext
from mtqa.document import Document
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity

# Error type (``mtqa.detector.corruptions.PATTERNS``) → (category, what the finding says).
PATTERN_FINDINGS: dict[str, tuple[str, str]] = {
    "wrong_article": ("fluency/grammar", "wrong article for the next word"),
    "verb_final": ("fluency/word-order", "verb at the end of the clause (German-style word order)"),
    "misplaced_adverb": ("fluency/word-order", "adverb in an unusual place"),
    "adjacent_swap": ("fluency/word-order", "words in the wrong order"),
    "dropped_function_word": ("fluency/grammar", "a small word seems to be missing before this"),
    "doubled_function_word": ("fluency/grammar", "word written twice"),
    "wrong_preposition": ("fluency/grammar", "unusual preposition"),
    "wrong_sense": ("accuracy/mistranslation", "word in a sense that does not fit here (a dictionary mistranslation)"),
    "untranslated_word": ("accuracy/untranslated", "word left untranslated"),
    "literal_compound": ("accuracy/mistranslation", "literal, piece-by-piece rendering of a compound"),
    "broken_punctuation": ("fluency/punctuation", "stray or doubled punctuation"),
    "corrupted_number": ("accuracy/mistranslation", "number looks garbled"),
    "corrupted_name": ("accuracy/mistranslation", "name looks misspelled"),
    "garbled_phrase": ("accuracy/mistranslation", "phrase reads like a word-for-word machine translation"),
}


class MTErrorPattern(DetectorCheck):
    """Flags word order, word sense and other MT error types, named, from the detector model.

    What it does:
        Reads the error-type head of the shipped model ``models/mtqa-detector-en``: for each
        word, how likely it is one of the MT error types the model was taught on clean English
        with synthetic errors (German-style verb-final order, wrong word sense, misplaced
        adverb, missing or doubled small word, wrong preposition, untranslated word, literal
        compound, garbled number or name) and on real rule-based MT (round trips through
        Apertium: a phrase garbled word for word). Neighbouring words of the same type make one
        finding, which names the type; minor above the calibrated threshold, major above the
        stricter one.
    Why is this bad:
        These are the errors fluent machine translation leaves behind and spell-checkers pass:
        the sentence reads smoothly word by word, but the order or the sense is the source
        language's. A reader stumbles, or is misled.
    Example:
        There was concern over whether Moscow an invasion of Ukraine ordered had.
    Use instead:
        There was concern over whether Moscow had ordered an invasion of Ukraine.
    Options:
        None. Thresholds are calibrated so that at most 0.2 words in a thousand of fluent
        English (MLQE-PE dev post-edits and held-out BBC news) are flagged; see ``models/mtqa-detector-en/MODEL_CARD.md``
        for what it catches of each type. The model's outputs are shared with MT401 and cached.
    """

    code = "MT402"
    name = "mt-error-pattern"
    aliases = ("error-pattern",)
    summary = "Word order, word sense and other MT error types the detector model names."
    severity = Severity.MINOR
    category = "fluency"

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        detector, spans, results = self._scored(document, ctx)
        if not detector.patterns:
            raise ModelUnavailable(f"the detector in {detector.directory} has no error-type head",
                                   "use the model shipped with this version of mtqa")
        for segment, word_spans, result in zip(document.segments, spans, results, strict=True):
            kinds = [detector.patterns[k] if p >= detector.pattern_minor else None
                     for p, k in zip(result.error, result.kind, strict=True)]
            for first, last in runs(kinds):
                probability = max(result.error[first : last + 1])
                category, message = PATTERN_FINDINGS.get(kinds[first], (self.category, "likely MT error"))
                yield self.finding(
                    document, segment, segment.start + word_spans[first][0], segment.start + word_spans[last][1],
                    f"{message} (detector: {probability:.0%})",
                    severity=Severity.MAJOR if probability >= detector.pattern_major else Severity.MINOR,
                    category=category, probability=round(probability, 4), error_type=kinds[first],
                )
