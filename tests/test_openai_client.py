"""`OpenAICompatibleLLM` against a fake llama.cpp `llama-server` speaking HTTP through
httpx's MockTransport: slots from `/props`, usage from the stream, the concurrency
limit, the time budget and the error messages. The real llama-cpp-python server is
in `test_llm_server.py`."""

import json
import socket
import threading
import time

import httpx
import pytest
from typer.testing import CliRunner

import bot.cli as cli
from bot.app import App
from models.errors import ModelError
from bot.llm import Message
from bot.openai_llm import OpenAICompatibleLLM, ServerInfo
from bot.settings import Settings
from tests.conftest import ARTICLE
from tests.fakes import ToyEmbedder
from tests.servers import free_port

URL = "http://llm.test:8080/v1"
ASK = [Message("user", "Say something.")]


class _Stream(httpx.SyncByteStream):
    def __init__(self, server: "FakeLlamaServer", events: list[bytes]) -> None:
        self.server = server
        self.events = events

    def __iter__(self):
        for event in self.events:
            if self.server.delay_s:
                time.sleep(self.server.delay_s)
            yield event

    def close(self) -> None:  # the client finished or hung up: the slot is free again
        with self.server.lock:
            self.server.busy -= 1


class FakeLlamaServer:
    """Answers like llama-server: `/props` with `total_slots`, chat completions streamed as
    SSE, one piece per token, the finish reason, then a usage chunk. Records requests and
    the most generations it ever ran at once."""

    def __init__(self, *, slots: int | None = 2, reply: str = "One two three", delay_s: float = 0.0,
                 status: int = 200, props: bool = True) -> None:  # fmt: skip
        self.slots = slots
        self.reply = reply
        self.delay_s = delay_s
        self.status = status
        self.props = props
        self.requests: list[dict] = []
        self.busy = 0
        self.most_busy = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/props":
            if not self.props:
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(200, json={"total_slots": self.slots,
                                             "default_generation_settings": {"n_ctx": 2048}})  # fmt: skip
        if request.url.path != "/v1/chat/completions":
            return httpx.Response(404, json={"error": "not found"})
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"message": "Invalid API Key"}})
        body = json.loads(request.content)
        pieces = self.reply.split(" ")
        pieces = [p if i == 0 else " " + p for i, p in enumerate(pieces)][: body["max_tokens"]]
        finish = "length" if len(pieces) == body["max_tokens"] else "stop"
        chunks = [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
                  for p in pieces]  # fmt: skip
        chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        chunks.append({"choices": [], "usage": {"prompt_tokens": 17, "completion_tokens": len(pieces)}})
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
        with self.lock:
            self.requests.append(body)
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
        return httpx.Response(200, headers={"content-type": "text/event-stream"},
                              stream=_Stream(self, events))  # fmt: skip


def client(server: FakeLlamaServer, **options) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(URL, transport=httpx.MockTransport(server), **options)


def test_streams_pieces_and_reports_the_servers_usage():
    server = FakeLlamaServer(reply="Es gab 600 Tote")
    pieces = []
    generation = client(server).generate(ASK, max_tokens=10, stop=["\n"], on_text=pieces.append)
    assert pieces == ["Es", " gab", " 600", " Tote"]
    assert (generation.text, generation.finish_reason) == ("Es gab 600 Tote", "stop")
    assert (generation.prompt_tokens, generation.completion_tokens) == (17, 4)
    assert server.requests == [{
        "model": "articlebot", "messages": [{"role": "user", "content": "Say something."}],
        "max_tokens": 10, "temperature": 0.0, "seed": 7, "stream": True,
        "stream_options": {"include_usage": True}, "cache_prompt": True, "stop": ["\n"],
    }]  # fmt: skip


def test_max_tokens_gives_finish_reason_length():
    generation = client(FakeLlamaServer(reply="a b c d e f")).generate(ASK, max_tokens=3)
    assert (generation.text, generation.finish_reason, generation.truncated) == ("a b c", "length", True)


@pytest.mark.parametrize(("requested", "slots", "expected"), [(4, 2, 2), (1, 2, 1), (2, 2, 2)])
def test_the_limit_is_the_setting_capped_by_the_slots(requested, slots, expected):
    llm = client(FakeLlamaServer(slots=slots), max_concurrency=requested)
    assert llm.server_info() == ServerInfo("llama-server", slots)
    assert llm.max_concurrency == expected


