"""Keep the libraries offline: no model hub, no telemetry, no tokenizer threads.

`offline_environment()` sets the environment variables that transformers,
huggingface_hub and chromadb read at import, so it must run before they are
imported: the CLI calls it when it sets up logging, and the embedder and the
Chroma client factory call it again before their imports (it only sets
variables that are unset, so a user's own choice wins).

What this module does not do: download, load or check anything.
"""

from __future__ import annotations

import os


def offline_environment() -> None:
    """No hub, no telemetry: set before transformers or chromadb are imported."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)
