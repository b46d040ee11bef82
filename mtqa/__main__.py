"""``python -m mtqa``: the same command line as ``mtqa``."""

from mtqa.cli import main

if __name__ == "__main__":  # not when a --jobs worker process (spawned) imports this as its main module
    main()
