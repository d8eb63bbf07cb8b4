"""Grounding: the model's reply checked against the passages it was shown, in code.

The model writes one `ANSWER:` line with `[n]` markers. Here the markers are kept
only where they point at a given passage (falling back to the `SOURCES:` line, the
markers of an earlier reply, or the passage the reply evidently draws on), claims
cited only to passages the model never saw are dropped, and every figure written in
digits must appear in a cited passage (or another given one, which is then cited).
What fails becomes a decline; what passes becomes an `Answer` whose citations are
cut from the documents by offsets.

What this module does not do: call the model, or judge whether the answer is the
right one (the repair rules do that).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from bot import lexicon as lx
from bot.citations import append_markers, drop_unsourced, markers, renumber, strip_markers
from bot.llm import Generation
from bot.numbers import fix_number_spacing, numbers, unsupported_numbers
from bot.request import Request
from bot.results import Answer
from retrieval.search import Passage

log = logging.getLogger(__name__)

NONE_REPLY = re.compile(rf"^\W*({'|'.join(lx.NONE_REPLY)})\W*$", re.IGNORECASE)


def parse_reply(text: str) -> tuple[list[int] | None, str]:
    """(sources, answer) from "SOURCES: 1, 3\\nANSWER: …". Sources: [] for NONE, None if absent."""
    text = fix_number_spacing(text)
    sources: list[int] | None = None
    match = re.search(r"SOURCES?\s*:\s*([^\n]*)", text, re.IGNORECASE)
    if match:
        raw = match.group(1)
        if re.search(r"\bnone\b|\bkeine?\b|^\W*$", raw, re.IGNORECASE):
            sources = []
        else:
            sources = [int(n) for n in re.findall(r"\d+", raw)]
    answer = re.search(r"ANSWER\s*:\s*(.*)", text, re.IGNORECASE | re.DOTALL)
    if answer:
        body = answer.group(1)
    elif match:
        body = re.sub(r"^\s*EVIDENCE\s*:[^\n]*", "", text[match.end():], flags=re.IGNORECASE)
    else:
        body = text
    body = re.sub(r"\n\s*(SOURCES?|EVIDENCE)\s*:.*", "", body, flags=re.IGNORECASE | re.DOTALL)
    return sources, body.strip()


def ground(request: Request, generation: Generation, writer, cited_before: Sequence[int] = ()) -> Answer:
    """The reply as a cited `Answer`, or a decline saying why it cannot stand."""
    passages = request.passages
    sources, text = parse_reply(generation.text)
    given = list(range(1, len(passages) + 1))
    if sources == [] or not text or NONE_REPLY.match(text):
        return writer.decline(request, "not_found", generation)
    text = _cite(text, sources, cited_before, given, passages)
    if text is None:
        return writer.decline(request, "ungrounded", generation)
    text = _cite_figures(text, request.question, given, passages)
    if text is None:
        return writer.decline(request, "unsupported_number", generation)
    body, order = renumber(text, given)
    citations = writer.citations(request, order, passages)
    if not citations:
        return writer.decline(request, "ungrounded", generation)
    if generation.truncated:
        body = f"{body} {writer.message('truncated', request.language)}"
    return Answer.cited(question=request.question, language=request.language, text=body,
                        citations=citations, truncated=generation.truncated, passages=passages,
                        generation=generation)  # fmt: skip


def _cite(text: str, sources, cited_before, given: list[int], passages) -> str | None:
    """Markers to given passages only; else the SOURCES line, the earlier reply's
    markers, or evidence overlap. None when nothing grounds the text."""
    cited = [n for n in markers(text) if n in given]
    if cited:
        # What the model attributed to a passage it never saw ("… and Ukraine disputes
        # it [3]" with one passage) has no source: it goes.
        return drop_unsourced(text, given)
    fallback = [n for n in (sources or cited_before) if n in given]
    if not fallback:
        fallback = supporting(text, passages)
    if not fallback:
        return None
    return append_markers(strip_markers(text), fallback)


def _cite_figures(text: str, question: str, given: list[int], passages) -> str | None:
    """Every figure must be in a passage; cites the given passage that has it when the
    cited ones do not. None when a figure is in no passage."""
    numbered = renumber(text, given)[1]
    cited_texts = [passages[n - 1].text for n in numbered]
    missing = unsupported_numbers(text, cited_texts, question)
    if not missing:
        return text
    elsewhere = [n for n in given if n not in numbered and numbers(passages[n - 1].text) & missing]
    still = unsupported_numbers(text, cited_texts + [passages[n - 1].text for n in elsewhere], question)
    if still:
        log.info("declining: figures %s are in no passage", sorted(still))
        return None
    return append_markers(text, elsewhere)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{4,}", text.lower())}


def supporting(text: str, passages: Sequence[Passage]) -> list[int]:
    """Passages that evidently support `text`: shared figures first, then shared words."""
    wanted = numbers(text)
    if wanted:
        hits = [i for i, p in enumerate(passages, 1) if numbers(p.text) & wanted]
        if hits:
            return hits[:2]
    words = _words(strip_markers(text))
    best, best_n = 0.0, 0
    for i, p in enumerate(passages, 1):
        overlap = len(words & _words(p.text)) / max(1, min(len(words), 12))
        if overlap > best:
            best, best_n = overlap, i
    return [best_n] if best >= 0.34 else []
