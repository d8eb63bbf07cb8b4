"""One question on its way through the answering pipeline: what it asks and what has
been found for it so far.

A `Request` is made once per question by `Answerer.ask` and handed from stage to
stage (route, retrieve, decide, generate, ground, repair). It holds the cleaned
question, its language, the conversation before it, and one `Snapshot` of the index,
so every stage of a request reads the same index even when an ingest switches it
meanwhile. Stages add what they find: the ranked candidates, the passages the model
sees, the streamer that shows the answer as it is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.llm import Message
from bot.results import Answer, Turn
from bot.routing import Route
from bot.settings import Settings
from retrieval.search import Passage, Snapshot

TextCallback = Callable[[str], None]


@dataclass
class Candidate:
    """A passage found for the question, with the score it ranks by (its similarity,
    adjusted by the ranking rules)."""

    passage: Passage
    rank: float


@dataclass
class Request:
    question: str
    language: str
    view: Snapshot
    settings: Settings
    route: Route
    history: tuple[Turn, ...] = ()
    doc_ids: list[str] | None = None
    on_text: TextCallback | None = None
    started: float = field(default_factory=time.perf_counter)
    candidates: list[Candidate] = field(default_factory=list)  # best first
    passages: list[Passage] = field(default_factory=list)  # what the model is shown
    messages: list[Message] = field(default_factory=list)  # the answer prompt, once built
    streamer: object | None = None  # shows the model's reply as it is written
    retried: bool = False  # the one correction turn was used
    acted: list[str] = field(default_factory=list)  # rules that acted before the answer
    withheld: Callable[[Passage], bool] = lambda _passage: False  # never shown to the model
    copied: Callable[[Request, list], list] = lambda _request, spans: spans  # the `spans` rules
    missed: list[tuple[int, str]] = field(default_factory=list)  # copies no passage holds verbatim
    similarity: Callable[[str, str], float] | None = None  # how alike two texts mean (the embedder's)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def top(self, k: int, margin: float) -> list[Passage]:
        """The first `k` candidates that rank within `margin` of the best."""
        if not self.candidates:
            return []
        best = self.candidates[0].rank
        return [c.passage for c in self.candidates if c.rank >= best - margin][:k]

    def language_of(self, passage: Passage) -> str | None:
        return self.view.language_of(passage.doc_id)

    def show(self, text: str) -> None:
        """Streams `text` as the answer so far, when someone is watching."""
        if self.on_text is not None:
            self.on_text(text)

    def finish(self, answer: Answer, **timings: float) -> Answer:
        """`answer` with the request's timings; `passages` default to what was shown."""
        answer.passages = answer.passages or list(self.passages)
        answer.rules = list(dict.fromkeys([*self.acted, *answer.rules]))
        spent = {"retrieve": 0.0, "generate": 0.0, **self.timings_ms, **timings}
        spent["total"] = (time.perf_counter() - self.started) * 1000
        answer.timings_ms.update(spent)
        return answer
