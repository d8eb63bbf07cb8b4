"""Each layer's errors carry what the front ends show, and every front end's edge shows them."""

import json

import pytest
from typer.testing import CliRunner

import bot.cli as cli
from bot.app import App
from bot.errors import INPUT_ERRORS, USER_ERRORS, ArticlebotError, InputError
from models.errors import ModelError
from retrieval.errors import DocumentError, RetrievalError, StoreError
from tests.discord_fakes import build_bot


def test_every_layer_has_its_errors_and_the_edges_catch_them_all():
    assert USER_ERRORS == (ArticlebotError, RetrievalError, ModelError)
    assert INPUT_ERRORS == (InputError, DocumentError)
    assert issubclass(DocumentError, RetrievalError) and issubclass(StoreError, RetrievalError)
    assert not issubclass(DocumentError, ArticlebotError)
    assert not issubclass(ModelError, ArticlebotError)


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [(ModelError("m"), 1), (RetrievalError("r"), 1), (DocumentError("d"), 2), (StoreError("s"), 1),
     (ArticlebotError("a"), 1), (InputError("i"), 2)],
)  # fmt: skip
def test_errors_keep_their_message_exit_code_and_text_key(error, exit_code):
    assert (str(error), error.exit_code, error.key, error.values) == (
        str(error.args[0]), exit_code, None, {})
    keyed = type(error)("x.pdf: unsupported", key="unsupported_file", values={"n": 1})
    assert (keyed.key, keyed.values) == ("unsupported_file", {"n": 1})


@pytest.mark.parametrize(
    ("error", "code"),
    [(StoreError("the index at /x is locked by another process; stop it"), 1),
     (ModelError("model m is not installed at /m; run `articlebot models fetch`"), 1),
     (DocumentError("a.txt holds no text to ingest"), 2)],
)  # fmt: skip
def test_the_cli_shows_each_layers_error_as_one_line(monkeypatch, error, code):
    def fail():
        raise error

    monkeypatch.setattr(App, "from_config", fail)
    result = CliRunner().invoke(cli.app, ["sources", "--json"])
    assert (result.exit_code, json.loads(result.stdout)) == (code, {"error": str(error)})


def test_discord_shows_a_document_error_as_written_and_a_store_error_as_an_apology(
    fake_app, caplog
):
    describe = build_bot(fake_app).gate.errors.describe
    not_utf8 = DocumentError("notes.txt is not UTF-8 text (invalid start byte); convert it")
    assert describe(not_utf8, "en") == str(not_utf8)
    unsupported = DocumentError("report.pdf: unsupported file type .pdf", key="unsupported_file")
    assert describe(unsupported, "de") == (
        "Bitte hänge eine .txt-, .md- oder .html-Datei an.")
    locked = StoreError("the index at /x is locked by another process")
    assert describe(locked, "en") == (
        "Something went wrong while answering. Please try again.")
    assert "request failed: the index at /x is locked by another process" in caplog.text
    assert "Traceback" not in caplog.text
