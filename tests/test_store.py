import sqlite3

import numpy as np
import pytest

from retrieval.chunking import CHUNKER_VERSION, Chunk, chunk_document
from retrieval.documents import Document
from retrieval.errors import DocumentError, StoreError
from retrieval.ingest import ingest_paths, remove_document
from retrieval.chroma_client import make_client
from retrieval.chroma_store import ChromaStore
from tests.conftest import ARTICLE, ARTICLE_ID
from tests.fakes import ToyEmbedder


def detect(_text):
    return "de"


def ingest(store, *paths):
    return ingest_paths(paths, store=store, embedder=ToyEmbedder(), detect_language=detect)


@pytest.fixture
def store(chroma_client, settings):
    return ChromaStore(chroma_client, prefix=settings.collection_prefix)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ingest_then_reingest_changes_nothing(store):
    first = ingest(store, ARTICLE)
    assert (first.added, first.chunks) == ([ARTICLE_ID], 18)
    generation = store.generation()
    again = ingest(store, ARTICLE)
    assert (again.added, again.updated, again.unchanged) == ([], [], [ARTICLE_ID])
    assert store.generation() == generation
    [info] = store.documents()
    assert (info.doc_id, info.chunks, info.chars, info.lang, info.chunker) == (
        ARTICLE_ID, 18, 2959, "de", CHUNKER_VERSION)  # fmt: skip


def test_stored_document_and_chunks_round_trip(store):
    ingest(store, ARTICLE)
    text = ARTICLE.read_text(encoding="utf-8")
    assert store.document(ARTICLE_ID).text == text
    chunks = store.chunks()
    assert [s.chunk for s in chunks] == chunk_document(ARTICLE_ID, text, lang="de")
    assert [s.chunk.paragraph for s in chunks] == [0, 1, 2, 3, 4, 4, 5, 5, 6, 7, 9, 9, 10, 11,
                                                    12, 13, 14, 14]  # fmt: skip
    assert all(text[s.chunk.start : s.chunk.end] == s.chunk.text for s in chunks)


def test_query_returns_cosine_similarity_best_first(store):
    ingest(store, ARTICLE)
    sentence = store.chunks()[6].chunk.text
    hits = store.query(ToyEmbedder.vector(sentence), 3)
    assert hits[0][0].chunk.text == sentence
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[0][1] >= hits[1][1] >= hits[2][1]


def test_update_and_remove_keep_other_documents(store, tmp_path):
    other = write(tmp_path, "other.txt", "Ein zweiter Artikel. Er hat zwei Sätze.")
    ingest(store, ARTICLE, other)
    assert [d.doc_id for d in store.documents()] == [ARTICLE_ID, "other"]
    write(tmp_path, "other.txt", "Ein geänderter Artikel.")
    report = ingest(store, other)
    assert report.updated == ["other"]
    assert store.document("other").text == "Ein geänderter Artikel."
    assert len(store.chunks()) == 18 + 1
    assert remove_document("other", store=store) is True
    assert remove_document("other", store=store) is False
    assert [d.doc_id for d in store.documents()] == [ARTICLE_ID]


def test_a_failed_ingest_leaves_the_previous_index_served(store, tmp_path, monkeypatch):
    ingest(store, ARTICLE)
    before = store.generation()

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # as if killed half-way through writing

    monkeypatch.setattr(store, "_write_document", die)
    with pytest.raises(KeyboardInterrupt):
        ingest(store, write(tmp_path, "new.txt", "Neuer Text."))
    assert store.generation() == before
    assert [d.doc_id for d in store.documents()] == [ARTICLE_ID]
    assert len(store.chunks()) == 18


def test_stale_generations_are_swept(store, tmp_path):
    ingest(store, ARTICLE)
    store._create_generation("g0abandoned")  # left behind by a killed process
    ingest(store, write(tmp_path, "b.txt", "Noch ein Text."))
    names = [c.name for c in store.client.list_collections() if c.name.startswith(store.prefix)]
    active = store.generation()
    assert sorted(names) == sorted(
        [f"{store.prefix}_meta", f"{store.prefix}_{active}_docs", f"{store.prefix}_{active}_chunks"]
    )


def test_bad_path_fails_before_touching_the_index(store, tmp_path):
    ingest(store, ARTICLE)
    before = store.generation()
    with pytest.raises(DocumentError, match="does not exist"):
        ingest(store, write(tmp_path, "ok.txt", "Gut."), tmp_path / "missing.txt")
    assert store.generation() == before


def test_corrupt_index_names_the_rebuild(tmp_path):
    path = tmp_path / "chroma"
    client = make_client(chroma_url=None, path=path)
    ingest(ChromaStore(client, prefix="c", where=str(path)), ARTICLE)
    (path / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="ingest --rebuild"):
        store = ChromaStore(make_client(chroma_url=None, path=tmp_path / "chroma"), prefix="c",
                            where=str(path))  # fmt: skip
        store.documents()


