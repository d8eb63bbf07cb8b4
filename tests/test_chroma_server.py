"""The index on a real Chroma server (`chroma run` on loopback), chosen by configuration alone.

One server for the module, started by the fixture and stopped however the tests
end; each test works under its own collection prefix. The toy embedder and the
scripted LLM stand in for the models, so no weights load, and a guard fails any
test in which Chroma would try to download its default embedding model.
"""

import json
import uuid

import pytest
from typer.testing import CliRunner

import bot.cli as cli
from bot.app import App
from retrieval.errors import StoreError
from bot.settings import Settings
from retrieval.chroma_client import make_client
from tests.conftest import ARTICLE, ARTICLE_ID, ROOT
from tests.fakes import ScriptedLLM, ToyEmbedder
from tests.servers import chroma_server

LIBRARY = ROOT / "data" / "kellmouth-library.en.txt"
LIBRARY_ID = "kellmouth-library.en"
TEXT = ARTICLE.read_text(encoding="utf-8")
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    base = tmp_path_factory.mktemp("chroma-server")
    server = chroma_server(base / "db", base / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_embedding_model_downloads(monkeypatch):
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    def refuse(*args, **kwargs):
        raise AssertionError("Chroma tried to use its default embedding model")

    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse)


@pytest.fixture
def env(monkeypatch, tmp_path, chroma):
    """What an operator sets: the server's URL (and a prefix of its own, for isolation)."""
    monkeypatch.setenv("ARTICLEBOT_CHROMA_URL", chroma.url)
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARTICLEBOT_COLLECTION_PREFIX", f"s{uuid.uuid4().hex[:10]}")


def server_app(*replies: str) -> App:
    return App(Settings(), llm=ScriptedLLM(*replies), embedder=ToyEmbedder())


def collections(app: App) -> list[str]:
    prefix = app.settings.collection_prefix
    return sorted(c.name for c in app.client.list_collections() if c.name.startswith(prefix))


def test_the_url_alone_moves_the_index_to_the_server(env, chroma):
    app = server_app()
    assert app.settings.chroma_url == chroma.url
    assert type(app.client).__name__ == "Client" and app.client.heartbeat() > 0
    assert app.client.get_settings().anonymized_telemetry is False
    assert app.store.where == chroma.url
    app.ingest([ARTICLE])
    assert not app.settings.chroma_path.exists()  # nothing embedded on local disk
    prefix = app.settings.collection_prefix
    active = app.store.generation()
    assert collections(app) == sorted(
        [f"{prefix}_meta", f"{prefix}_{active}_chunks", f"{prefix}_{active}_docs"]
    )


def test_ingest_list_reingest_remove(env):
    app = server_app()
    report = app.ingest([ARTICLE, LIBRARY])
    assert (report.added, report.updated, report.chunks) == ([ARTICLE_ID, LIBRARY_ID], [], 28)
    assert [(d.doc_id, d.lang, d.chunks, d.chars) for d in app.store.documents()] == [
        (LIBRARY_ID, "en", 10, len(LIBRARY.read_text(encoding="utf-8"))),
        (ARTICLE_ID, "de", 18, 2959),
    ]
    generation, embedded = app.store.generation(), app.embedder.document_calls
    again = app.ingest([ARTICLE, LIBRARY])
    assert (again.added, again.updated, again.unchanged) == ([], [], [ARTICLE_ID, LIBRARY_ID])
    assert (app.store.generation(), app.embedder.document_calls) == (generation, embedded)
    assert app.remove(LIBRARY_ID) is True
    assert app.remove(LIBRARY_ID) is False
    assert [d.doc_id for d in app.store.documents()] == [ARTICLE_ID]
    assert len(app.store.chunks()) == 18
    assert app.ingest([LIBRARY]).added == [LIBRARY_ID]
    assert app.embedder.document_calls == embedded + 1  # only the returning document
    assert [d.doc_id for d in app.store.documents()] == [LIBRARY_ID, ARTICLE_ID]


def test_answers_and_quotes_are_read_from_the_server(env):
    app = server_app("SOURCES: 1\nANSWER: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1].")
    app.ingest([ARTICLE, LIBRARY])
    answer = app.answerer.ask(LOSSES)
    assert answer.to_dict()["citations"] == [
        {"n": 1, "doc_id": ARTICLE_ID, "quote": TEXT[448:747], "start": 448, "end": 747}
    ]
    [hit] = app.answerer.quote("die toten Soldaten in Russland eingeäschert", k=1)
    assert (hit.doc_id, hit.start, hit.end, hit.quote) == (ARTICLE_ID, 887, 1065, TEXT[887:1065])
    [only] = app.answerer.quote("die toten Soldaten", k=1, doc_ids=[LIBRARY_ID])
    assert only.doc_id == LIBRARY_ID


