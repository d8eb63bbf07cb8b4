"""What a request gives back: `Answer`, `QuoteHit`, and the `Turn`s of a conversation.

Small typed results, built with keywords. An `Answer` is either cited (its text,
with `[n]` markers, and the `Citation`s those markers point at, each cut from its
document by offsets) or a decline (a fixed text from `prompts/messages.toml`, a
reason, no citations). Front ends read these and nothing else of the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.citations import Citation
from bot.llm import Generation
from retrieval.search import Passage


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation (a reply chain, a thread)."""

    question: str
    answer: str


@dataclass(kw_only=True)
class Answer:
    question: str
    answer: str
    answered: bool
    language: str
    citations: list[Citation] = field(default_factory=list)
    mode: str = "answer"  # "answer", "summary", "quote" or "decline"
    reason: str | None = None  # why a decline happened
    truncated: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)  # what the model saw
    generation: Generation | None = None
    rules: list[str] = field(default_factory=list)  # the rules that changed or decided it
    spans: list = field(default_factory=list)  # copied words the answer is made of (extract)

    @classmethod
    def cited(
        cls,
        *,
        question: str,
        language: str,
        text: str,
        citations: Sequence[Citation],
        mode: str = "answer",
        truncated: bool = False,
        passages: Sequence[Passage] = (),
        generation: Generation | None = None,
    ) -> Answer:
        """An answer whose `[n]` markers point at `citations`."""
        return cls(question=question, answer=text, answered=True, language=language,
                   citations=list(citations), mode=mode, truncated=truncated,
                   passages=list(passages), generation=generation)  # fmt: skip

    @classmethod
    def decline(
        cls,
        *,
        question: str,
        language: str,
        text: str,
        reason: str,
        passages: Sequence[Passage] = (),
        generation: Generation | None = None,
    ) -> Answer:
        """No answer: `text` says why, in the user's language; `reason` says it for logs."""
        return cls(question=question, answer=text, answered=False, language=language,
                   mode="decline", reason=reason, passages=list(passages),
                   generation=generation)  # fmt: skip

    def copy_for(self, question: str) -> Answer:
        """The same answer to another wording of the question (a cached one)."""
        return replace(self, question=question, citations=list(self.citations),
                       passages=list(self.passages), timings_ms={}, rules=list(self.rules))  # fmt: skip

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "answered": self.answered,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "spans": [{"doc_id": s.passage.doc_id, "start": s.start, "end": s.end, "text": s.text}
                      for s in self.spans],
            "rules": list(self.rules),
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class QuoteHit:
    """One passage found by `quote`: verbatim, with its offsets and similarity."""

    doc_id: str
    quote: str
    start: int
    end: int
    score: float
    title: str
    line: int

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "quote": self.quote, "start": self.start,
                "end": self.end, "score": round(self.score, 4)}  # fmt: skip
