"""Our own question sets stay usable by `articlebot eval`: valid cases, real gold lines."""

import re

import pytest

from bot.evaluation import load_cases
from tests.conftest import ARTICLE, ROOT

KINDS = {"fact", "who", "temporal", "list", "multi", "summary", "quote", "unanswerable",
         "false_premise", "injection"}  # fmt: skip
LINES = ARTICLE.read_text(encoding="utf-8").count("\n") + 1


@pytest.mark.parametrize(
    "name",
    ["extra-questions.jsonl", "why-questions.jsonl", "paraphrase-questions.jsonl", "probe-questions.jsonl"],
)
def test_question_set_is_valid(name):
    cases = load_cases(ROOT / "tests" / "data" / name)
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.kind in KINDS, case.id
        assert case.lang in {"de", "en", "fr"}, case.id
        assert all(1 <= line <= LINES for line in case.gold), case.id
        assert bool(case.gold) == (case.kind not in {"unanswerable", "injection"}), case.id
        for pattern in [*case.all, *case.none, *(case.atleast[1] if case.atleast else [])]:
            re.compile(pattern)
