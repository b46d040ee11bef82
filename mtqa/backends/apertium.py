"""Apertium, rule-based MT run as a separate program: every text of a call through one process.

One text a line is not safe (a text may hold a newline; a transfer rule may reach across a
line break into the next text). Instead the texts go through ``apertium -f none -z``, its
null-flush mode: each text is deformatted here as ``apertium-destxt`` would (reserved
characters escaped, whitespace other than one space kept in superblanks, the sentence-end
mark ``.[]`` appended) and ended by a NUL. Every stage of the pipeline flushes at a NUL, so
no rule sees two texts at once and each text comes back as one NUL-ended chunk. A chunk
without its sentence-end mark, or one chunk too many or too few, means the alignment is
lost: that is an error, never a shifted result. Checked on 1,000 MLQE-PE dev post-edits
(English, et-en and ro-en): every chunk aligned, eng-spa and back, and each output the same
as a separate ``apertium -u eng-spa`` call's.

A 2,000-word text is passed whole: Apertium's cost is linear in the words (no token limit),
measured at about 1 s for 2,000 words.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Sequence

from mtqa.backends.programs import install_command, installed_pair, missing
from mtqa.backends.store import ResolvedModel
from mtqa.errors import ModelUnavailable

_RESERVED = re.compile(r"([\\\[\]^$/@<>{}])")
_BLANK = re.compile(r"[ \t\n\r~]+")  # destxt keeps these in superblanks ("~" marks post-generation)
# Output: superblanks (the input's own whitespace, kept), escaped characters, runs of spaces (a
# dropped word leaves two: "corazón pesado ,  digo"), and the rest.
_OUTPUT = re.compile(r"\[((?:[^\]\\]|\\.)*)\]|\\(.)|( {2,})|([^\[\\ ]+| )", re.DOTALL)
_END = ".[]"
# Start-up is about 0.5 s; a sentence takes 10–20 ms. The limit leaves room for a loaded machine.
TIMEOUT_BASE_S = 30.0
TIMEOUT_PER_1000_CHARS_S = 2.0


class ProgramFailed(RuntimeError):
    """Apertium crashed, timed out or lost the alignment; the message is one line for the user."""


def deformat(text: str) -> str:
    """``text`` in Apertium's stream format, as ``apertium-destxt`` writes it (NULs become spaces)."""
    escaped = _RESERVED.sub(r"\\\1", text.replace("\0", " "))
    return _BLANK.sub(lambda m: m.group() if m.group() == " " else f"[{m.group()}]", escaped) + _END


def reformat(chunk: str) -> str | None:
    """A translated chunk as plain text; None when it lacks the sentence-end mark (alignment lost)."""
    body = chunk.rstrip("\n")
    if not body.endswith(_END):
        return None
    return _OUTPUT.sub(_plain, body[: -len(_END)])


def _plain(match: re.Match[str]) -> str:
    superblank, escaped, spaces, text = match.groups()
    if superblank is not None:
        return re.sub(r"\\(.)", r"\1", superblank)
    return escaped or (" " if spaces else text or "")


def timeout_for(texts: Sequence[str], base: float = TIMEOUT_BASE_S) -> float:
    return base + TIMEOUT_PER_1000_CHARS_S * sum(len(t) for t in texts) / 1000


class ApertiumTranslator:
    """``translate(texts)`` through ``apertium -f none -z -u PAIR``: the HF/CT2 translators' interface."""

    backend = "apertium"

    def __init__(self, model: ResolvedModel) -> None:
        self.model = model
        assert model.program is not None, "the loader builds this runner for program sources only"
        self.pair = model.program.pair
        self.settings = model.spec.settings
        self.calls = 0
        if installed_pair(self.pair) is None:
            raise ModelUnavailable(missing(self.pair), install_command(self.pair))

    @property
    def ref(self) -> str:
        return self.model.ref

    def translate(self, texts: Sequence[str]) -> list[str]:
        """One translation per text, in order; leading and trailing whitespace is kept as it was."""
        if not texts:
            return []
        cores = [t.strip() for t in texts]
        todo = [i for i, core in enumerate(cores) if core]
        outputs = self._run([cores[i] for i in todo]) if todo else []
        translated = list(cores)
        for i, output in zip(todo, outputs, strict=True):
            translated[i] = output.strip()  # a dropped first word ("It has" → "Tiene") leaves a space
        return [_rewrap(text, core) for text, core in zip(texts, translated, strict=True)]

    def _run(self, texts: list[str]) -> list[str]:
        self.calls += len(texts)
        command = ["apertium", "-f", "none", "-z", "-u", self.pair]
        payload = "".join(deformat(t) + "\0" for t in texts).encode("utf-8")
        limit = timeout_for(texts, float(self.settings.get("timeout", TIMEOUT_BASE_S)))
        shown = " ".join(command)
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,  # apertium is a shell pipeline: a timeout must stop all of it
            )
        except OSError as exc:
            raise ModelUnavailable(f"cannot start apertium: {exc.strerror or exc}", install_command(self.pair)) from None
        try:
            out, err = process.communicate(payload, timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ProgramFailed(f"{shown} timed out after {limit:.0f} s on {len(texts)} texts") from None
        if process.returncode != 0:
            last = (err.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise ProgramFailed(f"{shown} exited with status {process.returncode}: {last}")
        chunks = out.decode("utf-8", "replace").split("\0")
        results = [reformat(c) for c in chunks[: len(texts)]]
        extra = [c for c in chunks[len(texts) :] if c.strip()]
        if len(chunks) < len(texts) or extra or any(r is None for r in results):
            raise ProgramFailed(f"{shown}: output does not align with the {len(texts)} input texts")
        return [r for r in results if r is not None]


def _rewrap(original: str, translated: str) -> str:
    """The translation inside the original's leading and trailing whitespace."""
    core = original.strip()
    if not core:
        return original
    start = original.index(core)
    return original[:start] + translated + original[start + len(core) :]
