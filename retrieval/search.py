"""Search: a question in, ranked `Passage`s out.

Dense retrieval with the embedder through the store's vector index, optionally
fused by reciprocal rank with BM25 (bm25s, Snowball stemming in the corpus
language) for exact names and numbers. The BM25 index and the document texts
are built from the store once per index generation and reused.

Every `Passage` is cut from its stored document by offsets and checked:
`document.text[start:end] == passage.text`. A chunk that fails the check is
dropped and logged (the index is stale or corrupt), never shown.

What this module does not do: write the index (see `ingest`), know which database
holds it (it takes any `Store`), or decide whether a passage answers a question
(see `bot.answering`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from retrieval.documents import Document
from retrieval.embedding import Embedder
from retrieval.store import DocumentInfo, Store, StoredChunk

log = logging.getLogger(__name__)

RRF_K = 60
STEMMERS = {"de": "german", "en": "english", "fr": "french", "es": "spanish", "it": "italian"}


@dataclass(frozen=True)
class Passage:
    doc_id: str
    start: int
    end: int
    text: str
    score: float  # cosine similarity of the question and the passage
    line: int  # 1-based line the passage starts on, for display
    index: int
    title: str
    # The passage's paragraph in its document (`Paragraph.index`); None when an older
    # chunker wrote the index, which did not record paragraphs (re-ingest it).
    paragraph: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.doc_id, self.start


class _Corpus:
    """What the searcher keeps per index generation: texts, chunk order, BM25."""

    def __init__(self, generation: str | None, chunks: list[StoredChunk], docs: dict[str, Document],
                 *, lexical: bool = False):  # fmt: skip
        self.generation = generation
        self.chunks = chunks
        self.docs = docs
        self.by_position = {(s.chunk.doc_id, s.chunk.index): s for s in chunks}
        self.vectors: dict[str, np.ndarray] = {}
        self.bm25 = None
        self.stemmer = None
        if chunks and lexical:
            self._build_bm25()

    def _build_bm25(self) -> None:
        try:
            import bm25s
            import Stemmer
        except ImportError:  # optional; dense search still works
            return
        langs = [d.lang for d in self.docs.values()]
        lang = max(set(langs), key=langs.count) if langs else "en"
        self.stemmer = Stemmer.Stemmer(STEMMERS.get(lang, "english"))
        try:
            tokens = bm25s.tokenize(
                [s.chunk.text for s in self.chunks], stopwords=None, stemmer=self.stemmer,
                show_progress=False,
            )  # fmt: skip
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        except ValueError as exc:  # nothing to index (a corpus of numbers or symbols)
            log.info("no BM25 index: %s", exc)
            return
        self.bm25 = bm25

    def bm25_ranking(self, query: str, n: int) -> list[int]:
        if self.bm25 is None:
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords=None, stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        n = min(n, len(self.chunks))
        results, scores = self.bm25.retrieve(tokens, k=n, show_progress=False)
        return [int(i) for i, s in zip(results[0], scores[0], strict=True) if s > 0]


class Snapshot:
    """The index as one request sees it: read from the store once, and unchanged for the
    rest of the request even when an ingest switches the index meanwhile."""

    def __init__(self, corpus: _Corpus, embedder: Embedder, store: Store, hybrid: bool) -> None:
        self._corpus = corpus
        self._embedder = embedder
        self._store = store
        self._hybrid = hybrid

    @property
    def generation(self) -> str | None:
        """The index generation this snapshot reads; it changes with every ingest."""
        return self._corpus.generation

    def has_documents(self) -> bool:
        return bool(self._corpus.chunks)

    def doc_ids(self) -> list[str]:
        return list(self._corpus.docs)

    def document(self, doc_id: str) -> Document | None:
        return self._corpus.docs.get(doc_id)

    def language_of(self, doc_id: str) -> str | None:
        """The language detected for a document at ingest, None for an unknown id."""
        document = self._corpus.docs.get(doc_id)
        return document.lang if document is not None else None

    def search(self, query: str, k: int, doc_ids: list[str] | None = None) -> list[Passage]:
        corpus = self._corpus
        if not corpus.chunks:
            return []
        vector = self._embedder.embed_query(query)
        pool = max(k * 4, 12)
        dense = self._store.query(vector, pool, doc_ids=doc_ids)
        scores = {(s.chunk.doc_id, s.chunk.index): sim for s, sim in dense}
        ranked = [(s.chunk.doc_id, s.chunk.index) for s, _ in dense]
        if self._hybrid and corpus.bm25 is not None:
            lexical = [
                (corpus.chunks[i].chunk.doc_id, corpus.chunks[i].chunk.index)
                for i in corpus.bm25_ranking(query, pool)
            ]
            if doc_ids:
                lexical = [key for key in lexical if key[0] in doc_ids]
            ranked = _rrf([ranked, lexical])
            missing = [key for key in ranked if key not in scores]
            if missing:
                self._fill_scores(missing, vector, scores)
        passages = []
        for key in ranked[:k]:
            passage = self._passage(key, scores[key])
            if passage is not None:
                passages.append(passage)
        return passages

    def all_passages(self, doc_ids: list[str] | None = None) -> list[Passage]:
        out = []
        for stored in self._corpus.chunks:
            if doc_ids and stored.chunk.doc_id not in doc_ids:
                continue
            found = self._passage((stored.chunk.doc_id, stored.chunk.index), 0.0)
            if found is not None:
                out.append(found)
        return out

    def following(self, passage: Passage) -> Passage | None:
        """The next sentence of the same paragraph, or None at a paragraph's end (and
        always for an index an older chunker wrote: it does not know its paragraphs)."""
        if passage.paragraph is None:
            return None
        found = self._passage((passage.doc_id, passage.index + 1), 0.0)
        return found if found is not None and found.paragraph == passage.paragraph else None

    def vectors(self, passages: list[Passage]) -> np.ndarray:
        """The stored (normalised) vectors of `passages`, one row each, cached per generation."""
        cache = self._corpus.vectors
        ids = [f"{p.doc_id}:{p.start}-{p.end}" for p in passages]
        missing = [i for i in ids if i not in cache]
        if missing:
            cache.update(self._store.vectors(missing))
        return np.stack([cache[i] for i in ids])

    def _fill_scores(self, keys, vector: np.ndarray, scores: dict) -> None:
        texts = [self._corpus.by_position[key].chunk.text for key in keys]
        vectors = self._embedder.embed_documents(texts)
        for key, sim in zip(keys, vectors @ vector, strict=True):
            scores[key] = float(sim)

    def _passage(self, key: tuple[str, int], score: float) -> Passage | None:
        stored = self._corpus.by_position.get(key)
        if stored is None:
            return None
        chunk = stored.chunk
        doc = self._corpus.docs.get(chunk.doc_id)
        if doc is None or doc.text[chunk.start : chunk.end] != chunk.text:
            log.error("chunk %s does not match its document; rebuild the index", chunk.chunk_id)
            return None
        return Passage(
            doc_id=chunk.doc_id, start=chunk.start, end=chunk.end, text=chunk.text,
            score=score, line=chunk.line, index=chunk.index, title=stored.title,
            paragraph=chunk.paragraph,
        )  # fmt: skip


class Searcher:
    """Search over a store. `snapshot()` reads the index once for a request; the other
    methods are shortcuts that each take a fresh snapshot."""

    def __init__(self, store: Store, embedder: Embedder, *, hybrid: bool = False) -> None:
        self.store = store
        self.embedder = embedder
        self.hybrid = hybrid
        self._corpus: _Corpus | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The index as it is now: one round trip to the store for its generation, and a
        full read only when the generation changed since the last snapshot."""
        generation = self.store.generation()
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                chunks = self.store.chunks()
                docs = {}
                for info in self.store.documents():
                    doc = self.store.document(info.doc_id)
                    if doc is not None:
                        docs[doc.doc_id] = doc
                self._corpus = _Corpus(generation, chunks, docs, lexical=self.hybrid)
                if any(s.chunk.paragraph is None for s in chunks):
                    log.warning("the index was written by an older chunker and knows no "
                                "paragraphs; `articlebot run` chunks its documents again")
            corpus = self._corpus
        return Snapshot(corpus, self.embedder, self.store, self.hybrid)

    def generation(self) -> str | None:
        return self.store.generation()

    def has_documents(self) -> bool:
        return self.snapshot().has_documents()

    def doc_ids(self) -> list[str]:
        return self.snapshot().doc_ids()

    def document(self, doc_id: str) -> Document | None:
        return self.snapshot().document(doc_id)

    def language_of(self, doc_id: str) -> str | None:
        return self.snapshot().language_of(doc_id)

    def documents(self) -> list[DocumentInfo]:
        """What is ingested: id, title, language, size and passages of each document."""
        return self.store.documents()

    def search(self, query: str, k: int, doc_ids: list[str] | None = None) -> list[Passage]:
        return self.snapshot().search(query, k, doc_ids)

    def all_passages(self, doc_ids: list[str] | None = None) -> list[Passage]:
        return self.snapshot().all_passages(doc_ids)

    def following(self, passage: Passage) -> Passage | None:
        return self.snapshot().following(passage)

    def vectors(self, passages: list[Passage]) -> np.ndarray:
        return self.snapshot().vectors(passages)


def _rrf(rankings: list[list[tuple[str, int]]]) -> list[tuple[str, int]]:
    fused: dict[tuple[str, int], float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(fused, key=lambda key: -fused[key])

