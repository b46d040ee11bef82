"""mtqa's own English MT-error detector: a small encoder that reads the target text alone.

Modules: ``corruptions`` (synthetic MT-style errors), ``freedict`` (dictd reader for the
German round trip), ``data`` (MLQE-PE + clean + synthetic training sets), ``model`` (encoder
with a word head and a sentence head), ``train`` (training command) and ``infer`` (loading the
shipped model and scoring sentences). Nothing here imports torch at module import except
``model``/``train``/``infer``, which are only imported when a model is used.
"""
