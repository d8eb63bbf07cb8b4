"""Rules about the words the model copied (extract style), before the answer is written.

- `align_changed_copy`: a line the model copied with a word changed, added or left out
  (most often a word of the question's language slipped into a copy of a passage in
  another: "Grissom, White and Chaffee" for "Grissom, White und Chaffee", "not
  monophyletisch" for "nicht monophyletisch") is found in its passage by aligning it
  word by word (`bot.recovery.align`: at most one word in three differs, a word of four
  letters matches, figures match exactly), and the passage's own words become the span.
  Without it such a copy is dropped and the question declined, though the model found
  the answer. The answer shows the document's words, so it cannot say what the passage
  does not; what it costs is a span that answers less well than the model's copy meant
  ("sie die Tore" for "verriegelte die Tore").
- `one_word_otherwise_written`: a one-word copy the passage does not hold is matched to
  the passage's word that writes the same number otherwise ("three" for "drei", asked
  in English about a German text) or has another inflected ending ("weibliche" for
  "weiblichen"; the shorter word of five letters at least, two letters of ending at
  most). `align` leaves one-word copies alone: with one word, one changed is all.
- `translated_copy_to_clause`: a copy of two words or more that its passage holds
  neither verbatim nor with a word changed — most often the model translated it into
  the question's language ("the Regenwald successfully led to more Siedlungen and more
  Rodungen") — becomes the clause of that passage (or the whole passage) whose meaning
  the embedder scores closest to it, when at least `copy_min_similarity` (0.75). The
  answer is the passage's clause; the model's words are never shown. What it costs: an
  unanswerable question the model answered with a translated clause of a related
  passage is answered too.
- `translated_figure_to_clause`: a copy in other words that none of the rules above
  found, but that holds a figure in digits ("in the 19. yearhundert", "in the first
  month of the year 1754"), becomes the shortest clause of its passage that holds every
  figure of it ("im 19. Jahrhundert …", "wo sie in den ersten Monaten des Jahres 1754 …").
  A figure is written alike in every language, so the model took it from there; the
  embedder scores a short translated copy too far from its clause for
  `translated_copy_to_clause`. What it costs: a wrong copy that keeps a right figure
  becomes that figure's clause.
- `what_was_said`: a copy that names only who said something ("Lee zitierte den NIS",
  "Laut des NIS", "the union said on Friday") is shown with its whole sentence, which
  holds what was said, unless the question asks who said or reported it ("Who …?",
  "Which agency …?"). The 1.5B model often copies the attribution that opens a news
  sentence; alone it answers nothing ("What happened to the soldiers' remains?" —
  "Lee zitierte den NIS"). It costs words when the sentence says more than was asked.
- `figure_with_its_clause`: a copied figure with too few words to say what it counts
  ("4.700", "300 nordkoreanische Soldaten", "1998") is shown with the clause of its
  sentence that holds it ("dass Nordkorea … 4.700 Verluste", "schätzungsweise 300
  nordkoreanische Soldaten getötet und 2.700 verletzt"). The 1.5B model often copies the
  figure of another thing than the one asked (the losses for the dead, the killed for the
  wounded, soldiers for tanks); with its clause, the answer says what the figure is,
  and the reader sees the right one when the clause holds it. A clause after a comma
  that holds a figure too comes with it: it breaks the figure down or sets another
  against it ("4.700 Verluste, darunter 600 Tote"). It costs words: a right bare figure
  is shown with its clause too.
- `keep_the_alternative`: a copy that stops where its passage goes on with "or"
  ("rund 4.700 … Soldaten … getötet" of "getötet oder verletzt wurden", "ctDNA" of
  "ctDNA oder cpDNA") is taken on to the end of that clause: cut there, the answer
  says one thing where the passage says either (4,700 killed, for killed or wounded).
- `figure_set_against_it`: asked how many, a copy holding a figure that ends its clause
  is taken on over the next clause of its sentence (after a comma or semicolon) when that
  clause holds a figure too: the sentence sets another figure against it, from another
  source or time ("Police counted 1,800 marchers, the organisers said 4,500 took part";
  "620 personnes …; la mairie … avance le chiffre de 900"), or breaks it down. The model
  often copies only the first; the issue asks for each with its source.
- `whole_noun_phrase`: a copy cut inside its noun phrase is widened to it: in German
  back over the article and inflected adjectives of the noun it starts with ("Meister"
  → "dem Meister", "Palmen" → "hohen Palmen"), in English or French on over the
  capitalised words of the name it ends with ("Grayhaven" → "Grayhaven Terminals").
  Cut inside, the answer says less than the passage ("palms" for tall palm trees).
"""

from __future__ import annotations

import logging

