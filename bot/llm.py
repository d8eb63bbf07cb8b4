"""The LLM seam: chat messages in, streamed text out, bounded in tokens and time.

`LLM` is the protocol the answering core calls; `Message` and `Generation` are
what goes in and comes out. Two implementations: `LlamaCppLLM` runs a GGUF in
this process (`bot.llama_cpp_llm`), `OpenAICompatibleLLM` talks to an
OpenAI-compatible server (`bot.openai_llm`). The answering core sees no
difference, except `max_concurrency`: one llama.cpp context serves one request
at a time, a server with N slots serves N.

Every generation is bounded twice: `max_tokens`, and a wall-clock budget after
which the stream is cut and the result is marked `finish_reason="timeout"`.
`StreamingLLM` implements that once for every back end that can stream pieces
of text; a back end only writes `_stream`.

What this module does not do: load a model or talk to a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


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
