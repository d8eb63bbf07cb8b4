"""Language models behind one small interface: chat messages in, streamed text out.

`LLM` is the seam. `LlamaCppLLM` runs a GGUF in-process with llama-cpp-python;
`OpenAICompatibleLLM` talks to an OpenAI-compatible server (llama.cpp's
`llama-server`, or `python -m llama_cpp.server`). The answering core sees no
difference, except `max_concurrency`: one llama.cpp context serves one request
at a time, a server with N slots serves N.

Every generation is bounded twice: `max_tokens`, and a wall-clock budget after
which the stream is cut and the result is marked `finish_reason="timeout"`.
With a server, cutting the stream closes the connection, which the server takes
as "stop generating" (checked with llama-cpp-python's, which notices between two
tokens, so a cut during prompt evaluation frees it only once that is done); a
server that sends nothing for the whole budget (busy, or evaluating a long
prompt) is cut the same way, and so is a wait for a free slot that lasts the
whole budget.

The two servers differ in what `ARTICLEBOT_LLM_PARALLEL` can mean:

- llama.cpp's `llama-server --parallel N` has N slots, decoded together with
  continuous batching (on by default); `-c` is the *total* context, split evenly
  between the slots unless `--kv-unified` is given, so give `-c` N times what
  one request needs. Requests beyond N wait at the server. Its `GET /props`
  reports `total_slots`. Newer builds default to `--parallel -1` (auto, 4 slots
  sharing one unified KV cache).
- llama-cpp-python's `python -m llama_cpp.server` has no slots and no
  `--n_parallel` option: one `Llama` object serves every request under a global
  lock, one at a time. Worse, with its default `--interrupt_requests True` a
  second request cuts the running stream short: it ends with `[DONE]` and no
  finish reason. It also ignores `stream_options`, so a stream carries no usage.

So `OpenAICompatibleLLM` asks the server once (`/props`, else the title in
`/openapi.json`) and runs at most `llm_parallel` generations at once, capped
by the server's slots: N for llama-server, 1 for llama-cpp-python, the setting
for any other server. A stream that ends without a finish reason is an error
(`ModelError`), never a silently shortened answer; with llama-cpp-python's
server, completion tokens are counted from the streamed pieces (one per token)
and prompt tokens stay 0.

Speed: llama.cpp re-uses the longest common token prefix of consecutive
prompts. Prompts are built fixed-part-first (system prompt, examples), and
`LlamaCppLLM.prime()` evaluates such a fixed prefix once and keeps its KV
state in memory and on disk, so even the first question after a restart only
pays for its own tokens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass
class Generation:
    text: str
    finish_reason: str  # "stop", "length" or "timeout"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return self.finish_reason in ("length", "timeout")


class LLM(Protocol):
    name: str
    max_concurrency: int

    def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        timeout_s: float = 60.0,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        """Runs one completion. `on_text` receives each new piece of text as it streams."""
        ...


class StreamingLLM:
    """Shared `generate` for back ends that can stream pieces of text."""

    name = "llm"
    max_concurrency = 1

    def _stream(
        self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str], usage: dict
    ) -> Iterator[str]:
        raise NotImplementedError

    def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        timeout_s: float = 60.0,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        started = time.perf_counter()
        deadline = started + timeout_s
        usage: dict = {"deadline": deadline}  # in: the time budget; out: counts and timings
        pieces: list[str] = []
        first = None
        finish = "stop"
        stream = self._stream(messages, max_tokens, stop, usage)
        try:
            for piece in stream:
                if not piece:
                    continue
                if first is None:
                    first = time.perf_counter() - started
                pieces.append(piece)
                if on_text is not None:
                    on_text(piece)
                if time.perf_counter() > deadline:
                    finish = "timeout"
                    break
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if finish != "timeout":
            finish = usage.get("finish_reason") or "stop"
        return Generation(
            text="".join(pieces),
            finish_reason=finish,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", len(pieces))),
            first_token_s=first,
            total_s=time.perf_counter() - started,
            timings={k: v for k, v in usage.items() if k.endswith("_s")},
        )


class LlamaCppLLM(StreamingLLM):
    """A GGUF model in this process. Thread-safe: one generation at a time."""

    max_concurrency = 1

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_batch: int = 512,
        seed: int = 7,
        temperature: float = 0.0,
        state_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.name = self.model_path.name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        self.n_batch = n_batch
        self.seed = seed
        self.temperature = temperature
        self.state_dir = state_dir
        self._llama = None
        self._formatter = None
        self._prefix_formatter = None
        self._lock = threading.RLock()
        self._states: dict[tuple[int, ...], object] = {}
        self.in_use = 0  # for tests: never above 1

    # -- loading ------------------------------------------------------------------------

    def load(self):
        with self._lock:
            if self._llama is None:
                self._llama = self._load()
            return self._llama

    def _load(self):
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        from models.install import check_gguf

        check_gguf(self.model_path)
        try:
            llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                n_batch=self.n_batch,
                seed=self.seed,
                verbose=False,
            )
        except Exception as exc:
            raise ModelError(
                f"cannot load the LLM from {self.model_path} ({type(exc).__name__}: "
                f"{str(exc)[:160]}); the file may be truncated: run "
                f"`articlebot models fetch --force` or set ARTICLEBOT_LLM_MODEL"
            ) from exc
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{self.model_path} has no chat template; use an instruct GGUF")
        eos = llama._model.token_get_text(llama.token_eos())
        bos_id = llama.token_bos()
        bos = llama._model.token_get_text(bos_id) if bos_id >= 0 else ""
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._prefix_formatter = Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos, add_generation_prompt=False
        )
        log.info("loaded LLM %s (n_ctx=%d, threads=%d)", self.model_path, self.n_ctx, self.n_threads)
        return llama

    # -- prompts ------------------------------------------------------------------------

    def render(self, messages: Sequence[Message]) -> tuple[str, list[str]]:
        """The prompt text the model sees, and the template's stop strings."""
        self.load()
        result = self._formatter(messages=[m.__dict__ for m in messages])
        stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return result.prompt, stops

    def tokenize(self, text: str) -> list[int]:
        llama = self.load()
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    # -- prefix states ------------------------------------------------------------------

    def prime(self, prefix: Sequence[Message]) -> float:
        """Evaluates a fixed prompt prefix once and keeps its KV state (memory and disk).

        Returns the seconds it took (0 when the state was already in memory)."""
        with self._lock:
            llama = self.load()
            text = self._prefix_formatter(messages=[m.__dict__ for m in prefix]).prompt
            tokens = tuple(self.tokenize(text))
            if tokens in self._states:
                return 0.0
            started = time.perf_counter()
            state = self._read_state(tokens)
            if state is None:
                llama.reset()
                llama.eval(list(tokens))
                state = self._capture_state(tokens)
                self._write_state(tokens, state)
            self._states[tokens] = state
            return time.perf_counter() - started

    def _restore_best_prefix(self, tokens: list[int]) -> None:
        """Starts from the primed state that `tokens` begin with, so that an answer never
        depends on what was asked before.

        llama.cpp's numbers for a token differ slightly with the batch it was evaluated
        in, so reusing whatever the live cache shares with the last request made a
        question's answer depend on its predecessor. Only a prompt that continues the
        live cache as a whole (a correction turn) keeps it."""
        llama = self._llama
        live_tokens = llama._input_ids.tolist()
        live = _common_prefix(live_tokens, tokens)
        if live and live == len(live_tokens):
            return  # this prompt continues the last one
        best, best_len = None, 0
        for prefix, state in self._states.items():
            if len(prefix) > best_len and tokens[: len(prefix)] == list(prefix):
                best, best_len = state, len(prefix)
        if best is not None:
            self._apply_state(best)

    def _capture_state(self, tokens: tuple[int, ...]) -> dict:
        import ctypes

        import llama_cpp

        ctx = self._llama._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * int(size))()
        written = llama_cpp.llama_state_get_data(ctx, buffer, size)
        return {"tokens": tokens, "buffer": buffer, "size": int(written)}

    @staticmethod
    def _state_from_bytes(tokens: tuple[int, ...], data: bytes) -> dict:
        import ctypes

        return {"tokens": tokens, "buffer": (ctypes.c_uint8 * len(data)).from_buffer_copy(data),
                "size": len(data)}  # fmt: skip

    def _apply_state(self, state: dict) -> None:
        """Restores a saved state. Its buffer is kept from capture (or from disk), since
        this runs before every answer: no per-request copy of tens of megabytes."""
        import llama_cpp

        llama = self._llama
        size = state["size"]
        if llama_cpp.llama_state_set_data(llama._ctx.ctx, state["buffer"], size) != size:
            raise ModelError("could not restore a cached prompt state; delete the state cache")
        tokens = state["tokens"]
        llama.input_ids[: len(tokens)] = tokens
        llama.n_tokens = len(tokens)
        llama._requires_eval = True

    def _state_path(self, tokens: tuple[int, ...]) -> Path | None:
        if self.state_dir is None:
            return None
        import llama_cpp

        stat = self.model_path.stat()
        key = hashlib.sha256(
            json.dumps([str(self.model_path), stat.st_size, int(stat.st_mtime), self.n_ctx,
                        self.n_batch, llama_cpp.__version__, list(tokens)]).encode()
        ).hexdigest()[:32]  # fmt: skip
        return self.state_dir / f"prefix-{key}.bin"

    def _read_state(self, tokens: tuple[int, ...]) -> dict | None:
        path = self._state_path(tokens)
        if path is None or not path.exists():
            return None
        try:
            state = self._state_from_bytes(tokens, path.read_bytes())
            self._apply_state(state)  # validates it against this context
            return state
        except Exception as exc:
            log.warning("ignoring unusable prompt state %s: %s", path, exc)
            self._llama.reset()
            path.unlink(missing_ok=True)
            return None

    def _write_state(self, tokens: tuple[int, ...], state: dict) -> None:
        path = self._state_path(tokens)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(memoryview(state["buffer"]).cast("B")[: state["size"]])
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not save the prompt state to %s: %s", path, exc)

    # -- generation ---------------------------------------------------------------------

    def _stream(self, messages, max_tokens, stop, usage) -> Iterator[str]:
        with self._lock:
            self.in_use += 1
            try:
                llama = self.load()
                prompt, template_stops = self.render(messages)
                tokens = self.tokenize(prompt)
                if len(tokens) + max_tokens > self.n_ctx:
                    raise ModelError(
                        f"the prompt ({len(tokens)} tokens) does not fit the context of "
                        f"{self.n_ctx}; raise ARTICLEBOT_N_CTX or lower ARTICLEBOT_TOP_K"
                    )
                started = time.perf_counter()
                self._restore_best_prefix(tokens)
                reused = _common_prefix(llama._input_ids.tolist(), tokens)
                usage["prompt_tokens"] = len(tokens)
                usage["cached_tokens"] = reused
                count = 0
                for chunk in llama.create_completion(
                    prompt=tokens,
                    max_tokens=max_tokens,
                    temperature=self.temperature,
                    top_k=1 if self.temperature == 0 else 40,
                    repeat_penalty=1.0,
                    stop=list(stop) + template_stops,
                    stream=True,
                    seed=self.seed,
                ):
                    choice = chunk["choices"][0]
                    if count == 0:
                        usage["prompt_eval_s"] = time.perf_counter() - started
                    count += 1
                    if choice.get("finish_reason"):
                        usage["finish_reason"] = choice["finish_reason"]
                    yield choice.get("text") or ""
                usage["completion_tokens"] = count
            finally:
                self.in_use -= 1


