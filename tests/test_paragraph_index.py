"""Paragraphs in the index: stored with each chunk, on every `Passage`, and what
`following` keeps to; an index written by the old chunker (no paragraphs, no chunker
version) is re-chunked by ingest, never mixed with new chunks."""

import logging

import pytest

import retrieval.ingest
from retrieval.chroma_store import ChromaStore
from retrieval.chunking import CHUNKER_VERSION, Chunk, chunk_document
from retrieval.ingest import ingest_paths, rechunk_stale
from retrieval.search import Searcher
from tests.conftest import ARTICLE, ARTICLE_ID, ROOT
from tests.fakes import ToyEmbedder
from tests.old_chunker import old_chunker

WRAPPED = ROOT / "tests" / "data" / "sets" / "de-wrapped" / "museumsdiebstahl-kaltenbach.de.txt"
WRAPPED_ID = "museumsdiebstahl-kaltenbach.de"


def detect(_text):
    return "de"


def ingest(store, *paths, embedder=None):
    return ingest_paths(paths, store=store, embedder=embedder or ToyEmbedder(),
                        detect_language=detect)  # fmt: skip


@pytest.fixture
def store(chroma_client, settings):
    return ChromaStore(chroma_client, prefix=settings.collection_prefix)


# -- paragraphs in the index ----------------------------------------------------------------


def test_passages_carry_their_paragraph_and_line(store):
    ingest(store, WRAPPED)
    text = WRAPPED.read_text(encoding="utf-8")
    passages = Searcher(store, ToyEmbedder()).all_passages()
    expected = chunk_document(WRAPPED_ID, text, lang="de")
    assert [(p.index, p.start, p.end, p.line, p.paragraph) for p in passages] == [
        (c.index, c.start, c.end, c.line, c.paragraph) for c in expected
    ]
    assert [p.paragraph for p in passages][:6] == [1, 1, 1, 2, 2, 2]  # 0 is the title


def test_following_stays_within_the_paragraph_of_a_wrapped_text(store):
    ingest(store, WRAPPED)
    searcher = Searcher(store, ToyEmbedder())
    passages = searcher.all_passages()
    pairs = [(p.index, n.index if (n := searcher.following(p)) else None) for p in passages]
    ends = {p.index for p in passages if p.index + 1 == len(passages)
            or passages[p.index + 1].paragraph != p.paragraph}  # fmt: skip
    assert pairs == [(i, None if i in ends else i + 1) for i in range(len(passages))]
    assert sorted(ends) == [2, 5, 10, 14, 18, 21, 23, 26, 29]  # the last of each paragraph
    # a sentence that ends a line but not its paragraph is followed; the title line is
    # no passage, so nothing precedes the first sentence of paragraph 1
    [first] = [p for p in passages if p.text.startswith("Unbekannte Täter")]
    assert searcher.following(first).text.startswith("Eine Überwachungskamera im Ostflügel")


def test_following_in_the_article_stops_at_the_end_of_a_line(store):
    ingest(store, ARTICLE)
    searcher = Searcher(store, ToyEmbedder())
    by_line = {}
    for passage in searcher.all_passages():
        by_line.setdefault(passage.line, []).append(passage)
    assert searcher.following(by_line[5][0]) == by_line[5][1]
    assert searcher.following(by_line[5][1]) is None
    assert searcher.following(by_line[8][0]) is None  # line 9 (a subheading) is no passage


# -- an index of the old chunker --------------------------------------------------------------


def test_an_old_index_reads_as_chunker_1_without_paragraphs(store, monkeypatch, caplog):
    with old_chunker(monkeypatch):
        ingest(store, ARTICLE)
    [info] = store.documents()
    assert (info.chunks, info.chunker) == (15, 1)
    assert {s.chunk.paragraph for s in store.chunks()} == {None}
    searcher = Searcher(store, ToyEmbedder())
    with caplog.at_level(logging.WARNING, logger="retrieval.search"):
        passages = searcher.all_passages()
    assert [p.paragraph for p in passages] == [None] * 15
    assert searcher.following(passages[0]) is None  # never guessed
    assert [r.getMessage() for r in caplog.records] == [
        "the index was written by an older chunker and knows no paragraphs; `articlebot run` "
        "chunks its documents again"]  # fmt: skip


def test_ingest_chunks_a_document_of_another_chunker_again_though_its_text_is_the_same(
    store, monkeypatch
):
    with old_chunker(monkeypatch):
        ingest(store, ARTICLE)
    old = store.generation()
    embedder = ToyEmbedder()
    report = ingest(store, ARTICLE, embedder=embedder)
    assert (report.added, report.updated, report.unchanged, report.chunks) == (
        [], [ARTICLE_ID], [], 18)  # fmt: skip
    assert embedder.document_calls == 1 and store.generation() != old
    text = ARTICLE.read_text(encoding="utf-8")
    assert [s.chunk for s in store.chunks()] == chunk_document(ARTICLE_ID, text, lang="de")
    assert [d.chunker for d in store.documents()] == [CHUNKER_VERSION]
    again = ingest(store, ARTICLE)
    assert (again.updated, again.unchanged) == ([], [ARTICLE_ID])


def test_a_newer_chunker_version_makes_the_current_index_stale(store, monkeypatch):
    ingest(store, ARTICLE)
    monkeypatch.setattr(retrieval.ingest, "CHUNKER_VERSION", CHUNKER_VERSION + 1)
    assert ingest(store, ARTICLE).updated == [ARTICLE_ID]


def test_rechunk_stale_upgrades_only_the_old_documents_from_their_stored_text(
    store, tmp_path, monkeypatch
):
    upload = tmp_path / "upload.txt"
    upload.write_text("Ein hochgeladener Text.\nEr hat zwei Zeilen.\n", encoding="utf-8")
    with old_chunker(monkeypatch):
        ingest(store, ARTICLE, upload)
    upload.unlink()  # an upload's file is gone; the index keeps its text
    ingest(store, WRAPPED)  # written by the current chunker
    embedder = ToyEmbedder()
    report = rechunk_stale(store=store, embedder=embedder)
    assert (report.added, report.updated, report.unchanged) == ([], [ARTICLE_ID, "upload"], [])
    assert [(d.doc_id, d.chunker, d.chunks) for d in store.documents()] == [
        (WRAPPED_ID, CHUNKER_VERSION, 30), (ARTICLE_ID, CHUNKER_VERSION, 18),
        ("upload", CHUNKER_VERSION, 2),
    ]  # fmt: skip
    assert None not in {s.chunk.paragraph for s in store.chunks()}
    assert rechunk_stale(store=store, embedder=embedder) is None
    assert embedder.document_calls == 2  # the two stale documents, once


def test_a_chunk_without_a_paragraph_is_not_written(store):
    from retrieval.documents import Document

    doc = Document(doc_id="d", title="T", text="Ein Satz.", lang="de", source="d.txt",
                   sha256="0" * 64)  # fmt: skip
    chunk = Chunk("d", 0, 0, 9, 1, "Ein Satz.")
    with pytest.raises(ValueError, match="chunk d:0-9 has no paragraph; chunk it again"):
        store.replace([(doc, [chunk], ToyEmbedder().embed_documents([chunk.text]))])
    assert store.is_empty()
