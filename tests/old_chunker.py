"""Writing an index as chunker 1 did, for the tests of stale indexes: a chunk per line,
no `paragraph` on chunks, no `chunker` on documents."""

from contextlib import contextmanager

import retrieval.ingest
from retrieval.chroma_store import ChromaStore
from retrieval.chunking import Chunk


def line_chunks(doc_id, text, max_chars=None, *, lang=None):
    """What chunker 1 made of a document, near enough: a chunk per non-blank line."""
    chunks, start = [], 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.strip():
            s = start + len(line) - len(line.lstrip())
            e = start + len(line.rstrip())
            chunks.append(Chunk(doc_id, len(chunks), s, e, number, text[s:e]))
        start += len(line)
    return chunks


@contextmanager
def old_chunker(monkeypatch):
    """Everything written inside is written as chunker 1 did: its chunks, and records
    without `chunker` and `paragraph`."""
    document_metadata = ChromaStore._document_metadata

    def without(record, key):
        return {k: v for k, v in record.items() if k != key}

    with monkeypatch.context() as patch:
        patch.setattr(retrieval.ingest, "chunk_document", line_chunks)
        patch.setattr(ChromaStore, "_document_metadata", staticmethod(
            lambda doc, chunks: without(document_metadata(doc, chunks), "chunker")))
        patch.setattr(ChromaStore, "_chunk_metadata", staticmethod(lambda c, doc: {
            "doc_id": c.doc_id, "index": c.index, "start": c.start, "end": c.end,
            "line": c.line, "title": doc.title}))  # fmt: skip
        yield
