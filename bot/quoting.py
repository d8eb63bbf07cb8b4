"""Quotes: the article's own sentences for a topic, found by retrieval alone.

`quote_hits` serves `/quote` and `articlebot quote` (the best passages with their
similarity); `quote_answer` serves a question that asks for the exact wording ("Zitiere
den Satz über …"). No model is involved, so both answer in milliseconds, and every
quote is cut from its document by offsets and checked.
"""

from __future__ import annotations

import logging
import time

from bot.citations import QuoteMismatch, make_citation
from bot.lexicon import QUOTE_MARKS
from bot.request import Request
from bot.results import Answer, QuoteHit
from retrieval.search import Snapshot

log = logging.getLogger(__name__)


def quote_hits(view: Snapshot, query: str, k: int, doc_ids: list[str] | None) -> list[QuoteHit]:
    """The best `k` passages for `query`, verbatim, with their similarity."""
    hits = []
    for passage in view.search(query, k, doc_ids=doc_ids):
        document = view.document(passage.doc_id)
        try:
            citation = make_citation(0, passage, document)
        except (QuoteMismatch, TypeError):
            log.error("dropping passage %s:%s that does not match its document",
                      passage.doc_id, passage.start)  # fmt: skip
            continue
        hits.append(QuoteHit(doc_id=citation.doc_id, quote=citation.quote, start=citation.start,
                             end=citation.end, score=passage.score, title=passage.title,
                             line=passage.line))  # fmt: skip
    return hits


def quote_answer(request: Request, writer) -> Answer:
    """The one sentence a quote request asks for, in quotation marks, cited."""
    started = time.perf_counter()
    hits = request.view.search(request.route.query, request.settings.quote_k, doc_ids=request.doc_ids)
    request.timings_ms["retrieve"] = (time.perf_counter() - started) * 1000
    if not hits or hits[0].score < request.settings.min_score:
        return writer.decline(request, "not_found")
    citations = writer.citations(request, [1], hits[:1])
    if not citations:
        return writer.decline(request, "not_found")
    opening, closing = QUOTE_MARKS.get(request.language, QUOTE_MARKS["en"])
    intro = writer.message("quote_intro", request.language)
    return Answer.cited(question=request.question, language=request.language, mode="quote",
                        text=f"{intro} {opening}{citations[0].quote}{closing} [1]",
                        citations=citations, passages=hits[:1])  # fmt: skip
