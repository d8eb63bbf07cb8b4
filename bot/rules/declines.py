"""Rules that answer or decline before the model is asked.

- `decline_off_task`: a request to change role, ignore instructions, follow the
  document or write a joke is declined without calling the model.
- `decline_far`: when even the best passage's similarity is under `min_score`, the
  article does not say.
- `why_from_article`: a why-question gets what the article says, never a cause the
  model writes: the best sentence and the next of its paragraph, or a decline when it
  scores under `why_min_score`. Asked for a cause, a 1.5B model invents one ("resigned
  because Russia supplied drones") or accepts a false premise; the article's words
  answer a sound question and correct a false one. What refutes a denial ("Why did
  the NIS say no soldiers had died?") is often not the sentence closest to its subject
  but the next best, so a denial whose best sentence ends its paragraph gets the
  runner-up instead of the next sentence.
- `yes_no_from_article`: a yes/no question ("Did Zelensky agree …?") gets the article's
  own words, like a why-question, so its polarity is never paraphrased ("weist dies
  zurück" read as agreement); under `why_min_score` it is declined.
- `decline_missing_measure`: a question asking for a sum of money or an age is
  declined when no passage writes one (a currency, "Jahre alt"): any figure the model
  could give would be of something else. A two-part question is declined only when each
  of its parts asks for such a value that no passage writes.
"""

from __future__ import annotations

from bot.request import Request
from bot.results import Answer
from bot.routing import (
    asked_measure, is_why_question, is_yes_no_question, negates, states_measure, two_questions,
)
from bot.rules.base import Rule


def decline_off_task(request: Request, writer) -> Answer | None:
    return writer.decline(request, "off_task") if request.route.kind == "off_task" else None


def decline_far(request: Request, writer) -> Answer | None:
    best = max(p.score for p in request.passages)
    return writer.decline(request, "not_found") if best < request.settings.min_score else None


def why_from_article(request: Request, writer) -> Answer | None:
    if not is_why_question(request.question):
        return None
    best = request.passages[0]
    if best.score < request.settings.why_min_score:
        return writer.decline(request, "not_found")
    margin = request.settings.passage_margin
    runner_up = request.top(2, margin)[1:] if negates(request.question) else []
    return writer.passage_answer(request, best, also=runner_up)


def yes_no_from_article(request: Request, writer) -> Answer | None:
    if not is_yes_no_question(request.question, request.language):
        return None
    best = request.passages[0]
    if best.score < request.settings.why_min_score:
        return writer.decline(request, "not_found")
    return writer.passage_answer(request, best)


def decline_missing_measure(request: Request, writer) -> Answer | None:
    # Each part of a two-part question on its own: "How old is she, and who hired her?"
    # has an answer when only its second part does.
    parts = two_questions(request.question, request.language)
    if all(_lacks_measure(part, request.passages) for part in parts):
        return writer.decline(request, "no_value")
    return None


def _lacks_measure(question: str, passages: list) -> bool:
    """`question` asks for a sum of money or an age that none of `passages` writes."""
    measure = asked_measure(question)
    return bool(measure) and not any(states_measure(p.text, measure) for p in passages)


QUESTION_RULES = (
    Rule("decline_off_task", "question", decline_off_task,
         "requests for another role, a joke or obeying the document are declined"),
)  # fmt: skip
DECIDE_RULES = (
    Rule("decline_far", "decide", decline_far,
         "declines when the best passage scores under min_score"),
    Rule("why_from_article", "decide", why_from_article,
         "why-questions get the article's sentences, or a decline under why_min_score"),
    Rule("yes_no_from_article", "decide", yes_no_from_article,
         "yes/no questions get the article's sentences, or a decline under why_min_score"),
    Rule("decline_missing_measure", "decide", decline_missing_measure,
         "money and age questions are declined when no passage writes such a value"),
)  # fmt: skip
