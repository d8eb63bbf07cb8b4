"""Answers people already asked: the same question about the same documents, from memory.

In a busy server many people ask the same thing. `cached` wraps `Answerer.ask`: a
question that was answered before is answered again in milliseconds, with the same
text and citations, as long as

- it is the same after normalising (case, spacing, punctuation: "Wie viele Soldaten
  starben?" and "wie viele soldaten starben" are one question);
- it is about the same documents (`doc_ids`), with the same language hint;
- the index is the same (`Snapshot.generation`: every ingest or removal changes it,
  so an answer is never served from documents that have changed);
- the settings that shape answers are the same (rules, answer style, top_k, the
  models, …: a fingerprint of every setting but the operational ones).

Never cached: follow-ups (a question with history depends on the conversation),
input errors (raised, not answered), answers cut short by the time or token budget,
and declines for an empty index. The cache holds at most `Settings.answer_cache_size`
answers (least recently used go first; 0 turns it off), so it cannot grow without bound.

A hit is logged at INFO; the answer itself does not say it came from the cache.

What this module does not do: answer (see `bot.answering`), or cache summaries'
translations (see `bot.summaries.SummaryCache`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from bot.errors import InputError
from bot.results import Answer
from retrieval.lru import LRU

if TYPE_CHECKING:
    from bot.answering import Answerer
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Settings that change how the bot runs, not what it answers.
OPERATIONAL = frozenset({
    "data_dir", "models_dir", "default_documents", "llm_url", "llm_api_key", "llm_parallel",
    "n_threads", "chroma_url", "collection_prefix", "discord", "answer_cache_size",
})  # fmt: skip
# Declines that say nothing about the question: the index was empty.
UNCACHED_REASONS = frozenset({"no_documents"})


def normalise(question: str) -> str:
    """The question as the cache compares it: NFKC, case-folded, punctuation as spaces,
    whitespace collapsed."""
    text = unicodedata.normalize("NFKC", question).casefold()
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def settings_fingerprint(settings: Settings) -> str:
    """A digest of every setting that can change an answer."""
    shown = settings.model_dump(mode="json", exclude=set(OPERATIONAL))
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:16]


def cacheable(answer: Answer) -> bool:
    """Whether `answer` may be given again: complete, and not a decline for an empty index."""
    if answer.truncated or answer.reason in UNCACHED_REASONS:
        return False
    generation = answer.generation
    return generation is None or generation.finish_reason != "timeout"


class AnswerCache:
    """Finished answers by key, least recently used first out (`retrieval.lru.LRU`),
    with hit and miss counts; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: LRU[Hashable, Answer] = LRU(size)
        self._count_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Answer | None:
        answer = self._items.get(key)
        with self._count_lock:
            if answer is None:
                self.misses += 1
            else:
                self.hits += 1
        return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        self._items.put(key, answer)

    def clear(self) -> None:
        self._items.clear()


def cache_of(answerer: Answerer) -> AnswerCache:
    """The answerer's cache, made on first use with the configured size."""
    cache = answerer.__dict__.get("answer_cache")
    if cache is None:
        cache = answerer.__dict__.setdefault(
            "answer_cache", AnswerCache(answerer.settings.answer_cache_size)
        )
    return cache


def cached(ask: Callable[..., Answer]) -> Callable[..., Answer]:
    """Wraps `Answerer.ask` with the answer cache (see the module docstring)."""

    @functools.wraps(ask)
    def ask_cached(answerer: Answerer, question: str, *, history=(), doc_ids=None,
                   language_hint=None, on_text=None) -> Answer:  # fmt: skip
        cache = cache_of(answerer)
        if history or cache.size <= 0:
            return ask(answerer, question, history=history, doc_ids=doc_ids,
                       language_hint=language_hint, on_text=on_text)  # fmt: skip
        started = time.perf_counter()
        try:
            text = answerer.clean(question)
        except InputError:  # the real ask raises it, the same way
            text = None
        generation = answerer.searcher.generation() if text is not None else None
        if generation is None:  # an input error, or nothing indexed
            return ask(answerer, question, doc_ids=doc_ids, language_hint=language_hint,
                       on_text=on_text)  # fmt: skip
        key = (normalise(text), tuple(sorted(set(doc_ids or ()))), language_hint, generation,
               settings_fingerprint(answerer.settings))  # fmt: skip
        found = cache.get(key)
        if found is not None:
            answer = found.copy_for(text)
            answer.timings_ms.update(retrieve=0.0, generate=0.0,
                                     total=(time.perf_counter() - started) * 1000)  # fmt: skip
            log.info("answered from the cache (%d hits, %d misses, %d kept)",
                     cache.hits, cache.misses, len(cache))  # fmt: skip
            if on_text is not None:
                on_text(answer.answer)
            return answer
        answer = ask(answerer, question, doc_ids=doc_ids, language_hint=language_hint,
                     on_text=on_text)  # fmt: skip
        if cacheable(answer):
            cache.put(key, answer.copy_for(answer.question))
        return answer

    return ask_cached