def test_another_process_sees_an_ingest_only_at_its_switch(env):
    """Two bot processes share the server: the reader sees the old index until the
    writer flips the pointer, then the new one, with no restart."""
    writer, reader = server_app(), server_app()
    writer.ingest([ARTICLE])
    assert [h.doc_id for h in reader.answerer.quote("library books", k=1)] == [ARTICLE_ID]
    seen_meanwhile = []
    real_write = writer.store._write_document

    def write_and_look(*args, **kwargs):
        real_write(*args, **kwargs)
        seen_meanwhile.append([d.doc_id for d in reader.store.documents()])

    writer.store._write_document = write_and_look
    writer.ingest([LIBRARY])
    assert seen_meanwhile == [[ARTICLE_ID]]
    assert [d.doc_id for d in reader.store.documents()] == [LIBRARY_ID, ARTICLE_ID]
    assert [h.doc_id for h in reader.answerer.quote("library books", k=1)] == [LIBRARY_ID]


def test_a_killed_ingest_leaves_the_previous_index_served(env):
    app = server_app()
    app.ingest([ARTICLE])
    before, names = app.store.generation(), collections(app)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died half-way through writing

    app.store._write_document = killed
    with pytest.raises(KeyboardInterrupt):
        app.ingest([LIBRARY])
    assert (app.store.generation(), collections(app)) == (before, names)
    assert [d.doc_id for d in app.store.documents()] == [ARTICLE_ID]


def test_concurrent_ingests_are_detected(env, tmp_path):
    first, second = server_app(), server_app()
    first.ingest([ARTICLE])
    real_write = first.store._write_document

    def meanwhile(*args, **kwargs):
        real_write(*args, **kwargs)
        second.ingest([LIBRARY])  # another process switches the index under our feet

    first.store._write_document = meanwhile
    note = tmp_path / "note.txt"
    note.write_text("Ein kurzer Text.", encoding="utf-8")
    with pytest.raises(StoreError, match="another ingest changed the index while this one ran"):
        first.ingest([note])
    assert [d.doc_id for d in first.store.documents()] == [LIBRARY_ID, ARTICLE_ID]


def test_rebuild_empties_the_server_collections_first(env):
    app = server_app()
    app.ingest([ARTICLE, LIBRARY])
    report = app.ingest([ARTICLE], rebuild=True)
    prefix = app.settings.collection_prefix
    assert (report.added, [d.doc_id for d in app.store.documents()]) == ([ARTICLE_ID], [ARTICLE_ID])
    assert collections(app) == sorted(
        [f"{prefix}_meta", f"{prefix}_{report.generation}_chunks", f"{prefix}_{report.generation}_docs"]
    )


def test_cli_lists_and_removes_documents_on_the_server(env):
    server_app().ingest([ARTICLE, LIBRARY])  # the CLI itself would load EmbeddingGemma to ingest
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli.app, ["sources", "--json"]).stdout)
    assert [(d["doc_id"], d["chunks"]) for d in listed["documents"]] == [(LIBRARY_ID, 10), (ARTICLE_ID, 18)]
    result = runner.invoke(cli.app, ["remove", LIBRARY_ID])
    assert (result.exit_code, result.stdout) == (0, f"removed {LIBRARY_ID}\n")
    result = runner.invoke(cli.app, ["sources"])
    assert result.stdout.startswith(f"{ARTICLE_ID}\tde\t18 passages\t")
    assert len(result.stdout.splitlines()) == 1


def test_a_stopped_server_is_named_and_a_restarted_one_kept_everything(env, chroma):
    app = server_app()
    app.ingest([ARTICLE])
    chroma.stop()
    try:
        with pytest.raises(StoreError) as stopped:
            app.store.documents()
        with pytest.raises(StoreError) as unreachable:
            make_client(chroma_url=chroma.url, path=app.settings.chroma_path)
    finally:
        chroma.start()
    hint = "start it with `chroma run --path DIR --host HOST --port PORT` or unset ARTICLEBOT_CHROMA_URL"
    assert str(stopped.value).startswith(f"cannot reach the Chroma server at {chroma.url} (")
    assert str(stopped.value).endswith(hint) and "\n" not in str(stopped.value)
    assert str(unreachable.value) == (
        f"cannot reach the Chroma server at {chroma.url} (Could not connect to a Chroma server. "
        f"Are you sure it is running?); {hint}"
    )
    assert [d.doc_id for d in server_app().store.documents()] == [ARTICLE_ID]
