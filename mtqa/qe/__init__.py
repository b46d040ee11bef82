"""mtqa's source-aware QE model: a cross-encoder on multilingual-e5-small reading source and target.

``tokens`` turns word lists into pair batches, ``data`` reads MLQE-PE (with sources and source
tags) and makes the synthetic pairs of the recipe, ``model`` is the torch network (training),
``train`` the training loop, ``export`` the calibration on dev and the shipped folder,
``runtime`` the numpy (or onnxruntime, ``MTQA_QE_RUNTIME``) forward pass the check runs, ``guards``
what the check tests first (encoder languages, swapped pairs, pairs over the token limit).
"""
