"""Logging for the entry points: configured once, when a process starts.

`setup_logging` is called by the CLI's main callback and by bench's cold-start
probe, before any model library is imported: it also keeps those libraries
offline and quiet (no hub, no progress bars), since their environment variables
are read at import.

What this module does not do: create loggers (each module has its own
`logging.getLogger(__name__)`) or log anything itself.
"""

from __future__ import annotations

import logging
import os
import sys

from retrieval.offline import offline_environment

NOISY = ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "bm25s")


def setup_logging(verbose: bool) -> None:
    """INFO with `verbose`, else WARNING, on stderr; the libraries' own loggers one level
    quieter."""
    offline_environment()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
