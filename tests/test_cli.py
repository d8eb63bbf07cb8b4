"""The command line: outputs, exit codes, and one-line errors that name the fix."""

import json

import pytest
from typer.testing import CliRunner

import bot.cli as cli
from bot.app import App
from bot.settings import Settings
from tests.conftest import ARTICLE, ARTICLE_ID, run_python
from tests.fakes import ScriptedLLM, ToyEmbedder

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(cli.app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def with_fake_app(monkeypatch, fake_app):
    monkeypatch.setattr(App, "from_config", lambda: fake_app)
    return fake_app


def test_ask_json(with_fake_app):
    with_fake_app.llm.replies = ["SOURCES: 1\nANSWER: Es gab 600 Tote [1]."]
    result = invoke("ask", "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["question", "answer", "answered", "language", "citations", "spans", "rules", "timings_ms"]
    assert (data["answer"], data["answered"], data["language"]) == ("Es gab 600 Tote [1].", True, "de")
    assert [(c["n"], c["doc_id"], c["start"], c["end"]) for c in data["citations"]] == [(1, ARTICLE_ID, 448, 747)]
    assert set(data["timings_ms"]) == {"retrieve", "generate", "total"}


def test_ask_text_shows_numbered_quotes(with_fake_app):
    with_fake_app.llm.replies = ["SOURCES: 1\nANSWER: Es gab 600 Tote [1]."]
    result = invoke("ask", "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?")
    lines = result.stdout.splitlines()
    assert lines[0] == "Es gab 600 Tote [1]."
    assert lines[2].startswith("[1] “Nach Angaben von Lee Seong Kweun")
    assert lines[2].endswith(f"({ARTICLE_ID}, chars 448–747)")


def test_quote_json(with_fake_app):
    result = invoke("quote", "die toten Soldaten in Russland eingeäschert", "-k", "1", "--json")
    data = json.loads(result.stdout)
    assert data["query"] == "die toten Soldaten in Russland eingeäschert"
    [hit] = data["results"]
    assert (hit["doc_id"], hit["start"], hit["end"]) == (ARTICLE_ID, 887, 1065)
    assert hit["quote"].startswith("Lee zitierte den NIS") and 0 < hit["score"] <= 1
    assert with_fake_app.llm.requests == []


def test_quote_on_an_empty_index_or_for_an_unknown_document_says_so(monkeypatch, settings,
                                                                 chroma_client, toy_embedder):  # fmt: skip
    empty = App(settings, llm=ScriptedLLM(), embedder=toy_embedder, client=chroma_client)
    monkeypatch.setattr(App, "from_config", lambda: empty)
    result = invoke("quote", "cremation")
    assert (result.exit_code, result.stdout) == (0, "no documents; run `articlebot ingest`\n")
    empty.ingest([ARTICLE])
    result = invoke("quote", "cremation", "--doc", "elsewhere")
    assert (result.exit_code, result.output) == \
        (2, "articlebot: error: unknown document elsewhere; `articlebot sources` lists them\n")  # fmt: skip


def test_sources(with_fake_app):
    result = invoke("sources")
    assert result.stdout.startswith(f"{ARTICLE_ID}\tde\t18 passages\tDer südkoreanische")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "articlebot: error: the question is empty; type a question about the article"),
        (["ask", "x" * 2001], 2, "articlebot: error: the question is 2,001 characters long; the limit is 2,000, so shorten it"),
        (["ingest", "missing.txt"], 2, "articlebot: error: document missing.txt does not exist; check the path"),
        (["summarize", "--lang", "xx"], 2, "articlebot: error: unsupported language 'xx'; use one of de, en, fr, es, it"),
        (["remove", "nope"], 2, "articlebot: error: no document 'nope'; `articlebot sources` lists them"),
        (["ask", "Wie viele?", "--doc", "nope"], 2, "articlebot: error: unknown document nope; `articlebot sources` lists them"),
    ],
)
def test_bad_input_is_one_line(with_fake_app, args, code, message):
    result = invoke(*args)
    assert (result.exit_code, result.stderr.strip()) == (code, message)


def test_errors_in_json_mode(with_fake_app):
    result = invoke("ask", "", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": "the question is empty; type a question about the article"}


def test_missing_llm_file_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("ARTICLEBOT_LLM_MODEL", str(tmp_path / "gone.gguf"))
    result = invoke("ask", "Wie viele?")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"articlebot: error: LLM model file {tmp_path / 'gone.gguf'} does not exist; set "
        "ARTICLEBOT_LLM_MODEL to a GGUF file or run `articlebot models fetch`"
    )


def test_truncated_manifest_model_names_the_fix(monkeypatch, tmp_path):
    import shutil

    from models.install import ModelInstaller

    models = tmp_path / "models"
    models.mkdir()
    real = ModelInstaller(Settings().models_dir)
    spec = real.spec("smollm2-135m-instruct-q4_1")
    if real.status(spec) != "ok":
        pytest.skip("models are not installed")
    shutil.copy(real.stamp(spec), models / real.stamp(spec).name)
    (models / spec.file).write_bytes(b"GGUF" + b"\0" * 1000)
    monkeypatch.setenv("ARTICLEBOT_MODELS_DIR", str(models))
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("ARTICLEBOT_LLM_MODEL", "smollm2-135m-instruct-q4_1")
    result = invoke("models", "path")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"articlebot: error: model file {models / spec.file} is truncated or damaged (1004 of "
        "98362432 bytes); run `articlebot models fetch` (or `make setup`)"
    )


