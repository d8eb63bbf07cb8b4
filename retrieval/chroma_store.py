"""The `Store` on Chroma: documents, sentence chunks and their vectors, in generations.

Each document's record holds its title, language, source, hash, size, number of
chunks and the `CHUNKER_VERSION` that chunked it; each chunk's record holds its
document, index, offsets, line and paragraph. Records written before chunker 2
lack `chunker` and `paragraph`: they read as chunker 1 and paragraph None, and
ingest re-chunks such documents.

Layout: every ingest writes a complete new *generation* (a chunks collection
and a documents collection, named with the generation id), then flips one
pointer record in the `<prefix>_meta` collection. Readers always follow the
pointer, so an ingest killed half-way leaves the previous index served and
intact; the abandoned collections are swept by the next ingest. Unchanged
documents are copied with their stored vectors, never re-embedded.

The same class serves the embedded `PersistentClient` and a Chroma server via
`HttpClient`; `chroma_client.make_client` picks one from the settings, and
nothing else differs. Several bot processes may share one server: each follows
the same pointer, so an ingest by one is seen by all at its switch, never
half-way. Chroma never embeds anything itself: collections have no embedding
function and every call passes vectors, so it never tries to download its
default model.

Reads are paged (`BATCH` records a call): Chroma's SQLite layer refuses a `get`
of more than about 32,000 records with metadata at once ("too many SQL variables").

What this module does not do: make the client (see `chroma_client`), embed, or
decide what to ingest (see `ingest`). Every Chroma failure leaves it as a
`StoreError` whose message names the fix.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np

from retrieval.chroma_client import REBUILD_HINT, is_unreachable, short, store_error
from retrieval.chunking import CHUNKER_VERSION, Chunk
from retrieval.documents import Document
from retrieval.errors import StoreError
from retrieval.store import DocumentInfo, StoredChunk

log = logging.getLogger(__name__)

POINTER_ID = "active"
BATCH = 1000


def _generation_time(generation: str) -> float:
    """When a generation was started (0 for names this code did not make)."""
    try:
        return time.mktime(time.strptime(generation[1:15], "%Y%m%d%H%M%S"))
    except ValueError:
        return 0.0


class ChromaStore:
    """Documents and chunks of the active generation, with vector search. A `Store`."""

    def __init__(self, client, *, prefix: str = "articlebot", where: str = "the index") -> None:
        self.client = client
        self.prefix = prefix
        self.where = where
        self._meta = None
        self._cached_generation: str | None = None
        self._collections: tuple[Any, Any] | None = None

    # -- reading ------------------------------------------------------------------------

    def generation(self) -> str | None:
        try:
            record = self._meta_collection().get(ids=[POINTER_ID], include=["metadatas"])
        except StoreError:
            raise
        except Exception as exc:
            raise store_error(exc, self.where) from exc
        if not record["ids"]:
            return None
        return record["metadatas"][0]["generation"]

    def is_empty(self) -> bool:
        return self.generation() is None

    def documents(self) -> list[DocumentInfo]:
        generation = self.generation()
        if generation is None:
            return []
        docs, _ = self._generation_collections(generation)
        result = self._get_all(docs, include=["metadatas"])
        infos = [self._info(i, m) for i, m in zip(result["ids"], result["metadatas"], strict=True)]
        return sorted(infos, key=lambda d: d.doc_id)

    def document(self, doc_id: str) -> Document | None:
        generation = self.generation()
        if generation is None:
            return None
        docs, _ = self._generation_collections(generation)
        result = self._call(docs.get, ids=[doc_id], include=["metadatas", "documents"])
        if not result["ids"]:
            return None
        meta = result["metadatas"][0]
        return Document(
            doc_id=doc_id, title=meta["title"], text=result["documents"][0], lang=meta["lang"],
            source=meta["source"], sha256=meta["sha256"],
        )  # fmt: skip

    def chunks(self) -> list[StoredChunk]:
        """All chunks of the active generation, in document order."""
        generation = self.generation()
        if generation is None:
            return []
        _, chunks = self._generation_collections(generation)
        result = self._get_all(chunks, include=["metadatas", "documents"])
        stored = [
            self._stored_chunk(m, d)
            for m, d in zip(result["metadatas"], result["documents"], strict=True)
        ]
        return sorted(stored, key=lambda s: (s.chunk.doc_id, s.chunk.index))

    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks of the active generation."""
        generation = self.generation()
        if generation is None or not chunk_ids:
            return {}
        _, chunks = self._generation_collections(generation)
        ids = list(chunk_ids)
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), BATCH):
            result = self._call(chunks.get, ids=ids[i : i + BATCH], include=["embeddings"])
            for chunk_id, vector in zip(result["ids"], result["embeddings"], strict=True):
                found[chunk_id] = np.asarray(vector, dtype=np.float32)
        return found

    def query(
        self, vector: np.ndarray, k: int, doc_ids: list[str] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The `k` nearest chunks with their cosine similarity, best first."""
        generation = self.generation()
        if generation is None:
            return []
        _, chunks = self._generation_collections(generation)
        count = self._call(chunks.count)
        if count == 0:
            return []
        where = None
        if doc_ids:
            where = {"doc_id": {"$in": list(doc_ids)}}
        result = self._call(
            chunks.query,
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=min(k, count),
            where=where,
            include=["metadatas", "documents", "distances"],
        )
        return [
            (self._stored_chunk(m, d), 1.0 - float(dist))
            for m, d, dist in zip(
                result["metadatas"][0], result["documents"][0], result["distances"][0], strict=True
            )
        ]

    # -- writing ------------------------------------------------------------------------

    def replace(
        self,
        documents: Iterable[tuple[Document, list[Chunk], np.ndarray]],
        *,
        remove: Iterable[str] = (),
    ) -> str:
        """Writes a new generation holding the current documents, minus `remove`, with
        `documents` added or replaced, then switches to it. Returns the generation id."""
        incoming = list(documents)
        dropped = set(remove) | {doc.doc_id for doc, _, _ in incoming}
        old = self.generation()
        new = f"g{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:6]}"
        docs_new, chunks_new = self._create_generation(new)
        try:
            if old is not None:
                self._copy_unchanged(old, docs_new, chunks_new, dropped)
            for doc, doc_chunks, vectors in incoming:
                self._write_document(docs_new, chunks_new, doc, doc_chunks, vectors)
            if self.generation() != old:
                raise StoreError(
                    "another ingest changed the index while this one ran; run this one again"
                )
            self._call(
                self._meta_collection().upsert,
                ids=[POINTER_ID],
                embeddings=[[1.0]],
                metadatas=[{"generation": new, "switched_at": time.time()}],
                documents=["active generation"],
            )
        except BaseException:
            self._drop_generation(new)
            raise
        log.info("index switched from %s to %s", old, new)
        if old is not None:
            self._drop_generation(old)
        self.sweep()
        return new

    def sweep(self, min_age_s: float = 600.0) -> None:
        """Deletes collections of generations that are not active (left by killed ingests).

        Generations younger than `min_age_s` are spared: another process may be
        writing one right now."""
        active = self.generation()
        now = time.time()
        for name in self._collection_names():
            if not name.startswith(f"{self.prefix}_g"):
                continue
            generation = name[len(self.prefix) + 1 :].split("_", 1)[0]
            if generation != active and now - _generation_time(generation) >= min_age_s:
                try:
                    self.client.delete_collection(name)
                except Exception as exc:  # another process may be sweeping too
                    log.warning("could not delete stale collection %s: %s", name, exc)

    def clear(self) -> None:
        """Deletes everything this store owns (for `ingest --rebuild`)."""
        for name in self._collection_names():
            if name.startswith(f"{self.prefix}_"):
                self.client.delete_collection(name)
        self._meta = None
        self._collections = None
        self._cached_generation = None

    # -- internals ----------------------------------------------------------------------

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            raise store_error(exc, self.where) from exc

    def _get_all(self, collection, *, where: dict | None = None, include: list[str]) -> dict:
        """Every record of `collection` (matching `where`), fetched `BATCH` at a time."""
        merged: dict[str, list] = {"ids": [], **{key: [] for key in include}}
        offset = 0
        while True:
            page = self._call(
                collection.get, where=where, limit=BATCH, offset=offset, include=include
            )
            merged["ids"].extend(page["ids"])
            for key in include:
                merged[key].extend(page[key])
            if len(page["ids"]) < BATCH:
                return merged
            offset += BATCH

    def _collection_names(self) -> list[str]:
        collections = self._call(self.client.list_collections)
        return [getattr(c, "name", c) for c in collections]

    def _meta_collection(self):
        if self._meta is None:
            self._meta = self._call(
                self.client.get_or_create_collection,
                f"{self.prefix}_meta",
                embedding_function=None,
            )
        return self._meta

    def _names(self, generation: str) -> tuple[str, str]:
        return f"{self.prefix}_{generation}_docs", f"{self.prefix}_{generation}_chunks"

    def _create_generation(self, generation: str):
        docs_name, chunks_name = self._names(generation)
        docs = self._call(self.client.create_collection, docs_name, embedding_function=None)
        chunks = self._call(
            self.client.create_collection,
            chunks_name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
        return docs, chunks

    def _generation_collections(self, generation: str):
        if self._cached_generation != generation or self._collections is None:
            docs_name, chunks_name = self._names(generation)
            try:
                docs = self.client.get_collection(docs_name, embedding_function=None)
                chunks = self.client.get_collection(chunks_name, embedding_function=None)
            except Exception as exc:
                if is_unreachable(exc):
                    raise store_error(exc, self.where) from exc
                raise StoreError(
                    f"the index at {self.where} points at generation {generation}, which is "
                    f"missing ({short(exc)}); {REBUILD_HINT}"
                ) from exc
            self._collections = (docs, chunks)
            self._cached_generation = generation
        return self._collections

    def _drop_generation(self, generation: str) -> None:
        """Deletes a generation's collections. It runs while another error propagates (a
        failed ingest) or after a switch, so a failure is logged and never raised: the
        next ingest's sweep deletes what is left."""
        from chromadb.errors import NotFoundError

        for name in self._names(generation):
            try:
                self.client.delete_collection(name)
            except NotFoundError:
                log.debug("collection %s was never created or is gone already", name)
            except Exception as exc:  # the error being handled is the one to report
                log.warning("could not delete collection %s (the next ingest sweeps it): %s",
                            name, short(exc))  # fmt: skip

    def _copy_unchanged(self, old: str, docs_new, chunks_new, dropped: set[str]) -> None:
        docs_old, chunks_old = self._generation_collections(old)
        keep = [d for d in self._get_all(docs_old, include=[])["ids"] if d not in dropped]
        for i in range(0, len(keep), BATCH):
            docs = self._call(
                docs_old.get, ids=keep[i : i + BATCH],
                include=["metadatas", "documents", "embeddings"],
            )  # fmt: skip
            self._call(
                docs_new.add, ids=docs["ids"], metadatas=docs["metadatas"],
                documents=docs["documents"], embeddings=docs["embeddings"],
            )  # fmt: skip
        for doc_id in keep:
            part = self._get_all(
                chunks_old,
                where={"doc_id": doc_id},
                include=["metadatas", "documents", "embeddings"],
            )
            for i in range(0, len(part["ids"]), BATCH):
                self._call(
                    chunks_new.add,
                    ids=part["ids"][i : i + BATCH],
                    metadatas=part["metadatas"][i : i + BATCH],
                    documents=part["documents"][i : i + BATCH],
                    embeddings=part["embeddings"][i : i + BATCH],
                )

    def _write_document(self, docs, chunks, doc: Document, doc_chunks: list[Chunk], vectors):
        if len(doc_chunks) != len(vectors):
            raise ValueError("one vector per chunk expected")
        self._call(
            docs.add,
            ids=[doc.doc_id],
            embeddings=[[1.0]],
            documents=[doc.text],
            metadatas=[self._document_metadata(doc, doc_chunks)],
        )
        for i in range(0, len(doc_chunks), BATCH):
            batch = doc_chunks[i : i + BATCH]
            self._call(
                chunks.add,
                ids=[c.chunk_id for c in batch],
                embeddings=np.asarray(vectors[i : i + BATCH], dtype=np.float32).tolist(),
                documents=[c.text for c in batch],
                metadatas=[self._chunk_metadata(c, doc) for c in batch],
            )

    @staticmethod
    def _document_metadata(doc: Document, doc_chunks: list[Chunk]) -> dict:
        """What is stored with a document; `chunker` is the version that made its chunks
        (documents are only ever written with chunks of this code's chunker)."""
        return {
            "title": doc.title, "lang": doc.lang, "source": doc.source, "sha256": doc.sha256,
            "chars": len(doc.text), "chunks": len(doc_chunks), "chunker": CHUNKER_VERSION,
        }  # fmt: skip

    @staticmethod
    def _chunk_metadata(chunk: Chunk, doc: Document) -> dict:
        if chunk.paragraph is None:
            raise ValueError(f"chunk {chunk.chunk_id} has no paragraph; chunk it again")
        return {
            "doc_id": chunk.doc_id, "index": chunk.index, "start": chunk.start, "end": chunk.end,
            "line": chunk.line, "paragraph": chunk.paragraph, "title": doc.title,
        }  # fmt: skip

    @staticmethod
    def _info(doc_id: str, meta: dict) -> DocumentInfo:
        return DocumentInfo(
            doc_id=doc_id, title=meta["title"], lang=meta["lang"], source=meta["source"],
            sha256=meta["sha256"], chars=int(meta["chars"]), chunks=int(meta["chunks"]),
            chunker=int(meta.get("chunker", 1)),  # not recorded by chunker 1
        )  # fmt: skip

    @staticmethod
    def _stored_chunk(meta: dict, text: str) -> StoredChunk:
        chunk = Chunk(
            doc_id=meta["doc_id"], index=int(meta["index"]), start=int(meta["start"]),
            end=int(meta["end"]), line=int(meta["line"]), text=text,
            paragraph=int(meta["paragraph"]) if "paragraph" in meta else None,  # chunker 1
        )  # fmt: skip
        return StoredChunk(chunk=chunk, title=meta["title"])
