"""The store seam: the `Store` protocol, and the records a store returns.

A store keeps documents, their sentence chunks (with their paragraphs) and the
chunks' vectors, and which chunker version chunked each document, as one
*generation* at a time: `replace` writes a complete new generation and switches
to it at once, so a reader sees the index before an ingest or after it, never
half-way, and `generation()` changes with every switch (the searcher rebuilds
its per-index caches when it does). `ChromaStore` (in `chroma_store`) is the
implementation, on an embedded Chroma or a Chroma server.

What this module does not do: talk to a database; search (see `search`), or
decide what to ingest (see `ingest`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from retrieval.chunking import CHUNKER_VERSION, Chunk
from retrieval.documents import Document


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    lang: str
    source: str
    sha256: str
    chars: int
    chunks: int
    # The `CHUNKER_VERSION` that chunked the document; an index from before versions
    # were recorded reads as 1. Ingest re-chunks a document whose version differs.
    chunker: int = CHUNKER_VERSION


@dataclass(frozen=True)
class StoredChunk:
    chunk: Chunk
    title: str


@runtime_checkable
class Store(Protocol):
    """What `Searcher`, `ingest` and `App` need of an index. Errors are `StoreError`s."""

    def generation(self) -> str | None:
        """The id of the active generation; None when nothing was ever ingested."""
        ...

    def is_empty(self) -> bool:
        """True when there is no active generation."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """The documents of the active generation, by id."""
        ...

    def document(self, doc_id: str) -> Document | None:
        """One document with its full text; None for an unknown id."""
        ...

    def chunks(self) -> list[StoredChunk]:
        """All chunks of the active generation, in document order."""
        ...

    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks (unknown ids are left out)."""
        ...

    def query(
        self, vector: np.ndarray, k: int, doc_ids: list[str] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The `k` nearest chunks (of `doc_ids`, when given) with their cosine
        similarity, best first."""
        ...

    def replace(
        self,
        documents: Iterable[tuple[Document, list[Chunk], np.ndarray]],
        *,
        remove: Iterable[str] = (),
    ) -> str:
        """Writes a new generation: the current documents minus `remove`, with
        `documents` (each with its chunks and one vector per chunk) added or replaced;
        then switches to it. Returns the new generation's id."""
        ...

    def clear(self) -> None:
        """Deletes everything this store owns."""
        ...
