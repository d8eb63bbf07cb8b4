"""Rules that check the grounded reply and may replace it.

- `decline_missing_kind`: copied words that do not hold the kind of thing asked — no
  figure for "how many", no date for "when", no sum for "how much did it cost", no age —
  are no answer: the passages do not say it (judged from the words, not the question).
  A two-part question is declined only when the words miss what each part asks for.
- `retry_unsupported_figure`: a reply with a figure that no passage writes gets one
  correction turn ("the figure … is not written in the passages").
- `retry_untranslated`: a reply that copies words of the passages' language into
  another language gets one correction turn (only one turn in all, the first rule's).
- `decline_measure_for_count`: a question counting things ("How many soldiers died?")
  answered only with a measured quantity ("1,000 square kilometres") is declined.
- `figure_of_asked_clause`: a how-many answer gets the figure its sentence says about
  the thing asked ("300 … getötet und weitere 2.700 verwundet", asked for the wounded).
  Words are compared, so only when the question is in the passage's language.
- `show_passage_when_unanswered`: a reply that only says the question back, or a
  how-many answer without a figure, is replaced by what the cited passage says.

The retries and `figure_of_asked_clause` repair what the model wrote; an answer made of
copied spans (`answer.spans`) has nothing of the model's to repair.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from bot.checks import better_figure, counts_a_measure, misses_figure, restates
from bot.citations import strip_markers
from bot.grounding import parse_reply
from bot.lexicon import language_name
from bot.numbers import NUMBER, figure_clauses, normalise_number, numbers, unsupported_numbers
from bot.request import Request
from bot.results import Answer
from bot.routing import (
    asked_measure,
    asks_how_many,
    asks_to_count,
    asks_when,
    is_yes_no_question,
    states_date,
    states_measure,
    two_questions,
)
from bot.rules.base import Rule

log = logging.getLogger(__name__)


def untranslated(writer, request: Request, text: str) -> list[str]:
    """Words of the passages' language copied into an answer in another language."""
    sources = {request.language_of(p) for p in request.passages} - {request.language, None}
    if not sources:
        return []
    passage_words: set[str] = set()
    for p in request.passages:
        passage_words |= set(re.findall(r"[^\W\d_]+", p.text))
    asked = {w.lower() for w in re.findall(r"[^\W\d_]+", request.question)}
    found: list[str] = []
    for word in re.findall(r"[^\W\d_]{5,}", strip_markers(text)):
        if word in passage_words and word.lower() not in asked and word not in found:
            if any(writer.detector.confidence(word, src) >= 0.9 for src in sources):
                found.append(word)
    return found


def _faults(writer, request: Request):
    """How bad a reply is, for choosing between a reply and its correction: a decline is
    worst, then a how-many answer without a figure, then untranslated words."""

    def faults(answer: Answer) -> tuple:
        if not answer.answered:
            return (1, 0, 0)
        return (0, int(misses_figure(answer.answer, request.question)),
                len(untranslated(writer, request, answer.answer)))  # fmt: skip

    return faults


def decline_missing_kind(request: Request, answer: Answer, writer) -> Answer:
    if not answer.answered or not answer.spans:
        return answer
    said = " ".join(span.text for span in answer.spans)
    # Each part of a two-part question on its own: the copies answer it when they hold
    # what one of its parts asks for ("How old is she, and who hired her?").
    if all(_lacks_kind(part, said) for part in two_questions(request.question, request.language)):
        log.info("the copied words hold no %s; declining",
                 asked_measure(request.question) or "figure or date")  # fmt: skip
        return writer.decline(request, "no_value", answer.generation)
    return answer


def _lacks_kind(q: str, said: str) -> bool:
    """`q` asks for a sum, an age, a count or a date that the words `said` do not hold."""
    measure = asked_measure(q)
    return ((measure is not None and not states_measure(said, measure))
            or (measure is None and asks_to_count(q) and not numbers(said))
            or (asks_when(q) and not states_date(said)))  # fmt: skip