def test_too_many_parallel_generations_for_the_slots_are_logged(caplog):
    llm = client(FakeLlamaServer(slots=2), max_concurrency=4)
    assert llm.max_concurrency == 2
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"ARTICLEBOT_LLM_PARALLEL=4, but the llama-server at {URL} runs 2 generation(s) at "
        "once; using 2"
    ]


def test_an_unknown_server_gets_the_setting():
    llm = client(FakeLlamaServer(props=False), max_concurrency=3)
    assert (llm.server_info(), llm.max_concurrency) == (ServerInfo("unknown"), 3)


def test_never_more_generations_at_once_than_the_limit():
    server = FakeLlamaServer(slots=2, reply="a b c d", delay_s=0.05)
    llm = client(server, max_concurrency=8)
    results = []
    threads = [threading.Thread(target=lambda: results.append(llm.generate(ASK, max_tokens=8)))
               for _ in range(5)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.text for r in results] == ["a b c d"] * 5
    assert (server.most_busy, len(server.requests), server.busy) == (2, 5, 0)


def test_waiting_for_a_free_slot_counts_against_the_budget():
    server = FakeLlamaServer(slots=1, reply="a b c d e f g h", delay_s=0.1)
    llm = client(server, max_concurrency=1)
    first = threading.Thread(target=llm.generate, args=(ASK,), kwargs={"max_tokens": 8})
    first.start()
    while not server.requests:
        time.sleep(0.01)
    second = llm.generate(ASK, max_tokens=8, timeout_s=0.2)
    first.join()
    assert (second.text, second.finish_reason) == ("", "timeout")
    assert len(server.requests) == 1  # the second never reached the server


def test_a_slow_stream_is_cut_at_the_budget_and_the_connection_closed():
    server = FakeLlamaServer(reply="a b c d e f g h", delay_s=0.1)
    generation = client(server).generate(ASK, max_tokens=8, timeout_s=0.25)
    assert generation.finish_reason == "timeout"
    assert generation.text and "a b c d e f g h".startswith(generation.text)
    assert generation.text.count(" ") < 7
    assert server.busy == 0  # hung up


def test_a_server_that_never_answers_is_cut_at_the_budget():
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        llm = OpenAICompatibleLLM(f"http://127.0.0.1:{silent.getsockname()[1]}/v1",
                                  connect_timeout_s=0.5)  # fmt: skip
        generation = llm.generate(ASK, max_tokens=8, timeout_s=0.3)
    assert (generation.text, generation.finish_reason) == ("", "timeout")
    assert generation.total_s < 2.0


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "; check ARTICLEBOT_LLM_API_KEY"), (500, "")],
)
def test_a_refusal_is_one_line_with_the_servers_words(status, hint):
    with pytest.raises(ModelError) as error:
        client(FakeLlamaServer(status=status)).generate(ASK, max_tokens=8)
    assert str(error.value) == (
        f"the LLM server at {URL} answered HTTP {status} "
        f'({{"error":{{"message":"Invalid API Key"}}}}){hint}'
    )


def test_a_wrong_path_names_the_v1_suffix():
    llm = OpenAICompatibleLLM("http://llm.test:8080", transport=httpx.MockTransport(FakeLlamaServer()))
    with pytest.raises(ModelError, match=r"answered HTTP 404 .*check ARTICLEBOT_LLM_URL \(it usually ends in /v1\)$"):
        llm.generate(ASK, max_tokens=8)


def test_a_server_that_is_down_is_one_line_from_the_llm_to_the_cli(monkeypatch, tmp_path, chroma_client):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    message = f"cannot reach the LLM server at {url} (ConnectError); start it or unset ARTICLEBOT_LLM_URL"
    llm = OpenAICompatibleLLM(url, max_concurrency=2)
    assert llm.max_concurrency == 2  # unknown until it answers: the setting
    with pytest.raises(ModelError) as error:
        llm.generate(ASK, max_tokens=5)
    assert str(error.value) == message
    monkeypatch.setenv("ARTICLEBOT_LLM_URL", url)
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "data"))
    app = App(Settings(), embedder=ToyEmbedder(), client=chroma_client)
    app.ingest([ARTICLE])
    monkeypatch.setattr(App, "from_config", lambda: app)
    result = CliRunner().invoke(cli.app, ["ask", "Wie viele Verluste erlitt Nordkorea an den Fronten?"])
    assert (result.exit_code, result.stderr) == (1, f"articlebot: error: {message}\n")
