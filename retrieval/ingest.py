"""Ingest: documents in, a new index generation out, or nothing when nothing changed.

All documents are loaded and validated before the store is touched, so a bad
path fails the whole call and loses nothing. A document whose text hash is
already in the index is skipped without loading the embedder, unless another
chunker version chunked it (`CHUNKER_VERSION`): then it is re-chunked and
re-embedded, so an index is never a mix of two chunkers' passages for one
document. `rechunk_stale` does that for every such document of an index, from
the text the index keeps.

What this module does not do: read files itself (see `documents`), split (see
`chunking`), or know the database (it writes through any `Store`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.chunking import CHUNKER_VERSION, chunk_document
from retrieval.documents import Document, load_document
from retrieval.embedding import Embedder
from retrieval.store import Store

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    generation: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def ingest_paths(
    paths: Iterable[Path],
    *,
    store: Store,
    embedder: Embedder,
    detect_language: Callable[[str], str],
) -> IngestReport:
    documents = [load_document(Path(p), detect_language=detect_language) for p in paths]
    return ingest_documents(documents, store=store, embedder=embedder)


def ingest_documents(
    documents: list[Document], *, store: Store, embedder: Embedder
) -> IngestReport:
    report = IngestReport()
    existing = {info.doc_id: info for info in store.documents()}
    todo: dict[str, Document] = {}
    for doc in documents:  # the last of several files with the same id wins
        todo[doc.doc_id] = doc
    batches = []
    for doc in todo.values():
        known = existing.get(doc.doc_id)
        if known is not None and known.sha256 == doc.sha256:
            if known.chunker == CHUNKER_VERSION:
                report.unchanged.append(doc.doc_id)
                continue
            log.info("%s was chunked by chunker %d; chunking it again with chunker %d",
                     doc.doc_id, known.chunker, CHUNKER_VERSION)  # fmt: skip
        (report.updated if known else report.added).append(doc.doc_id)
        chunks = chunk_document(doc.doc_id, doc.text, lang=doc.lang)
        vectors = embedder.embed_documents([c.text for c in chunks])
        batches.append((doc, chunks, vectors))
        report.chunks += len(chunks)
    if batches:
        report.generation = store.replace(batches)
        log.info("ingested %s", ", ".join(d.doc_id for d, _, _ in batches))
    return report


def stale_documents(store: Store) -> list[str]:
    """Ids of the documents of the index that another chunker version chunked."""
    return [info.doc_id for info in store.documents() if info.chunker != CHUNKER_VERSION]


def rechunk_stale(*, store: Store, embedder: Embedder) -> IngestReport | None:
    """Re-chunks and re-embeds, from the text the index keeps, every document another
    chunker version chunked; None when there is none."""
    documents = [doc for doc in map(store.document, stale_documents(store)) if doc is not None]
    if not documents:
        return None
    return ingest_documents(documents, store=store, embedder=embedder)


def remove_document(doc_id: str, *, store: Store) -> bool:
    if doc_id not in {info.doc_id for info in store.documents()}:
        return False
    store.replace([], remove=[doc_id])
    return True