def test_locked_index_says_so(store, tmp_path, monkeypatch):
    """Chroma surfaces SQLite's "database is locked" as a plain exception; it becomes a
    one-line StoreError that says what to do."""
    ingest(store, ARTICLE)

    def locked(*args, **kwargs):
        raise RuntimeError("error returned from database: (code: 5) database is locked")

    monkeypatch.setattr(store.client, "create_collection", locked)
    with pytest.raises(StoreError, match="locked by another process"):
        ingest(store, write(tmp_path, "x.txt", "Gesperrt."))
    assert [d.doc_id for d in store.documents()] == [ARTICLE_ID]


def test_concurrent_ingest_is_detected(store, tmp_path, monkeypatch):
    ingest(store, ARTICLE)
    real_write = store._write_document
    other = ChromaStore(store.client, prefix=store.prefix)

    def meanwhile(*args, **kwargs):
        real_write(*args, **kwargs)
        if not getattr(meanwhile, "done", False):
            meanwhile.done = True
            ingest(other, write(tmp_path, "b.txt", "Ein anderer Prozess."))

    monkeypatch.setattr(store, "_write_document", meanwhile)
    with pytest.raises(StoreError, match="another ingest changed the index"):
        ingest(store, write(tmp_path, "a.txt", "Dieser Prozess."))
    assert [d.doc_id for d in store.documents()] == ["b", ARTICLE_ID]


def test_reads_and_copies_are_paged(store, tmp_path, monkeypatch):
    """Every read goes BATCH records at a time and still returns everything, in order."""
    import retrieval.chroma_store

    monkeypatch.setattr(retrieval.chroma_store, "BATCH", 4)
    b = write(tmp_path, "b.txt", "Erster Satz. Zweiter Satz. Dritter Satz. Vierter Satz. Fünfter.")
    c = write(tmp_path, "c.txt", "Nur ein Satz.")
    ingest(store, ARTICLE, b, c)
    order = [("b", i) for i in range(5)] + [("c", 0)] + [(ARTICLE_ID, i) for i in range(18)]
    assert [d.doc_id for d in store.documents()] == ["b", "c", ARTICLE_ID]
    chunks = store.chunks()
    assert [(s.chunk.doc_id, s.chunk.index) for s in chunks] == order
    ids = [s.chunk.chunk_id for s in chunks]
    vectors = store.vectors(ids)
    assert sorted(vectors) == sorted(ids)
    assert all(
        np.allclose(vectors[s.chunk.chunk_id], ToyEmbedder.vector(s.chunk.text)) for s in chunks
    )
    ingest(store, write(tmp_path, "c.txt", "Ein neuer Satz."))  # copies the 23 others, paged
    assert [(s.chunk.doc_id, s.chunk.index) for s in store.chunks()] == order
    assert store.document("c").text == "Ein neuer Satz."


@pytest.mark.slow
def test_an_index_of_33000_sentences_can_be_read(store):
    """Chroma refuses one `get` of more than ~32,766 records with metadata ("too many SQL
    variables"); paged reads don't hit that limit."""
    n = 33_000
    text = "".join(f"S{i:05d}. " for i in range(n))
    doc = Document(doc_id="big", title="Big", text=text, lang="en", source="big.txt",
                   sha256="0" * 64)  # fmt: skip
    chunks = [Chunk("big", i, 8 * i, 8 * i + 7, 1, text[8 * i : 8 * i + 7], 0) for i in range(n)]
    vectors = np.tile(np.eye(1, 8, dtype=np.float32), (n, 1))
    store.replace([(doc, chunks, vectors)])
    stored = store.chunks()
    assert (len(stored), stored[-1].chunk.text) == (n, "S32999.")
    assert [d.chunks for d in store.documents()] == [n]


def test_chroma_store_is_a_store_with_the_protocols_signatures():
    import inspect

    from retrieval.store import Store

    assert isinstance(ChromaStore(client=None), Store)
    methods = [name for name in vars(Store) if not name.startswith("_")]
    assert sorted(methods) == ["chunks", "clear", "document", "documents", "generation",
                               "is_empty", "query", "replace", "vectors"]  # fmt: skip
    for name in methods:
        ours = inspect.signature(getattr(ChromaStore, name))
        protocol = inspect.signature(getattr(Store, name))
        assert ours == protocol, name


def test_a_failed_drop_is_logged_and_the_ingest_error_kept(store, tmp_path, monkeypatch, caplog):
    ingest(store, ARTICLE)

    def die(*args, **kwargs):
        raise RuntimeError("disk full")

    def refuse(name):
        raise RuntimeError("error returned from database: (code: 5) database is locked")

    monkeypatch.setattr(store, "_write_document", die)
    monkeypatch.setattr(store.client, "delete_collection", refuse)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(store, write(tmp_path, "new.txt", "Neuer Text."))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all(
        w.startswith(f"could not delete collection {store.prefix}_g") and
        w.endswith("(the next ingest sweeps it): error returned from database: (code: 5) "
                   "database is locked") for w in warnings)  # fmt: skip
    assert [d.doc_id for d in store.documents()] == [ARTICLE_ID]


def test_dropping_a_half_created_generation_is_quiet(store, caplog):
    store.client.create_collection(f"{store.prefix}_ghalf_docs", embedding_function=None)
    store._drop_generation("ghalf")  # its chunks collection was never created
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
    assert not [c for c in store.client.list_collections() if "ghalf" in c.name]
