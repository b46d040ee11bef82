"""Signatures: the settings that produced a score, as one reproducible ``key:value|…`` string.

In the spirit of sacrebleu, every score mtqa reports (a model check's, the shipped detector's,
``mtqa eval``'s checker) names what produced it, e.g.
``model:Helsinki-NLP/opus-mt-en-de@<commit>|pivot:de|metric:chrF2|thr:0.45|mtqa:0.1.0``.

One order everywhere, whoever builds the signature: the fields come in the order of
``FIELDS`` (what produced the numbers, what it was given, how the numbers are made, where
the line is drawn, how it ran), never in the order a caller happened to write them, and
``mtqa:<version>`` always comes last. A field outside ``FIELDS`` is a programming error.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtqa import __version__

# field → what it holds; the order of this mapping is the order of every signature
FIELDS = {
    # what produced the numbers: models as id@revision (a commit, or sha256:<12 hex> of the files)
    "model": "the scoring model(s), forward+backward for a round trip",
    "embed": "the sentence-embedding model",
    "lm": "the language model that judged a round trip's suggestions (MT301)",
    "freq": "the word-frequency list and its version",
    # what it was given
    "checks": "the checks that ran (mtqa eval's checker)",
    "pivot": "the round trip's pivot language",
    "src": "the source language",
    "source": "whether the checker read the source text (yes/no)",
    "context": "the tokens of preceding text a language model reads",
    # how the numbers are made
    "metric": "the measure and its weights",
    "score": "the sentence score's name and version",
    # where the line is drawn
    "thr": "the threshold(s) a finding needs (minor/major where there are two)",
    "patterns": "the detector's pattern-head thresholds (minor/major)",
    "repair": "the log-probability gain (nats) a round trip's repair needs (MT301)",
    "skip": "the alignment's cost of leaving a sentence unaligned",
    # how it ran
    "backend": "what ran the model: the translation backend (hf, ctranslate2), the detector's runtime (numpy, onnx, onnx-int8)",
}
VERSION_FIELD = "mtqa"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return "/".join(_text(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Signature:
    """The ordered settings behind a score; ``str()`` gives the ``key:value|…`` form reports show."""

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, **settings: object) -> Signature:
        """A signature of ``settings`` (None values left out), in ``FIELDS`` order, ending with the version.

        Floats print with ``:g`` (0.45, not 0.450000), booleans as yes/no, a tuple as its
        values joined by ``/`` (``thr:0.68/0.85``).
        """
        unknown = [key for key in settings if key not in FIELDS]
        if unknown:
            raise ValueError(f"unknown signature field(s) {', '.join(unknown)}: add them to mtqa.signature.FIELDS")
        ordered = tuple((key, _text(settings[key])) for key in FIELDS if settings.get(key) is not None)
        return cls((*ordered, (VERSION_FIELD, __version__)))

    @classmethod
    def parse(cls, text: str) -> Signature:
        """The signature a report shows, read back (values stay strings)."""
        pairs = []
        for part in text.split("|"):
            key, colon, value = part.partition(":")
            if not colon:
                raise ValueError(f"not a signature field (key:value): {part!r}")
            pairs.append((key, value))
        return cls(tuple(pairs))

    def as_dict(self) -> dict[str, str]:
        """The fields as a JSON object, in order."""
        return dict(self.fields)

    def __str__(self) -> str:
        return "|".join(f"{key}:{value}" for key, value in self.fields)
