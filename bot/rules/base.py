"""`Rule` and `RuleSet`: a rule's name, stage and function, and the enabled rules in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.request import Candidate, Request
    from bot.results import Answer
    from bot.extraction import Span
    from bot.writing import Writer
    from retrieval.search import Passage

STAGES = ("question", "withhold", "rank", "decide", "context", "spans", "repair")


@dataclass(frozen=True)
class Rule:
    name: str
    stage: str  # one of STAGES
    apply: Callable
    summary: str  # one line: what the rule does

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"rule {self.name}: unknown stage {self.stage!r}")


class RuleSet:
    """The enabled rules, in the order given, run stage by stage. Every rule that acts on a
    request (withholds a passage, changes a rank, the passages, or the answer) is named in
    the answer's `rules`: switching off a rule that did not act cannot change that answer,
    which is what makes measuring one rule cheap (`scripts/ablation.py`)."""

    def __init__(self, rules: Iterable[Rule], enabled: Sequence[str]) -> None:
        known = {rule.name: rule for rule in rules}
        unknown = [name for name in enabled if name not in known]
        if unknown:
            raise ValueError(f"unknown rules {', '.join(unknown)}; known: {', '.join(known)}")
        self.rules = [known[name] for name in enabled]

    @property
    def names(self) -> list[str]:
        return [rule.name for rule in self.rules]

    def _at(self, stage: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.stage == stage]

    def first_answer(self, stage: str, request: Request, writer: Writer) -> Answer | None:
        """The answer of the first `question` or `decide` rule that gives one, else None."""
        for rule in self._at(stage):
            answer = rule.apply(request, writer)
            if answer is not None:
                answer.rules.append(rule.name)
                return answer
        return None

    def withheld(self, passage: Passage, acted: list[str] | None = None) -> bool:
        """Whether a `withhold` rule keeps `passage` from the model; its name goes to `acted`."""
        for rule in self._at("withhold"):
            if rule.apply(passage):
                if acted is not None and rule.name not in acted:
                    acted.append(rule.name)
                return True
        return False

    def rank(self, request: Request, candidates: list[Candidate]) -> list[Candidate]:
        for rule in self._at("rank"):
            before = [c.rank for c in candidates]
            candidates = rule.apply(request, candidates)
            if [c.rank for c in candidates] != before:
                request.acted.append(rule.name)
        return sorted(candidates, key=lambda c: -c.rank)

    def context(self, request: Request) -> list[Passage]:
        for rule in self._at("context"):
            chosen = rule.apply(request)
            if chosen != request.passages:
                request.acted.append(rule.name)
            request.passages = chosen
        return request.passages

    def spans(self, request: Request, found: list[Span]) -> list[Span]:
        """The copied spans after every `spans` rule (extract style only)."""
        for rule in self._at("spans"):
            changed = rule.apply(request, found)
            if changed != found:
                request.acted.append(rule.name)
            found = changed
        return found

    def repair(self, request: Request, answer: Answer, writer: Writer) -> Answer:
        for rule in self._at("repair"):
            retried = request.retried
            repaired = rule.apply(request, answer, writer)
            if repaired is not answer:
                repaired.rules = [*answer.rules, rule.name]
                answer = repaired
            elif request.retried != retried:  # a correction turn that was not kept still used the one turn
                request.acted.append(rule.name)
        return answer
