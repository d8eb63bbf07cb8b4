"""Scoring one answer against its question's expectations.

An answerable question passes when it is answered in the question's language, holds
one of the `answers` (compared with case, spacing, punctuation and number formats
normalised: "5.500.000" matches "5,500,000"), matches the regexes, and cites a passage
overlapping the gold support. A declining kind passes when it is declined. Every
citation must be verbatim: the document's text at its offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.citations import strip_markers
from bot.evaluation.cases import Case
from bot.language import LanguageDetector
from bot.numbers import NUMBER, normalise_number
from bot.results import Answer

_QUOTED = re.compile(r"„[^“]*“|“[^”]*”|«[^»]*»|\[\d+\]")


@dataclass
class Score:
    reasons: list[str] = field(default_factory=list)
    cites_gold: bool = False
    verbatim: int = 0

    @property
    def passed(self) -> bool:
        return not self.reasons


def normalise(text: str) -> str:
    """Lower case, figures as digits only, punctuation and extra spaces gone."""
    text = strip_markers(text).lower().replace("\u00ad", "")
    text = NUMBER.sub(lambda m: normalise_number(m.group()).replace(".", "d"), text)
    text = re.sub(r"[^\w%]+", " ", text)
    text = re.sub(r"\s+%", "%", text)
    return f" {text.strip()} "


def holds_answer(text: str, answers: list[str]) -> bool:
    """Whether `text` contains one of `answers` as whole words, after `normalise`."""
    said = normalise(text)
    return any(normalise(a) in said for a in answers if a.strip())


def score(case: Case, answer: Answer, text: str, spans: list[tuple[int, int]],
          detector: LanguageDetector, doc_id: str | None = None) -> Score:  # fmt: skip
    """`text` is the document's text; `spans` where it supports the answer."""
    result = Score()
    reasons = result.reasons
    if case.declines:
        if answer.answered:
            reasons.append("answered, should have declined")
    elif not answer.answered:
        reasons.append(f"declined ({answer.reason})")
    elif case.answers and not holds_answer(answer.answer, case.answers):
        reasons.append(f"holds none of {case.answers}")
    _match_patterns(case, answer.answer, reasons)
    if len(answer.citations) < case.min_citations:
        reasons.append(f"{len(answer.citations)} citations, need {case.min_citations}")
    if case.quote_contains and not any(case.quote_contains in c.quote for c in answer.citations):
        reasons.append(f"no quote contains {case.quote_contains!r}")
    for c in answer.citations:
        if doc_id is not None and c.doc_id != doc_id:
            continue
        if c.quote and text[c.start : c.end] == c.quote:
            result.verbatim += 1
        else:
            reasons.append(f"quote [{c.n}] is not verbatim")
        if any(c.start < end and start < c.end for start, end in spans):
            result.cites_gold = True
    if spans and not case.declines and answer.answered and not result.cites_gold:
        reasons.append("no citation on the gold support")
    if answer.answered or case.declines:
        _check_language(case, answer, detector, reasons)
    return result


def _match_patterns(case: Case, text: str, reasons: list[str]) -> None:
    for pattern in case.all:
        if not re.search(pattern, text, re.IGNORECASE):
            reasons.append(f"missing /{pattern}/")
    if case.atleast:
        need, patterns = case.atleast
        hits = sum(bool(re.search(p, text, re.IGNORECASE)) for p in patterns)
        if hits < need:
            reasons.append(f"matched {hits} of at least {need} of {patterns}")
    for pattern in case.none:
        if re.search(pattern, text, re.IGNORECASE):
            reasons.append(f"must not match /{pattern}/")


def _check_language(case: Case, answer: Answer, detector: LanguageDetector, reasons: list[str]) -> None:
    """The answer's own words (quotes of the article left out) are in the question's language."""
    got = detector.detect(_QUOTED.sub(" ", answer.answer), hint=answer.language)
    if got != case.lang and answer.language != case.lang:
        reasons.append(f"answered in {got}, asked in {case.lang}")
    elif answer.language != case.lang:
        reasons.append(f"question detected as {answer.language}, not {case.lang}")
