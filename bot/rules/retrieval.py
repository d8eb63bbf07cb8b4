"""Rules about passages: which the model may see, how they rank, which it is shown.

- `withhold_instructions`: a passage that reads like instructions to an assistant is
  never put before the model (it stays available verbatim through `quote`).
- `latest_count`: a how-many question that names no month asks for the latest count;
  a passage naming another month ("im Januar … 300 getötet") holds an earlier or
  partial one, so it ranks `dated_penalty` lower. Its similarity, which the thresholds
  use, stays the embedder's.
- `two_part_next_sentence`: a two-part question ("Who announced …, and who disputes
  it?") also gets the next sentence of the best passage's paragraph, where the second
  answer often is ("Moskau verkündete …" / "Selenskyj weist dies zurück"); alone with
  the first, the model makes the second answer up.
"""

from __future__ import annotations

import logging

from bot.request import Candidate, Request
from bot.routing import asks_how_many, asks_two_things, dated_elsewhere, is_injection
from bot.rules.base import Rule
from retrieval.search import Passage

log = logging.getLogger(__name__)


def withhold_instructions(passage: Passage) -> bool:
    if is_injection(passage.text):
        log.warning("withholding passage %s:%s from the model: it reads like an instruction",
                    passage.doc_id, passage.start)  # fmt: skip
        return True
    return False


def latest_count(request: Request, candidates: list[Candidate]) -> list[Candidate]:
    penalty = request.settings.dated_penalty if asks_how_many(request.question) else 0.0
    if not penalty:
        return candidates
    for candidate in candidates:
        if dated_elsewhere(request.question, candidate.passage.text):
            candidate.rank -= penalty
    return candidates


def two_part_next_sentence(request: Request) -> list[Passage]:
    passages = request.passages
    if not asks_two_things(request.question, request.language) or len(passages) != 1:
        return passages
    following = request.view.following(passages[0])
    if following is None or request.withheld(following):
        return passages
    return [passages[0], following]


WITHHOLD_RULES = (
    Rule("withhold_instructions", "withhold", withhold_instructions,
         "passages that read like instructions to an assistant are not shown to the model"),
)  # fmt: skip
RANK_RULES = (
    Rule("latest_count", "rank", latest_count,
         "undated how-many questions rank passages dated to another month lower"),
)  # fmt: skip
CONTEXT_RULES = (
    Rule("two_part_next_sentence", "context", two_part_next_sentence,
         "two-part questions also get the next sentence of the best passage's paragraph"),
)  # fmt: skip
