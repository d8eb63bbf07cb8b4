"""`App`: built from the configuration (`from_config`); `ingest_bytes`: an uploaded file
(as Discord's /ingest gets it) becomes a document; `ensure_ingested`: an empty or stale
index is (re-)ingested at start."""

import pytest

from bot.app import App
from bot.errors import ArticlebotError
from retrieval.chunking import CHUNKER_VERSION, chunk_document
from retrieval.errors import DocumentError
from tests.conftest import ARTICLE, ARTICLE_ID, make_app
from tests.fakes import ToyEmbedder
from tests.old_chunker import old_chunker


def test_an_uploaded_markdown_file_is_ingested_under_an_id_from_its_name(fake_app):
    data = b"# Treffen im Rathaus\n\nDas Treffen ist am Montag um 18 Uhr.\n"
    report = fake_app.ingest_bytes(
        data, "Treffen im Rathaus.md", source="discord:Treffen im Rathaus.md"
    )
    assert (report.added, report.updated, report.unchanged, report.chunks) == (
        ["treffen-im-rathaus"],
        [],
        [],
        1,  # the heading "# Treffen im Rathaus" is no passage
    )
    infos = {d.doc_id: (d.title, d.lang, d.source) for d in fake_app.store.documents()}
    assert infos["treffen-im-rathaus"] == (
        "Treffen im Rathaus",
        "de",
        "discord:Treffen im Rathaus.md",
    )
    assert fake_app.searcher.document("treffen-im-rathaus").text == data.decode()
    again = fake_app.ingest_bytes(data, "Treffen im Rathaus.md")
    assert (again.added, again.unchanged) == ([], ["treffen-im-rathaus"])
    assert sorted(d.doc_id for d in fake_app.store.documents()) == [
        ARTICLE_ID,
        "treffen-im-rathaus",
    ]


def test_html_is_reduced_to_its_article_text(fake_app):
    html = ("<html><head><title>Library reopens</title></head><body><nav>Menu</nav><article>"
            "<h1>Library reopens</h1><p>The old ferry terminal reopened as a public library on "
            "Monday after three years of building work.</p><p>It holds about 38,000 books, twice "
            "as many as the old branch.</p></article></body></html>")  # fmt: skip
    fake_app.ingest_bytes(html.encode(), "library.html")
    document = fake_app.searcher.document("library")
    assert document.title == "Library reopens"
    assert "Menu" not in document.text and "38,000 books" in document.text


@pytest.mark.parametrize(
    ("data", "name", "key", "message"),
    [
        (b"%PDF-1.7", "report.pdf", "unsupported_file",
         "report.pdf: unsupported file type .pdf; use .txt, .md or .html"),
        (b"\xff\xfe\x00", "broken.txt", None,
         "broken.txt is not UTF-8 text (invalid start byte); convert it to UTF-8"),
        (b"   \n", "empty.md", None, "empty.md holds no text to ingest"),
    ],
)  # fmt: skip
def test_unusable_uploads_are_refused_and_the_index_is_untouched(
    fake_app, data, name, key, message
):
    with pytest.raises(DocumentError) as caught:
        fake_app.ingest_bytes(data, name)
    assert (caught.value.key, str(caught.value)) == (key, message)
    assert [d.doc_id for d in fake_app.store.documents()] == [ARTICLE_ID]


def test_from_config_reads_the_file_then_the_environment(monkeypatch, tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text("top_k = 3\nmax_tokens = 99\n", encoding="utf-8")
    monkeypatch.setenv("ARTICLEBOT_CONFIG", str(config))
    monkeypatch.setenv("ARTICLEBOT_MAX_TOKENS", "120")
    app = App.from_config()
    assert (type(app), app.settings.top_k, app.settings.max_tokens) == (App, 3, 120)


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        (None, {}, "config file {config} does not exist; check ARTICLEBOT_CONFIG"),
        ("top_k = [\n", {}, "invalid settings: Invalid value (at end of document); fix "
                            "articlebot.toml or the ARTICLEBOT_* variables"),
        ("", {"ARTICLEBOT_TOP_K": "0"},
         "invalid settings: 1 validation error for Settings top_k   Input should be greater than "
         "or equal to 1 [type=greater_than_equal, input_value='0', input_type=str]; fix "
         "articlebot.toml or the ARTICLEBOT_* variables"),
    ],
)  # fmt: skip
def test_from_config_names_the_fix_for_a_bad_configuration(
    monkeypatch, tmp_path, toml, env, message
):
    config = tmp_path / "bot.toml"
    if toml is not None:
        config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("ARTICLEBOT_CONFIG", str(config))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ArticlebotError) as caught:
        App.from_config()
    assert (str(caught.value), caught.value.exit_code) == (message.format(config=config), 1)


# -- ensure_ingested: an empty index, a current one, one of an older chunker ---------------


def test_ensure_ingested_fills_an_empty_index_then_does_nothing(settings, chroma_client):
    app = make_app(settings, chroma_client, ToyEmbedder())
    report = app.ensure_ingested()
    assert (report.added, report.chunks) == ([ARTICLE_ID], 18)
    generation = app.store.generation()
    assert app.ensure_ingested() is None
    assert app.store.generation() == generation
    later = App(settings, client=chroma_client)  # the next start
    assert later.ensure_ingested() is None
    assert "embedder" not in vars(later)  # a current index needs no embedder


def test_ensure_ingested_chunks_an_old_index_again(settings, chroma_client, monkeypatch):
    """`make run` on an index the old chunker wrote upgrades it: the default article and an
    upload, from the texts the index keeps, re-embedded once."""
    app = make_app(settings, chroma_client, ToyEmbedder())
    upload = b"Ein hochgeladener Text.\nEr hat zwei Zeilen.\n"
    with old_chunker(monkeypatch):
        app.ingest()
        app.ingest_bytes(upload, "upload.txt")
    assert [(d.doc_id, d.chunker) for d in app.store.documents()] == [
        (ARTICLE_ID, 1), ("upload", 1)]  # fmt: skip
    app.embedder.document_calls = 0
    report = app.ensure_ingested()
    assert (report.added, report.updated, report.unchanged, report.chunks) == (
        [], [ARTICLE_ID, "upload"], [], 18 + 2)  # fmt: skip
    assert app.embedder.document_calls == 2
    assert [(d.doc_id, d.chunker, d.chunks) for d in app.store.documents()] == [
        (ARTICLE_ID, CHUNKER_VERSION, 18), ("upload", CHUNKER_VERSION, 2)]  # fmt: skip
    text = ARTICLE.read_text(encoding="utf-8")
    article = [s.chunk for s in app.store.chunks() if s.chunk.doc_id == ARTICLE_ID]
    assert article == chunk_document(ARTICLE_ID, text, lang="de")
    passages = app.searcher.all_passages()
    assert None not in {p.paragraph for p in passages}
    assert app.searcher.following(passages[4]) == passages[5]  # line 5 holds two sentences
    assert app.ensure_ingested() is None
