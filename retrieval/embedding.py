"""Embedders: the `Embedder` protocol and the sentence-transformers implementation.

EmbeddingGemma is asymmetric: questions go through `encode_query`, passages
through `encode_document`, each with its own prompt. Vectors come back
L2-normalised, so a dot product is the cosine similarity.

The model is loaded lazily, once, from a local folder with hub access off;
a folder that is missing or cannot be loaded is a `models.errors.ModelError`.

Memory: the tokenizer's Python copies of its vocabulary are dropped once it is built
(`_drop_tokenizer_copies`, about 140 MB), and its word cache is off (`_no_word_cache`:
it grew with every new word, up to about 4 MB). In float32 (the default) the weights stay memory-mapped from the
safetensors file, so only the pages a forward pass touches are resident: the
transformer layers (about 400 MB), not the 262k-token embedding table (800 MB),
of which only the rows of tokens seen are read. `dtype="bfloat16"` halves the
weights but copies all of them into memory (about 600 MB resident, more than
float32 mapped) and, on a CPU without bf16 instructions, encodes 2-3x slower; the
model card allows it (float16 is not supported). `scripts/retrieval_quality.py`
measures what it does to retrieval.

What this module does not do: download or verify models (see `models.install`),
or store vectors (see `store`).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from models.errors import ModelError
from retrieval.lru import LRU
from retrieval.offline import offline_environment

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised vector."""
        ...


class SentenceTransformerEmbedder:
    """EmbeddingGemma (or any sentence-transformers folder) on the CPU."""

    def __init__(self, path: Path, *, threads: int | None = None, cache_size: int = 256,
                 dtype: str = "float32") -> None:  # fmt: skip
        self.path = Path(path)
        self.dtype = dtype
        self.name = self.path.name
        self.threads = threads
        self._model = None
        self._load_lock = threading.Lock()
        self._encode_lock = threading.Lock()
        self._cache: LRU[str, np.ndarray] = LRU(cache_size)  # question vectors

    def load(self):
        with self._load_lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        if not (self.path / "modules.json").exists():
            raise ModelError(
                f"embedding model folder {self.path} is missing or incomplete; "
                f"run `articlebot models fetch` or set ARTICLEBOT_EMBED_MODEL"
            )
        offline_environment()
        import torch

        with _deferred("sklearn.metrics"), _deferred("scipy.optimize"):
            from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            if self.dtype != "float32":  # every module, the Dense layers after pooling too
                model = model.to(getattr(torch, self.dtype))
        except Exception as exc:  # corrupt weights surface as many exception types
            raise ModelError(
                f"cannot load the embedding model from {self.path} ({type(exc).__name__}: "
                f"{str(exc)[:200]}); run `articlebot models fetch --force`"
            ) from exc
        model.eval()
        _drop_tokenizer_copies(model)
        _no_word_cache(model)
        log.info("loaded embedder %s (%s)", self.path, self.dtype)
        return model

    def clear_cache(self) -> None:
        self._cache.clear()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        model = self.load()
        with self._encode_lock:
            encode = getattr(model, "encode_document", model.encode)
            vectors = encode(
                texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.asarray(vectors, dtype=np.float32)

    def similarity(self, a: str, b: str) -> float:
        """How alike two texts mean, as the cosine of their vectors under the model's
        sentence-pair prompt ("STS" for EmbeddingGemma, none for a model without one);
        across languages too, so a translation can be scored against its original."""
        model = self.load()
        prompt = "STS" if "STS" in (getattr(model, "prompts", None) or {}) else None
        with self._encode_lock:
            vectors = model.encode([a, b], prompt_name=prompt, normalize_embeddings=True,
                                   convert_to_numpy=True)  # fmt: skip
        return float(np.dot(vectors[0], vectors[1]))

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        model = self.load()
        with self._encode_lock:
            encode = getattr(model, "encode_query", model.encode)
            vector = encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        vector = np.asarray(vector, dtype=np.float32)
        self._cache.put(text, vector)
        return vector


@contextmanager
def _deferred(module: str):
    """While inside, `module` is a stand-in whose functions import the real module when
    first called.

    For scikit-learn's metrics: sentence-transformers imports them when it is imported
    (`sentence_transformers.util.similarity`) for one function, `pairwise_distances`,
    behind its Manhattan and Euclidean similarities; EmbeddingGemma's is the cosine.
    Importing them takes about a second (scikit-learn and SciPy's statistics), of every
    start and every one-shot command. For SciPy's optimizers: transformers imports
    `linear_sum_assignment` for the loss of object-detection training (about 0.3 s).
    Names imported from the stand-in stay valid: they call the real function. Outside,
    the stand-in is gone, so a later import of the module is the real one."""
    if module in sys.modules:
        yield
        return
    stand_in = types.ModuleType(module, f"stand-in for {module} (retrieval.embedding._deferred)")

    def deferred_name(name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return getattr(importlib.import_module(module), name)(*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        return call

    stand_in.__getattr__ = deferred_name  # PEP 562: every name is a deferred call
    sys.modules[module] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(module) is stand_in:
            del sys.modules[module]


def _no_word_cache(model) -> None:
    """Turns off the Rust BPE tokenizer's word cache. It keeps every word it has not seen
    before (about 420 bytes each) up to 10,000 words, so a bot asked new questions for
    months grows by up to 4 MB through it alone; without it the tokenizer merges each
    word again, which costs nothing measurable here (13 documents: 27 ms with the cache,
    29 without; a question: 0.01-0.03 ms). The ids do not depend on it (tested)."""
    tokenizer = getattr(getattr(model, "tokenizer", None), "backend_tokenizer", None)
    bpe = getattr(tokenizer, "model", None)
    if hasattr(bpe, "_resize_cache"):  # BPE models; WordPiece and Unigram have no such cache
        bpe._resize_cache(0)  # tokenizers' own (underscored) method; no public one exists


def _drop_tokenizer_copies(model) -> None:
    """Frees the Python copies of the vocabulary and merges a transformers 5 tokenizer
    keeps after building its Rust tokenizer from them (Gemma's: 262,144 entries and
    514,906 merges, about 140 MB resident). Tokenizing goes through the Rust tokenizer
    alone, so the ids do not change (tested); only saving the tokenizer would need them,
    and this process never saves it."""
    tokenizer = getattr(model, "tokenizer", None)
    for name in ("_vocab", "_merges"):
        if isinstance(getattr(tokenizer, name, None), dict | list):
            setattr(tokenizer, name, None)

