"""How the detector splits text into words: as MLQE-PE's (Moses) tokenisation has them.

The model was trained on MLQE-PE's words, so the check (on raw text) and every training source
that starts from raw text (round trips) split the same way.
"""

from __future__ import annotations

import re

# Dotted abbreviations and numbers whole ("U.S.", "1,500.5"), words with inner hyphens
# ("well-known"), clitics split off ("country 's", "don 't"), and every other non-space character
# on its own. Already tokenised text comes back as it was.
WORD = re.compile(
    r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)+|\w+(?:-\w+)*|['’](?:s|t|re|ve|ll|d|m)\b|[^\w\s]", re.IGNORECASE
)
