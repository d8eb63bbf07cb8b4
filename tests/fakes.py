"""Fakes that behave: a scripted LLM on the real interface, a deterministic toy embedder."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from bot.llm import Message, StreamingLLM

TOY_DIM = 512


class ToyEmbedder:
    """Bag of hashed lower-case word stems (first 5 letters), L2-normalised.

    Deterministic, so tests can assert exact rankings: texts sharing words are close."""

    name = "toy"

    def __init__(self) -> None:
        self.document_calls = 0
        self.query_calls = 0

    @staticmethod
    def vector(text: str) -> np.ndarray:
        v = np.zeros(TOY_DIM, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            stem = word[:5]
            h = int(hashlib.md5(stem.encode()).hexdigest(), 16)
            v[h % TOY_DIM] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.document_calls += 1
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, TOY_DIM))

    def embed_query(self, text: str) -> np.ndarray:
        self.query_calls += 1
        return self.vector(text)


Reply = str | Callable[[Sequence[Message]], str]


class ScriptedLLM(StreamingLLM):
    """Returns scripted replies in order (the last one repeats) and records each request.

    A reply may be a string or a function of the messages. Streams word by word, so
    streaming code sees several pieces. `delay_s` slows every piece (for timeouts and
    concurrency tests); `in_use`/`max_seen` count overlapping generations."""

    name = "scripted"

    def __init__(self, *replies: Reply, delay_s: float = 0.0, max_concurrency: int = 1) -> None:
        self.replies = list(replies) or ["SOURCES: NONE\nANSWER: NONE"]
        self.requests: list[list[Message]] = []
        self.delay_s = delay_s
        self.max_concurrency = max_concurrency
        self.in_use = 0
        self.max_seen = 0
        self._lock = threading.Lock()

    def _stream(self, messages, max_tokens, stop, usage) -> Iterator[str]:
        with self._lock:
            self.requests.append(list(messages))
            index = min(len(self.requests) - 1, len(self.replies) - 1)
            self.in_use += 1
            self.max_seen = max(self.max_seen, self.in_use)
        try:
            reply = self.replies[index]
            text = reply(messages) if callable(reply) else reply
            pieces = re.findall(r"\S+\s*|\s+", text)[:max_tokens]
            usage["prompt_tokens"] = sum(len(m.content.split()) for m in messages)
            for piece in pieces:
                if self.delay_s:
                    time.sleep(self.delay_s)
                yield piece
            usage["completion_tokens"] = len(pieces)
            usage["finish_reason"] = "length" if len(pieces) == max_tokens else "stop"
        finally:
            with self._lock:
                self.in_use -= 1

    @property
    def last_user(self) -> str:
        return self.requests[-1][-1].content
