"""Generation through a real `python -m llama_cpp.server` on loopback, with SmolLM2.

One server for the module (SmolLM2-135M, `--n_ctx 2048`), started by the fixture and
stopped however the tests end. The toy embedder keeps retrieval quick; the answer and
its citations are built by the same code as with the in-process model. Slow: the
answer prompt is ~1,700 SmolLM2 tokens, ~20 s of prompt evaluation on two cores the
first time (the server then reuses it as a cached prefix).

What needs no server (a server that is down, the slot logic of llama-server) is in
`test_openai_client.py`.
"""

import logging
import threading

import httpx
import pytest

from bot.app import App
from models.errors import ModelError
from bot.llm import Message
from bot.openai_llm import OpenAICompatibleLLM, ServerInfo
from bot.service import AnswerService
from bot.settings import Settings
from models.install import ModelInstaller
from tests.conftest import ARTICLE, ARTICLE_ID
from tests.fakes import ToyEmbedder
from tests.servers import llama_cpp_server

pytestmark = pytest.mark.slow

SMOL = "smollm2-135m-instruct-q4_1"
TEXT = ARTICLE.read_text(encoding="utf-8")
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"
STORY = [Message("user", "Write a long story about a cat who sails around the world.")]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    installer = ModelInstaller(Settings().models_dir)
    spec = installer.spec(SMOL)
    if installer.status(spec) != "ok":
        pytest.skip(f"{SMOL} is not installed; run `articlebot models fetch {SMOL}`")
    base = tmp_path_factory.mktemp("llama-server")
    server = llama_cpp_server(installer.check(spec), base / "server.log", n_ctx=2048)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm(llama_server):
    llm = OpenAICompatibleLLM(llama_server.url + "/v1", max_concurrency=2)
    yield llm
    llm.close()


def test_streams_text_with_finish_reason_and_counts(llm):
    pieces = []
    generation = llm.generate(STORY, max_tokens=12, on_text=pieces.append)
    assert (generation.finish_reason, generation.completion_tokens) == ("length", 12)
    assert len(pieces) == 12 and generation.text == "".join(pieces) and generation.text.strip()
    assert generation.prompt_tokens == 0  # llama-cpp-python streams no usage
    assert 0 < generation.first_token_s <= generation.total_s


def test_a_stop_string_ends_the_answer_with_finish_reason_stop(llm):
    generation = llm.generate(
        [Message("user", "List three fruits, one per line.")], max_tokens=60, stop=["\n"]
    )
    assert generation.finish_reason == "stop"
    assert "\n" not in generation.text and 0 < generation.completion_tokens < 60


def test_the_time_budget_cuts_the_stream_and_frees_the_server(llm):
    llm.generate(STORY, max_tokens=1)  # the prompt is cached: the cut stream has tokens
    pieces = []
    cut = llm.generate(STORY, max_tokens=1500, timeout_s=1.5, on_text=pieces.append)
    assert (cut.finish_reason, cut.truncated, cut.text) == ("timeout", True, "".join(pieces))
    assert 0 < cut.completion_tokens == len(pieces) < 1500 and cut.total_s < 2.5
    # Hanging up stopped the generation: the next request does not wait behind the
    # rest of 1,500 tokens (20 s or more here), it only needs its own five.
    after = llm.generate(STORY, max_tokens=5)
    assert (after.finish_reason, after.completion_tokens) == ("length", 5)
    assert after.total_s < 5.0


def test_llama_cpp_python_runs_one_generation_at_a_time(llm, caplog):
    assert llm.server_info() == ServerInfo("llama-cpp-python", 1)
    with caplog.at_level(logging.WARNING, logger="bot.openai_llm"):
        assert llm.max_concurrency == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"ARTICLEBOT_LLM_PARALLEL=2, but the llama-cpp-python at {llm.base_url} runs 1 "
        "generation(s) at once; using 1"
    ]
    # Sent together, the second would cut the first short; held to one, both finish.
    results = []
    threads = [threading.Thread(target=lambda: results.append(llm.generate(STORY, max_tokens=20)))
               for _ in range(2)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [(r.finish_reason, r.completion_tokens) for r in results] == [("length", 20)] * 2


def test_an_interrupted_stream_is_an_error_not_a_short_answer(llm):
    """Another client's request makes llama-cpp-python end ours early (its default
    --interrupt_requests); that must not pass for a complete answer."""
    started = threading.Event()
    other: list[httpx.Response] = []

    def intrude(_piece: str) -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=lambda: other.append(httpx.post(
                llm.base_url + "/chat/completions", timeout=60,
                json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3},
            ))).start()  # fmt: skip

    with pytest.raises(ModelError) as error:
        llm.generate(STORY, max_tokens=1500, on_text=intrude)
    assert str(error.value) == (
        f"the LLM server at {llm.base_url} ended the answer without a finish reason, as "
        "python -m llama_cpp.server does when another client's request interrupts it; give "
        "articlebot its own server, or start that one with --interrupt_requests False"
    )
    while not other:
        threading.Event().wait(0.05)
    assert other[0].status_code == 200


def _server_app(monkeypatch, tmp_path, llama_server, chroma_client) -> App:
    monkeypatch.setenv("ARTICLEBOT_LLM_URL", llama_server.url + "/v1")
    monkeypatch.setenv("ARTICLEBOT_LLM_PARALLEL", "2")
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "data"))
    return App(Settings(), embedder=ToyEmbedder(), client=chroma_client)


def test_app_answers_through_the_server_with_citations_built_in_code(
    monkeypatch, tmp_path, llama_server, chroma_client
):
    app = _server_app(monkeypatch, tmp_path, llama_server, chroma_client)
    assert isinstance(app.llm, OpenAICompatibleLLM)
    assert app.llm.base_url == llama_server.url + "/v1"
    app.ingest([ARTICLE])
    answer = app.answerer.ask(LOSSES)
    assert answer.generation is not None and answer.generation.completion_tokens > 0
    assert [(p.doc_id, p.start, p.end) for p in answer.passages] == [(ARTICLE_ID, 448, 747)]
    assert all(TEXT[c.start : c.end] == c.quote for c in answer.citations)
    if answer.answered:
        assert [(c.doc_id, c.start, c.end) for c in answer.citations] == [(ARTICLE_ID, 448, 747)]
    else:
        assert (answer.answer, answer.citations) == ("Dazu steht nichts im Artikel.", [])


async def test_the_service_runs_as_many_generations_as_the_server_can(
    monkeypatch, tmp_path, llama_server, chroma_client
):
    import asyncio

    app = _server_app(monkeypatch, tmp_path, llama_server, chroma_client)
    app.ingest([ARTICLE])
    service = AnswerService(app.answerer)
    assert service.max_concurrency == 1  # llm_parallel=2, but llama-cpp-python has no slots
    # Both at once would make the server cut the first short (a ModelError here).
    answers = await asyncio.gather(service.ask(LOSSES), service.ask(LOSSES))
    assert [a.generation.finish_reason in ("stop", "length") for a in answers] == [True, True]
    assert all(TEXT[c.start : c.end] == c.quote for a in answers for c in a.citations)
    assert service.served == 2