def test_corrupt_index_points_to_rebuild_and_rebuild_recovers(monkeypatch, tmp_path):
    settings = Settings(data_dir=tmp_path / "d")
    settings.chroma_path.mkdir(parents=True)
    (settings.chroma_path / "chroma.sqlite3").write_bytes(b"garbage" * 500)
    monkeypatch.setattr(App, "from_config", lambda: App(settings, llm=ScriptedLLM(), embedder=ToyEmbedder()))
    result = invoke("sources")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"articlebot: error: the index at {settings.chroma_path} cannot be read")
    assert result.stderr.strip().endswith("run `articlebot ingest --rebuild` to rebuild the index from your documents")
    result = invoke("ingest", "--rebuild")
    assert (result.exit_code, result.stdout) == (0, f"added {ARTICLE_ID}\n18 passages indexed\n")
    assert invoke("sources").stdout.startswith(ARTICLE_ID)


def test_missing_config_file(monkeypatch, tmp_path):
    result = invoke("--config", str(tmp_path / "nope.toml"), "sources")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"articlebot: error: config file {tmp_path / 'nope.toml'} does not exist; check ARTICLEBOT_CONFIG")


def test_invalid_setting(monkeypatch):
    monkeypatch.setenv("ARTICLEBOT_TOP_K", "0")
    result = invoke("sources")
    assert result.exit_code == 1
    assert result.stderr.startswith("articlebot: error: invalid settings: ")
    assert "top_k" in result.stderr and "ARTICLEBOT_* variables" in result.stderr


def test_chat_conversation(monkeypatch, with_fake_app):
    with_fake_app.llm.replies = ["SOURCES: 1\nANSWER: Es gab 600 Tote [1]."]
    result = runner.invoke(cli.app, ["chat"], input="Wie viele Verluste, darunter Tote, erlitt Nordkorea?\n/quit\n")
    assert result.exit_code == 0
    assert "Es gab 600 Tote [1].\n  [1] “Nach Angaben von Lee Seong Kweun" in result.stdout


def test_chat_marks_an_answer_that_replaced_the_streamed_one(monkeypatch, with_fake_app):
    with_fake_app.llm.replies = ["ANSWER: Im Januar waren 300 Soldaten verwundet [1]."]
    question = "Wie viele nordkoreanische Soldaten waren im Januar schätzungsweise verwundet?"
    result = runner.invoke(cli.app, ["chat"], input=f"{question}\n/quit\n")
    assert result.exit_code == 0
    assert ("> Im Januar waren 300 Soldaten verwundet [1].\n"
            "↳ Im Januar waren 2.700 Soldaten verwundet [1].\n  [1] “Die jüngsten Zahlen") in result.stdout  # fmt: skip


def test_bench_without_models_says_how_to_fetch_them(monkeypatch, tmp_path):
    # The cold-start probe runs in a fresh process; its setup error comes back as is.
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARTICLEBOT_MODELS_DIR", str(tmp_path / "models"))
    result = invoke("bench", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": (
        f"model embeddinggemma-300m is not installed at {tmp_path / 'models' / 'embeddinggemma-300m'}; "
        "run `articlebot models fetch` (or `make setup`)")}  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["quote", "Einäscherung"], "quote"),
        (["--config", "quote.toml", "-v", "ask", "wer?"], "ask"),
        (["-v", "summarize", "--lang", "de"], "summarize"),
        (["models", "fetch"], "models"),
        (["--help"], None),
        ([], None),
    ],
)
def test_the_command_is_read_past_the_global_options(argv, command):
    assert cli.command_of(argv) == command


def test_a_quick_exit_flushes_the_output_and_logs_and_runs_nothing_else():
    done = run_python(
        "import atexit, logging, sys\n"
        "import bot.cli as cli\n"
        "logging.basicConfig(stream=sys.stderr, format='%(message)s')\n"
        "atexit.register(lambda: print('torn down'))\n"
        "print('[1] the passage', end='')\n"
        "logging.getLogger('t').warning('logged')\n"
        "cli.quick_exit(3)\n"
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, "[1] the passage", "logged\n")


def test_read_only_commands_exit_quickly_with_their_code_and_the_others_normally(monkeypatch):
    ended = []

    def fake_quick_exit(code):
        ended.append(code)
        raise SystemExit(code)

    def finished(code):
        def run():
            raise SystemExit(code)
        return run

    monkeypatch.setattr(cli, "quick_exit", fake_quick_exit)
    for argv, code in ((["quote", "x"], 0), (["ask", ""], 2), (["ingest"], 0), (["remove", "a"], 1)):
        monkeypatch.setattr(cli, "app", finished(code))
        monkeypatch.setattr("sys.argv", ["articlebot", *argv])
        with pytest.raises(SystemExit) as raised:
            cli.entry()
        assert raised.value.code == code
    assert ended == [0, 2]  # quote and ask; ingest and remove write the index, so they tear down
