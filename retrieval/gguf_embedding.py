"""The embedder run by llama.cpp: EmbeddingGemma's weights as a GGUF.

Through sentence-transformers a vector costs importing torch, transformers and
sentence-transformers (about 3.5 s of every one-shot command, and about 800 MB of a
process that holds both) and loading the model (about 1.2 s); through llama.cpp, which the
bot loads anyway for its LLM, importing takes 0.2 s and loading the GGUF a fraction of a
second. The GGUF is converted from the installed sentence-transformers folder by
`articlebot models fetch` (llama.cpp's own converter, with the two Dense layers after
pooling, in float32 but for the token table, in float16): the same weights, the same
tokenizer, the same prompts (read from the folder's `config_sentence_transformers.json`),
so the vectors keep a cosine of 0.99999 or more with sentence-transformers'
(tests/test_gguf_embedding.py, on questions and passages in three languages). Questions,
passages and sentence pairs go through it; a text too long for it goes to
sentence-transformers (`ThroughLlamaCpp`), which loads only then.

Memory: llama.cpp maps the GGUF and reads all of it in at load (MAP_POPULATE), so the
whole file would stay resident in this process, though a question reads the layers and a
few dozen of the token table's 262,144 rows. Right after the load its pages are dropped
from this process (`release_mapped_pages`, MADV_DONTNEED; they stay in the page cache)
and come back as they are read: the layers and the rows of the tokens seen, as
sentence-transformers' memory-mapped weights did. llama.cpp keeps an output buffer of one
row of logits per token it may return (262,144 floats, 1 MB, for this vocabulary),
zeroed, so resident; it is made for `MAX_TOKENS` tokens (256 MB) when the context is, and
never grown, because a longer text goes to sentence-transformers instead of being cut
(each text is decoded on its own, so no batch holds more).

What this module does not do: convert the weights (see `models.install`), or decide which
runtime a run uses (see `bot.app`).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from models.errors import ModelError
from models.install import LLAMA_CPP_FORM
from retrieval.lru import LRU

log = logging.getLogger(__name__)

#: The longest text (with its prompt) llama.cpp embeds here, in tokens; see Memory above.
MAX_TOKENS = 256


class LlamaCppEmbedder:
    """A sentence-transformers model converted to GGUF, embedding with its own prompts.
    A text longer than `n_ctx` tokens is cut there; see `fits`."""

    def __init__(self, folder: Path, *, threads: int | None = None, cache_size: int = 256,
                 n_ctx: int = MAX_TOKENS) -> None:  # fmt: skip
        self.folder = Path(folder)
        self.path = self.folder / LLAMA_CPP_FORM
        self.name = self.folder.name  # the vectors are sentence-transformers' own
        self.threads = threads
        self.n_ctx = n_ctx
        self._llama = None
        self._prompts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cache: LRU[str, np.ndarray] = LRU(cache_size)  # question vectors

    def load(self):
        with self._lock:
            if self._llama is None:
                if not self.path.exists():
                    raise ModelError(
                        f"{self.path} is missing: the embedder's llama.cpp form is made by "
                        f"`articlebot models fetch` (or `make setup`); or set "
                        f"embed_runtime = \"sentence-transformers\""
                    )
                self._prompts = _prompts(self.folder)
                self._llama = self._load()
            return self._llama

    def _load(self):
        from models.cpu import check_build_cpu

        check_build_cpu()  # before llama.cpp's library is loaded: it may not run here
        from llama_cpp import Llama

        from models.llama_load import one_load_at_a_time

        try:
            with one_load_at_a_time():
                llama = Llama(
                    model_path=str(self.path), embedding=True, n_ctx=self.n_ctx,
                    n_batch=self.n_ctx, n_ubatch=self.n_ctx, n_threads=self.threads,
                    n_threads_batch=self.threads, use_mmap=True, verbose=False,
                )  # fmt: skip
        except Exception as exc:
            raise ModelError(
                f"cannot load the embedder's GGUF {self.path} ({type(exc).__name__}: "
                f"{str(exc)[:160]}); delete it and run `articlebot models fetch`, which "
                f"converts it again"
            ) from exc
        release_mapped_pages(self.path)
        log.info("loaded embedder %s through llama.cpp", self.path)
        return llama

    def clear_cache(self) -> None:
        self._cache.clear()

    def fits(self, texts: list[str], prompt: str) -> bool:
        """Whether every text, with the prompt of its use, is embedded whole."""
        llama = self.load()
        prefix = self._prompts.get(prompt, "")
        with self._lock:
            return all(len(llama.tokenize((prefix + t).encode("utf-8"))) <= self.n_ctx
                       for t in texts)  # fmt: skip

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        llama = self.load()
        prefix = self._prompts.get(prompt, "")
        rows = []
        for text in texts:  # a text at a time, so a question need not wait for a whole ingest
            with self._lock:
                rows.append(llama.embed(prefix + text, truncate=True))
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        vector = self._encode([text], "query")[0]
        self._cache.put(text, vector)
        return vector

    def similarity(self, a: str, b: str) -> float:
        """As `SentenceTransformerEmbedder.similarity`: the cosine under the "STS" prompt."""
        vectors = self._encode([a, b], "STS")
        return float(np.dot(vectors[0], vectors[1]))


_MADV_DONTNEED = 4


def release_mapped_pages(path: Path, maps: Path = Path("/proc/self/maps")) -> int:
    """Drops the pages of every mapping of `path` from this process's memory (Linux:
    madvise MADV_DONTNEED; the kernel reads a page in again from the page cache when it is
    next touched, and a read-only file mapping loses nothing). Returns the bytes advised;
    0 where there is no /proc or no libc."""
    import ctypes
    import ctypes.util

    try:
        lines = maps.read_text().splitlines()
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return 0
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    target = str(Path(path).resolve())
    released = 0
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5] == target:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if madvise(start, end - start, _MADV_DONTNEED) == 0:
                released += end - start
    return released


def _prompts(folder: Path) -> dict[str, str]:
    config = folder / "config_sentence_transformers.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    except ValueError as exc:
        raise ModelError(f"{config} is not valid JSON ({exc}); run `articlebot models fetch "
                         f"--force`") from exc  # fmt: skip
    return dict(data.get("prompts") or {})


class ThroughLlamaCpp:
    """EmbeddingGemma through llama.cpp for every text it can take whole (`fits`: at most
    `MAX_TOKENS` tokens with its prompt: questions, sentence pairs, the passages of an
    article), sentence-transformers for the rest (a rare long passage or question), which
    loads only then. `load` loads the llama.cpp side only: a bot never imports torch
    unless such a text comes."""

    #: Its load reads the whole GGUF in for a moment (see Memory above): `App.prepare`
    #: loads it before the LLM, so that moment does not add to the LLM's weights.
    load_first = True

    def __init__(self, documents, queries: LlamaCppEmbedder, *, fallback: bool = False) -> None:
        """With `fallback` (`embed_runtime = "auto"`), a GGUF that does not load (a corrupt
        or cut file) is warned about once and sentence-transformers embeds everything: the
        same vectors, so the index stands and no question fails for it. Without it (asked
        for llama.cpp by name), the load's error, which names the fix, is raised."""
        self.documents = documents  # sentence-transformers: long texts
        self.queries = queries
        self.name = documents.name  # the same vectors (module docstring)
        self.fallback = fallback
        self._failed = False

    def _usable(self) -> bool:
        """Whether llama.cpp's side loads (see `fallback`)."""
        if self._failed:
            return False
        try:
            self.queries.load()
        except ModelError as exc:
            if not self.fallback:
                raise
            log.warning("%s; embedding with sentence-transformers instead", exc)
            self._failed = True
            return False
        return True

    def load(self):
        return self.queries.load() if self._usable() else self.documents.load()

    def clear_cache(self) -> None:
        self.queries.clear_cache()
        getattr(self.documents, "clear_cache", lambda: None)()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not self._usable():
            return self.documents.embed_documents(texts)
        fits = [self.queries.fits([t], "document") for t in texts]
        if all(fits):
            return self.queries.embed_documents(texts)
        short = [i for i, f in enumerate(fits) if f]
        long = [i for i, f in enumerate(fits) if not f]
        long_vectors = np.asarray(self.documents.embed_documents([texts[i] for i in long]),
                                  dtype=np.float32)  # fmt: skip
        vectors = np.empty((len(texts), long_vectors.shape[1]), dtype=np.float32)
        vectors[long] = long_vectors
        if short:
            vectors[short] = self.queries.embed_documents([texts[i] for i in short])
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        if self._usable() and self.queries.fits([text], "query"):
            return self.queries.embed_query(text)
        return self.documents.embed_query(text)

    def similarity(self, a: str, b: str) -> float:
        if self._usable() and self.queries.fits([a, b], "STS"):
            return self.queries.similarity(a, b)
        return self.documents.similarity(a, b)