def retry_unsupported_figure(request: Request, answer: Answer, writer) -> Answer:
    if request.retried or answer.reason != "unsupported_number" or answer.spans:
        return answer
    _, wrong = parse_reply(answer.generation.text)
    missing = sorted(unsupported_numbers(wrong, [p.text for p in request.passages], request.question))
    correction = writer.prompts.template("answer_retry").render(numbers=", ".join(missing))
    return writer.correct(request, answer, request.messages, correction, _faults(writer, request))


def retry_untranslated(request: Request, answer: Answer, writer) -> Answer:
    if request.retried or not answer.answered or answer.spans:
        return answer
    words = untranslated(writer, request, answer.answer)
    if not words:
        return answer
    correction = writer.prompts.template("answer_translate").render(
        words=", ".join(words), language=language_name(request.language))
    return writer.correct(request, answer, request.messages, correction, _faults(writer, request))


def decline_measure_for_count(request: Request, answer: Answer, writer) -> Answer:
    if answer.answered and counts_a_measure(answer.answer, request.question):
        log.info("a count was asked and a measured quantity given; declining")
        return writer.decline(request, "no_value", answer.generation)
    return answer


def figure_of_asked_clause(request: Request, answer: Answer, writer) -> Answer:
    if not answer.answered or answer.spans or not answer.citations:
        return answer
    if not asks_how_many(request.question):
        return answer
    first = answer.citations[0]
    cited = next((p for p in request.passages if p.key == (first.doc_id, first.start)), None)
    if (cited is None or request.language_of(cited) != request.language
            or len(figure_clauses(cited.text)) < 2):  # fmt: skip
        return answer  # nothing to choose from: skip reading the document
    sentences = [p.text for p in request.view.all_passages([cited.doc_id])]
    swap = better_figure(answer.answer, request.question, cited.text, sentences)
    if swap is None:
        return answer
    given, better = swap
    log.info("the reply gave %s; the cited sentence says %s about what was asked", given, better)
    value = normalise_number(given)
    fixed = NUMBER.sub(lambda m: better if normalise_number(m.group()) == value else m.group(),
                       answer.answer)  # fmt: skip
    if fixed == answer.answer:
        return answer
    request.show(fixed)
    return replace(answer, answer=fixed)


def show_passage_when_unanswered(request: Request, answer: Answer, writer) -> Answer:
    if not answer.answered or answer.truncated:
        return answer
    q = request.question
    # A right answer to a yes/no question says the question back ("The council approved
    # the ferry line [1]"): only a missing figure counts there.
    said_back = restates(answer.answer, q) and not is_yes_no_question(q, request.language)
    if not (said_back or misses_figure(answer.answer, q)):
        return answer
    log.info("the reply left out what was asked; showing the passage instead")
    first = answer.citations[0]
    cited = next(p for p in request.passages if (p.doc_id, p.start) == (first.doc_id, first.start))
    return writer.passage_answer(request, cited, generation=answer.generation)


REPAIR_RULES = (
    Rule("decline_missing_kind", "repair", decline_missing_kind,
         "copied words without the figure, date, sum or age asked for are declined"),
    Rule("retry_unsupported_figure", "repair", retry_unsupported_figure,
         "a figure in no passage gets one correction turn"),
    Rule("retry_untranslated", "repair", retry_untranslated,
         "words left in the passage's language get one correction turn"),
    Rule("decline_measure_for_count", "repair", decline_measure_for_count,
         "a count answered only with a measured quantity is declined"),
    Rule("figure_of_asked_clause", "repair", figure_of_asked_clause,
         "a how-many answer gets the figure its sentence says about the thing asked"),
    Rule("show_passage_when_unanswered", "repair", show_passage_when_unanswered,
         "a reply that restates the question or lacks the asked figure shows the passage"),
)  # fmt: skip
