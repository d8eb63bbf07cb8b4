"""Rules that wrap the model: named, ordered, and each one switchable.

A rule is a small unit with one job, run at one stage of a question's way through
`Answerer.ask`:

| stage | runs | a rule |
|---|---|---|
| `question` | after routing, before retrieval | may decline (`Answer`) or pass (`None`) |
| `withhold` | on every passage found | True keeps the passage from the model |
| `rank` | on the candidates, best first | adjusts their ranking scores |
| `decide` | after retrieval, before the model | may answer or decline without the model |
| `context` | before the model | chooses the passages the model is shown |
| `spans` | after the model copied words (extract) | may change the copied spans |
| `repair` | after the reply is grounded | may replace the answer |

`Settings.rules` lists the rules that run, in order (all of `RULES` by default);
`articlebot eval --without NAME` runs a question set without some, to measure what
each is worth. Each rule's module documents what it fixes and what it costs.
"""

from __future__ import annotations

from bot.rules.base import Rule, RuleSet
from bot.rules.declines import DECIDE_RULES, QUESTION_RULES
from bot.rules.repairs import REPAIR_RULES
from bot.rules.retrieval import CONTEXT_RULES, RANK_RULES, WITHHOLD_RULES
from bot.rules.spans import SPAN_RULES

RULES: tuple[Rule, ...] = (
    *QUESTION_RULES, *WITHHOLD_RULES, *RANK_RULES, *DECIDE_RULES, *CONTEXT_RULES, *SPAN_RULES,
    *REPAIR_RULES,
)
RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES)

__all__ = ["RULES", "RULE_NAMES", "Rule", "RuleSet"]
