"""mtqa: a quality checker for machine-translated text."""

__version__ = "0.1.0"
