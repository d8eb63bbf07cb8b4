"""Rules about the words the model copied (extract style), before the answer is written.

- `figure_with_its_clause`: a copied figure with too few words to say what it counts
  ("4.700", "300 nordkoreanische Soldaten", "1998") is shown with the clause of its
  sentence that holds it ("dass Nordkorea … 4.700 Verluste", "schätzungsweise 300
  nordkoreanische Soldaten getötet und 2.700 verletzt"). The 1.5B model often copies the
  figure of another thing than the one asked (the losses for the dead, the killed for the
  wounded, soldiers for tanks); with its clause, the answer says what the figure is,
  and the reader sees the right one when the clause holds it. It costs words: a right
  bare figure is shown with its clause too.
"""

from __future__ import annotations

import logging

from bot.extraction import Span, clause_of, is_bare_figure, with_span
from bot.request import Request
from bot.rules.base import Rule

log = logging.getLogger(__name__)


def figure_with_its_clause(request: Request, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in found:
        if is_bare_figure(span.text):
            span = clause_of(span, request.view.document(span.passage.doc_id).text)
        out = with_span(out, span)  # two figures of one clause become one span
    if out != found:
        log.info("copied figures shown with their clauses: %s", [s.text for s in out])
    return out


SPAN_RULES = (
    Rule("figure_with_its_clause", "spans", figure_with_its_clause,
         "a copied figure without what it counts is shown with its clause"),
)  # fmt: skip
