"""mtqa's own English MT-error detector: a small encoder that reads the target text alone.

Modules: ``words`` (how text is split into words), ``corruptions`` (synthetic MT-style
errors), ``freedict`` (dictd reader for the German round trip), ``data`` (MLQE-PE + clean +
synthetic training sets), ``round_trips`` (Apertium round trips labelled like MLQE-PE),
``tokens`` (word lists to sub-token batches), ``model`` (the torch encoder with a word head and a sentence
head), ``train`` (training command), ``export`` (fp16 weights and calibrated thresholds),
``runtime`` (the same network's forward pass in numpy), ``onnx_graph`` and ``onnx_runtime``
(the same network as an ONNX graph written from the shipped weights, on onnxruntime: an
opt-in alternative) and ``infer`` (loading the shipped model, choosing its runtime and scoring
sentences). Only training and export import torch: the check runs on numpy (or onnxruntime).
"""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_NAME = "mtqa-detector-en"


def shipped_dir() -> Path:
    """Where the shipped detector lives: ``MTQA_DETECTOR_DIR``, else ``models/`` as shipped.

    ``models/`` sits at the repository root beside the ``mtqa`` package (a source checkout or
    an editable install); a wheel installs it as the ``mtqa_models`` data package
    (``mtqa.resources.models_dir`` tells which).
    """
    override = os.environ.get("MTQA_DETECTOR_DIR")
    if override:
        return Path(override).expanduser()
    from mtqa.resources import models_dir

    return models_dir() / SHIPPED_NAME
