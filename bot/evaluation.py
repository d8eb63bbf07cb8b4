"""`articlebot eval`: run a question set and score it, per question and overall.

The question format is `../shared/corpus/README.md`'s: regexes that must (`all`,
`atleast`) or must not (`none`) match the answer, a least number of citations,
a string one quote must contain, and gold line numbers of the article that one
citation must fall on. Declining kinds (`unanswerable`, `injection`) must come
back with `answered: false`; the answer must be in the question's language.

Besides the pass count it reports citation precision (citations on a gold line),
citation recall (answerable questions with a gold citation), refusal accuracy
and the verbatim rate (quotes equal to the document at their offsets).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering import Answerer
from bot.results import Answer
from bot.errors import InputError
from bot.language import LanguageDetector

DECLINING = {"unanswerable", "injection"}


@dataclass
class Case:
    id: str
    lang: str
    kind: str
    q: str
    all: list[str] = field(default_factory=list)
    atleast: list | None = None
    none: list[str] = field(default_factory=list)
    min_citations: int = 0
    quote_contains: str | None = None
    gold: list[int] = field(default_factory=list)


@dataclass
class Result:
    case: Case
    answer: Answer
    seconds: float
    reasons: list[str]
    gold_hits: int
    verbatim: int

    @property
    def passed(self) -> bool:
        return not self.reasons


def load_cases(path: Path) -> list[Case]:
    if not Path(path).exists():
        raise InputError(f"question set {path} does not exist; check the path")
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(Case(**{k: v for k, v in raw.items() if k in Case.__dataclass_fields__}))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{path}:{number} is not a valid question ({exc})") from None
    return cases


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def score(case: Case, answer: Answer, article: str, detector: LanguageDetector,
          doc_id: str | None) -> tuple[list[str], int, int]:  # fmt: skip
    reasons = []
    text = answer.answer
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
    if case.kind in DECLINING:
        if answer.answered:
            reasons.append("answered, should have declined")
    elif not answer.answered:
        reasons.append(f"declined ({answer.reason})")
    if len(answer.citations) < case.min_citations:
        reasons.append(f"{len(answer.citations)} citations, need {case.min_citations}")
    if case.quote_contains and not any(case.quote_contains in c.quote for c in answer.citations):
        reasons.append(f"no quote contains {case.quote_contains!r}")
    verbatim = 0
    gold_hits = 0
    for c in answer.citations:
        if c.quote and c.quote in article and article[c.start : c.end] == c.quote:
            verbatim += 1
        elif doc_id is None or c.doc_id == doc_id:
            reasons.append(f"quote [{c.n}] is not verbatim")
        if (doc_id is None or c.doc_id == doc_id) and line_of(article, c.start) in case.gold:
            gold_hits += 1
    if case.gold and case.kind not in DECLINING and answer.answered and gold_hits == 0:
        reasons.append(f"no citation on gold line(s) {case.gold}")
    got = detector.detect(re.sub(r"\[\d+\]|„[^“]*“|“[^”]*”|«[^»]*»", " ", text), hint=answer.language)
    if got != case.lang and answer.language != case.lang:
        reasons.append(f"answered in {got}, asked in {case.lang}")
    elif answer.language != case.lang:
        reasons.append(f"question detected as {answer.language}, not {case.lang}")
    return reasons, gold_hits, verbatim


def run_eval(
    cases: list[Case],
    answerer: Answerer,
    *,
    article: str,
    doc_id: str | None,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    results = []
    for case in cases:
        started = time.perf_counter()
        try:
            answer = answerer.ask(case.q)
        except InputError as exc:
            answer = Answer.decline(question=case.q, language=case.lang, text=str(exc), reason="input")
        seconds = time.perf_counter() - started
        reasons, gold_hits, verbatim = score(case, answer, article, answerer.detector, doc_id)
        result = Result(case, answer, seconds, reasons, gold_hits, verbatim)
        results.append(result)
        if progress:
            progress(result)
    return results


def summary(results: list[Result]) -> dict:
    citations = sum(len(r.answer.citations) for r in results)
    on_gold = sum(r.gold_hits for r in results if r.case.gold)
    cited_gold_cases = [r for r in results if r.case.gold and r.case.kind not in DECLINING]
    answerable = [r for r in results if r.case.kind not in DECLINING]
    right_refusals = sum((r.case.kind in DECLINING) != r.answer.answered for r in results)
    gold_citations = sum(len(r.answer.citations) for r in results if r.case.gold)
    return {
        "passed": sum(r.passed for r in results),
        "total": len(results),
        "citation_precision": round(on_gold / gold_citations, 3) if gold_citations else None,
        "citation_recall": round(
            sum(r.gold_hits > 0 for r in cited_gold_cases) / len(cited_gold_cases), 3
        ) if cited_gold_cases else None,  # fmt: skip
        "refusal_accuracy": round(right_refusals / len(results), 3) if results else None,
        "verbatim_rate": round(sum(r.verbatim for r in results) / citations, 3)
        if citations else None,  # fmt: skip
        "answered_rate": round(sum(r.answer.answered for r in answerable) / len(answerable), 3)
        if answerable else None,  # fmt: skip
        "median_s": round(statistics.median(r.seconds for r in results), 2) if results else None,
        "max_s": round(max(r.seconds for r in results), 2) if results else None,
    }
