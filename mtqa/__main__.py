"""``python -m mtqa``: the same command line as ``mtqa``."""

from mtqa.cli import main

main()
