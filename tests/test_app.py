"""`App`: built from the configuration (`from_config`), and `ingest_bytes`: an uploaded file
(as Discord's /ingest gets it) becomes a document."""

import pytest

from bot.app import App
from bot.errors import ArticlebotError
from retrieval.errors import DocumentError
from tests.conftest import ARTICLE_ID


def test_an_uploaded_markdown_file_is_ingested_under_an_id_from_its_name(fake_app):
    data = b"# Treffen im Rathaus\n\nDas Treffen ist am Montag um 18 Uhr.\n"
    report = fake_app.ingest_bytes(
        data, "Treffen im Rathaus.md", source="discord:Treffen im Rathaus.md"
    )
    assert (report.added, report.updated, report.unchanged, report.chunks) == (
        ["treffen-im-rathaus"],
        [],
        [],
        2,
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
