"""mtqa's shipped registry and models, installed by a wheel as the data package ``mtqa_models``.

A regular package (not a namespace one), so ``importlib.resources`` finds exactly this folder
and no same-named folder elsewhere on the path joins it (``mtqa/resources.py`` reads it).
"""