@dataclass(frozen=True)
class ServerInfo:
    """What an OpenAI-compatible server says about itself."""

    kind: str  # "llama-server", "llama-cpp-python" or "unknown"
    slots: int | None = None  # generations it runs at once, when it says


class OpenAICompatibleLLM(StreamingLLM):
    """Chat completions from an OpenAI-compatible server, streamed over SSE.

    `max_concurrency` is the configured limit (`llm_parallel`), capped by what the
    server can run at once; the first read asks the server (see the module
    docstring). A semaphore holds every caller to it, so no request of ours ever
    interrupts or queues behind another of ours at the server.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "sk-local",
        model: str = "articlebot",
        max_concurrency: int = 1,
        temperature: float = 0.0,
        seed: int = 7,
        connect_timeout_s: float = 5.0,
        transport=None,
    ) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.name = f"{model}@{self.base_url}"
        self.model = model
        self.requested_concurrency = max_concurrency
        self.temperature = temperature
        self.seed = seed
        self.connect_timeout_s = connect_timeout_s
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(connect=connect_timeout_s, read=120.0, write=30.0, pool=None),
            transport=transport,
        )
        self._limit: int | None = None
        self._slots: threading.BoundedSemaphore | None = None
        self._resolve_lock = threading.Lock()

    # -- concurrency --------------------------------------------------------------------

    @property
    def max_concurrency(self) -> int:
        """Generations run at once: `llm_parallel`, capped by the server's slots."""
        return self._resolve()[0]

    def _resolve(self) -> tuple[int, threading.BoundedSemaphore | None]:
        """The limit and its semaphore, from the first answer of the server."""
        with self._resolve_lock:
            if self._limit is not None:
                return self._limit, self._slots
            try:
                info = self.server_info()
            except ModelError as exc:  # not up yet: trust the setting, ask again next time
                log.info("%s", exc)  # the generation that follows reports it
                return self.requested_concurrency, None
            limit = self.requested_concurrency
            if info.slots is not None and info.slots < limit:
                log.warning(
                    "ARTICLEBOT_LLM_PARALLEL=%d, but the %s at %s runs %d generation(s) at "
                    "once; using %d", limit, info.kind, self.base_url, info.slots, info.slots,
                )  # fmt: skip
                limit = info.slots
            self._limit = limit
            self._slots = threading.BoundedSemaphore(limit)
            log.info("LLM server %s: %s, %d at once", self.base_url, info.kind, limit)
            return self._limit, self._slots

    def server_info(self) -> ServerInfo:
        """Asks the server what it is: llama-server's `/props` names its slots
        (`--parallel`); llama-cpp-python's server names itself in `/openapi.json`."""
        import httpx

        root = self.base_url.removesuffix("/v1")
        timeout = httpx.Timeout(min(self.connect_timeout_s, 3.0))
        try:
            props = self._client.get(f"{root}/props", timeout=timeout)
            if props.status_code == 200 and "total_slots" in _json_or_empty(props):
                return ServerInfo("llama-server", max(1, int(props.json()["total_slots"])))
            spec = self._client.get(f"{root}/openapi.json", timeout=timeout)
            title = str(_json_or_empty(spec).get("info", {}).get("title", ""))
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if "llama.cpp python" in title.lower():
            return ServerInfo("llama-cpp-python", 1)  # one global lock, no slots
        return ServerInfo("unknown")

    def _unreachable(self, exc: Exception) -> ModelError:
        return ModelError(
            f"cannot reach the LLM server at {self.base_url} ({type(exc).__name__}); "
            f"start it or unset ARTICLEBOT_LLM_URL"
        )

    # -- generation ---------------------------------------------------------------------

    def _stream(self, messages, max_tokens, stop, usage) -> Iterator[str]:
        deadline = usage.get("deadline", time.perf_counter() + 120.0)
        _, slots = self._resolve()
        wait_s = max(0.0, deadline - time.perf_counter())
        if slots is not None and not slots.acquire(timeout=wait_s):
            usage["finish_reason"] = "timeout"  # every slot stayed busy for the whole budget
            return
        try:
            yield from self._request(messages, max_tokens, stop, usage, deadline)
        finally:
            if slots is not None:
                slots.release()

    def _request(self, messages, max_tokens, stop, usage, deadline) -> Iterator[str]:
        import httpx

        body = {
            "model": self.model,
            "messages": [m.__dict__ for m in messages],
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "stream": True,
            "stream_options": {"include_usage": True},
            "cache_prompt": True,  # llama-server: keep the slot's prefix between requests
        }
        if stop:
            body["stop"] = list(stop)
        started = time.perf_counter()
        # Waiting for a token (a busy server, a long prompt) must not outlast the budget either.
        read_s = max(0.1, deadline - started)
        timeout = httpx.Timeout(connect=self.connect_timeout_s, read=read_s, write=30.0, pool=None)
        count = 0
        finished = False
        try:
            with self._client.stream(
                "POST", "/chat/completions", json=body, timeout=timeout
            ) as response:
                if response.status_code != 200:
                    raise self._refused(response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank lines and ": ping" comments
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    event = json.loads(payload)
                    if event.get("error"):
                        raise ModelError(
                            f"the LLM server at {self.base_url} failed: "
                            f"{str(event['error'])[:200]}"
                        )
                    if event.get("usage"):
                        usage["prompt_tokens"] = event["usage"].get("prompt_tokens", 0)
                        usage["completion_tokens"] = event["usage"].get("completion_tokens", count)
                    for choice in event.get("choices") or []:
                        if choice.get("finish_reason"):
                            usage["finish_reason"] = choice["finish_reason"]
                            finished = True
                        text = (choice.get("delta") or {}).get("content") or ""
                        if text:
                            if count == 0:
                                usage["prompt_eval_s"] = time.perf_counter() - started
                            count += 1
                            yield text
        except httpx.ReadTimeout:
            usage["finish_reason"] = "timeout"
            return
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise self._unreachable(exc) from exc
        except httpx.HTTPError as exc:
            raise ModelError(
                f"the connection to the LLM server at {self.base_url} broke "
                f"({type(exc).__name__}); check the server's log"
            ) from exc
        if not finished:
            # python -m llama_cpp.server ends a stream early, without a finish reason, when
            # another request arrives (its --interrupt_requests, on by default).
            raise ModelError(
                f"the LLM server at {self.base_url} ended the answer without a finish reason, "
                f"as python -m llama_cpp.server does when another client's request interrupts "
                f"it; give articlebot its own server, or start that one with "
                f"--interrupt_requests False"
            )
        # llama-cpp-python's server sends no usage when streaming: one piece is one token.
        usage.setdefault("completion_tokens", count)

    def _refused(self, response) -> ModelError:
        detail = " ".join(response.read().decode("utf-8", "replace").split())[:200]
        hint = {
            401: "; check ARTICLEBOT_LLM_API_KEY",
            403: "; check ARTICLEBOT_LLM_API_KEY",
            404: "; check ARTICLEBOT_LLM_URL (it usually ends in /v1)",
        }.get(response.status_code, "")
        return ModelError(
            f"the LLM server at {self.base_url} answered HTTP {response.status_code} "
            f"({detail}){hint}"
        )

    def close(self) -> None:
        self._client.close()


def _json_or_empty(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
