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


def test_why_and_yes_no_probes_name_real_documents_and_real_evidence():
    """The why- and yes/no probes across eight documents (`why_min_score` is judged on
    them): every document exists, every answerable probe's evidence is in it, and each
    document has one answerable why- and one answerable yes/no probe, and two unanswerable."""
    from collections import Counter

    from bot.evaluation import gold_spans, load_set

    qset = load_set(ROOT / "tests" / "data" / "why-yesno-probes.jsonl")
    per_document: dict[str, Counter] = {}
    for case in qset.cases:
        path = qset.document_path(case, ARTICLE)
        shown = path.with_suffix(".extracted.txt") if path.suffix == ".html" else path
        text = shown.read_text(encoding="utf-8")
        per_document.setdefault(path.name, Counter())[case.kind] += 1
        if case.kind == "unanswerable":
            assert not case.evidence and not case.all, case.id
        else:
            assert case.kind in {"why", "yesno"}, case.id
            assert gold_spans(case, text), case.id
            for pattern in case.all:
                re.compile(pattern)
    assert len(per_document) == 8
    for kinds in per_document.values():
        assert kinds == Counter({"why": 1, "yesno": 1, "unanswerable": 2})
