"""``mtqa eval``: measure the checker on human-annotated translation-quality data.

One module per benchmark (loader and its measures), ``metrics`` for the plain measures,
``system`` for what is measured (the checker, or anything with the same ``predict``),
``runner`` for one run and its JSON, ``table`` for the printed table and ``command`` for
the CLI. Training code can call ``mlqe.evaluate(pairs, system)`` etc. directly.
"""

BENCHMARKS = ("mlqe-pe", "demetr", "mqm")  # here, not in runner, so ``mtqa eval --help`` lists them without loading it