from bot.extraction import (
    Span,
    clause_of,
    is_attribution,
    is_bare_figure,
    with_its_alternative,
    with_its_noun_phrase,
    with_span,
    with_the_figure_after,
    with_what_was_said,
)
from bot.recovery import align, closest_clause, figure_clause, match_word, recovered
from bot.request import Request
from bot.routing import asks_how_many, asks_source
from bot.rules.base import Rule

log = logging.getLogger(__name__)


def _recover(request: Request, found: list[Span], find, what: str):
    """`found` with the spans `find` locates for the copies no passage held; the copies
    it locates leave `request.missed`, so a later rule does not find them twice."""
    if not request.missed:
        return found
    spans, request.missed = recovered(request.missed, request.passages,
                                      lambda p: request.view.document(p.doc_id).text, find)  # fmt: skip
    out = found
    for span in spans:
        out = with_span(out, span)
    if out != found:
        log.info("%s: %s", what, [s.text for s in spans])
    return out


def align_changed_copy(request: Request, found: list[Span]) -> list[Span]:
    return _recover(request, found, align, "copies aligned with their passages")


def one_word_otherwise_written(request: Request, found: list[Span]) -> list[Span]:
    return _recover(request, found, match_word, "one-word copies matched to the passage's word")


def translated_copy_to_clause(request: Request, found: list[Span]) -> list[Span]:
    threshold = request.settings.copy_min_similarity
    if request.similarity is None or not threshold:
        return found
    return _recover(request, found,
                    lambda words, passage: closest_clause(words, passage, request.similarity, threshold),
                    "copies in other words, shown as their closest clause")  # fmt: skip


def translated_figure_to_clause(request: Request, found: list[Span]) -> list[Span]:
    return _recover(request, found, figure_clause, "copies in other words, shown as the clause of their figures")


def what_was_said(request: Request, found: list[Span]) -> list[Span]:
    if asks_source(request.question):
        return found
    out: list[Span] = []
    for span in found:
        if is_attribution(span.text, request.language_of(span.passage)):
            span = with_what_was_said(span, request.view.document(span.passage.doc_id).text)
        out = with_span(out, span)
    if out != found:
        log.info("copies naming only who said it, shown with what was said: %s", [s.text for s in out])
    return out


def figure_with_its_clause(request: Request, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in found:
        if is_bare_figure(span.text):
            span = clause_of(span, request.view.document(span.passage.doc_id).text)
        out = with_span(out, span)  # two figures of one clause become one span
    if out != found:
        log.info("copied figures shown with their clauses: %s", [s.text for s in out])
    return out


def keep_the_alternative(request: Request, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in found:
        out = with_span(out, with_its_alternative(span, request.view.document(span.passage.doc_id).text))
    if out != found:
        log.info("copies cut before an alternative, taken on: %s", [s.text for s in out])
    return out


def whole_noun_phrase(request: Request, found: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in found:
        document = request.view.document(span.passage.doc_id).text
        out = with_span(out, with_its_noun_phrase(span, document, request.language_of(span.passage)))
    if out != found:
        log.info("copies cut inside a noun phrase, widened: %s", [s.text for s in out])
    return out


def figure_set_against_it(request: Request, found: list[Span]) -> list[Span]:
    if not asks_how_many(request.question):
        return found
    out: list[Span] = []
    for span in found:
        out = with_span(out, with_the_figure_after(span, request.view.document(span.passage.doc_id).text))
    if out != found:
        log.info("copied figures shown with the figure their sentence sets against them: %s",
                 [s.text for s in out])  # fmt: skip
    return out


SPAN_RULES = (
    Rule("align_changed_copy", "spans", align_changed_copy,
         "a copy with a word changed is aligned with its passage's own words"),
    Rule("one_word_otherwise_written", "spans", one_word_otherwise_written,
         "a one-word copy is matched to the passage's word for the same number or stem"),
    Rule("translated_copy_to_clause", "spans", translated_copy_to_clause,
         "a copy in other words than its passage's is shown as the passage's closest clause"),
    Rule("translated_figure_to_clause", "spans", translated_figure_to_clause,
         "a copy in other words holding a figure is shown as the clause of its passage with that figure"),
    Rule("what_was_said", "spans", what_was_said,
         "a copy naming only who said something is shown with its sentence, unless asked who"),
    Rule("figure_with_its_clause", "spans", figure_with_its_clause,
         "a copied figure without what it counts is shown with its clause"),
    Rule("keep_the_alternative", "spans", keep_the_alternative,
         "a copy cut before \"or\" is taken on to the end of its clause"),
    Rule("figure_set_against_it", "spans", figure_set_against_it,
         "a how-many copy is shown with the figure the next clause of its sentence sets against it"),
    Rule("whole_noun_phrase", "spans", whole_noun_phrase,
         "a copy cut inside a noun phrase gets its article, adjectives or the rest of a name"),
)  # fmt: skip
