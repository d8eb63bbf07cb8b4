"""`OpenAICompatibleLLM`: chat completions from an OpenAI-compatible server, streamed.

The server is llama.cpp's `llama-server`, or llama-cpp-python's
`python -m llama_cpp.server`, or any other that speaks the protocol.

The time budget holds here too: cutting the stream closes the connection, which
the server takes as "stop generating" (checked with llama-cpp-python's, which
notices between two tokens, so a cut during prompt evaluation frees it only once
that is done); a server that sends nothing for the whole budget (busy, or
evaluating a long prompt) is cut the same way, and so is a wait for a free slot
that lasts the whole budget.

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

What this module does not do: start or stop a server, or run a model itself
(see `bot.llama_cpp_llm`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bot.llm import StreamingLLM
from models.errors import ModelError

log = logging.getLogger(__name__)


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

        body = self._body(messages, max_tokens, stop)
        started = time.perf_counter()
        # Waiting for a token (a busy server, a long prompt) must not outlast the budget either.
        read_s = max(0.1, deadline - started)
        timeout = httpx.Timeout(connect=self.connect_timeout_s, read=read_s, write=30.0, pool=None)
        try:
            with self._client.stream(
                "POST", "/chat/completions", json=body, timeout=timeout
            ) as response:
                if response.status_code != 200:
                    raise self._refused(response)
                yield from self._events(response, usage, started)
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
        if "finish_reason" not in usage:
            # python -m llama_cpp.server ends a stream early, without a finish reason, when
            # another request arrives (its --interrupt_requests, on by default).
            raise ModelError(
                f"the LLM server at {self.base_url} ended the answer without a finish reason, "
                f"as python -m llama_cpp.server does when another client's request interrupts "
                f"it; give articlebot its own server, or start that one with "
                f"--interrupt_requests False"
            )

    def _body(self, messages, max_tokens: int, stop) -> dict:
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
        return body

    def _events(self, response, usage: dict, started: float) -> Iterator[str]:
        """The text pieces of a server-sent event stream, until `[DONE]`; the finish
        reason, token counts and time to the first piece go into `usage`."""
        count = 0
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue  # blank lines and ": ping" comments
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            event = json.loads(payload)
            if event.get("error"):
                raise ModelError(
                    f"the LLM server at {self.base_url} failed: {str(event['error'])[:200]}"
                )
            if event.get("usage"):
                usage["prompt_tokens"] = event["usage"].get("prompt_tokens", 0)
                usage["completion_tokens"] = event["usage"].get("completion_tokens", count)
            for choice in event.get("choices") or []:
                if choice.get("finish_reason"):
                    usage["finish_reason"] = choice["finish_reason"]
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    if count == 0:
                        usage["prompt_eval_s"] = time.perf_counter() - started
                    count += 1
                    yield text
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
