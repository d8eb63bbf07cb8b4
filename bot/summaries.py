"""Extractive summaries: the article's key sentences, each cited, translated when the
reader's language is not the article's.

The sentences are the lede plus the most central ones without repeats (maximal
marginal relevance over the stored vectors); with a focus ("what does it say about
Kursk"), the sentences closest to the focus. Free summaries dropped the article's
subject and invented statements; extractive ones cannot. Summaries are cached per
index generation, documents, language and focus, in a bounded cache.

What this module does not do: answer questions, or write anything but translations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from bot.citations import append_markers
from bot.request import Request
from bot.results import Answer
from retrieval.search import Passage, Snapshot

CACHE_SIZE = 64


def select_key_sentences(passages: list[Passage], vectors: np.ndarray, n: int) -> list[Passage]:
    """The lede plus the most central sentences, without repeats (maximal marginal relevance).

    News puts its main point first, so the first two sentences of each document get
    a bonus; centrality (mean similarity to the rest) finds what the article keeps
    coming back to; MMR keeps two sentences that say the same thing from both being
    chosen."""
    sims = vectors @ vectors.T
    centrality = (sims.sum(axis=1) - 1.0) / max(1, len(passages) - 1)
    lead = np.array([0.15 if p.index < 2 else (0.08 if p.index < 4 else 0.0) for p in passages])
    relevance = centrality + lead
    chosen: list[int] = []
    while len(chosen) < min(n, len(passages)):
        best, best_score = None, -1e9
        for i in range(len(passages)):
            if i in chosen:
                continue
            redundancy = max((sims[i, j] for j in chosen), default=0.0)
            score = 0.5 * relevance[i] - 0.5 * redundancy
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
    return [passages[i] for i in chosen]


def is_sentence(text: str) -> bool:
    """A full sentence, not a heading or a fragment: summaries are built from these."""
    return len(text) >= 40 and text.rstrip("\"'“”»)").endswith((".", "!", "?"))


def summary_passages(view: Snapshot, *, focus: str | None, doc_ids: list[str] | None, n: int,
                     min_score: float, withheld: Callable[[Passage], bool]) -> list[Passage]:  # fmt: skip
    """The sentences a summary is made of, in document order."""
    if focus:
        hits = view.search(focus, n, doc_ids=doc_ids)
        hits = [p for p in hits if p.score >= min_score and not withheld(p)]
        return sorted(hits, key=lambda p: (p.doc_id, p.index))
    candidates = [p for p in view.all_passages(doc_ids) if is_sentence(p.text) and not withheld(p)]
    if len(candidates) <= n:
        return candidates
    chosen = select_key_sentences(candidates, view.vectors(candidates), n)
    return sorted(chosen, key=lambda p: (p.doc_id, p.index))


class SummaryCache:
    """Finished summaries by (generation, documents, language, focus); the oldest go first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple, answer: Answer) -> None:
        with self._lock:
            self._items[key] = answer
            while len(self._items) > self.size:  # focus texts are free-form
                self._items.popitem(last=False)


def summary_answer(request: Request, passages: list[Passage], writer) -> Answer:
    """The summary of `passages`: each sentence (translated when needed) with its marker."""
    texts, generation = writer.translator.passage_texts(passages, request.language,
                                                        request.language_of, request.on_text)  # fmt: skip
    body = " ".join(append_markers(text, [n]) for n, text in enumerate(texts, start=1))
    return Answer.cited(
        question=request.question, language=request.language, text=body, mode="summary",
        truncated=bool(generation and generation.truncated),
        citations=writer.citations(request, range(1, len(passages) + 1), passages),
        passages=passages, generation=generation,
    )  # fmt: skip
