"""Faithfulness verdicts: read from their file, matched to the answer they judged, and
counted, with labelled machine translations counted apart from the answers."""

import json
from types import SimpleNamespace

import pytest

from bot.errors import InputError
from bot.evaluation import Verdicts, answer_hash
from bot.evaluation.report import stats

ANSWER = "„4.700 Verluste, darunter 600 Tote“ [1].\nMachine translation: 4,700 losses, 600 of them dead [1]."


def write(path, *verdicts):
    path.write_text("".join(json.dumps(v) + "\n" for v in verdicts), encoding="utf-8")
    return path


def verdict(id_, text, verdict="faithful", **extra):
    return {"set": "dev", "id": id_, "hash": answer_hash(text), "verdict": verdict, **extra}


def result(id_, text, verdicts):
    return SimpleNamespace(
        set="dev", case=SimpleNamespace(id=id_, declines=False, has_gold=True), seconds=1.0,
        answer=SimpleNamespace(answered=True, answer=text, citations=[]),
        score=SimpleNamespace(cites_gold=True, verbatim=0, passed=True), passed=True,
        verdict=verdicts.get("dev", id_, text),
    )  # fmt: skip


def test_a_verdict_holds_only_for_the_answer_it_judged(tmp_path):
    verdicts = Verdicts.load(write(tmp_path / "v.jsonl", verdict("D01", "4.700 [1].")))
    assert verdicts.get("dev", "D01", "4.700 [1].").faithful
    assert verdicts.get("dev", "D01", "600 [1].") is None  # the answer changed: unjudged
    assert verdicts.get("other", "D01", "4.700 [1].") is None


def test_labelled_translations_are_counted_apart_from_the_answers(tmp_path):
    path = write(tmp_path / "v.jsonl",
                 verdict("D01", ANSWER, translation="unfaithful"),
                 verdict("D02", "300 [1].", "unfaithful", error="other_figure"),
                 verdict("D03", "Lee [1].", translation=None))  # fmt: skip
    verdicts = Verdicts.load(path)
    results = [result("D01", ANSWER, verdicts), result("D02", "300 [1].", verdicts),
               result("D03", "Lee [1].", verdicts), result("D04", "new [1].", verdicts)]  # fmt: skip
    figures = stats(results)
    assert (figures["judged"], figures["unfaithful"], figures["unjudged"]) == (3, 1, 1)
    assert (figures["translations"], figures["mistranslated"]) == (1, 1)


@pytest.mark.parametrize(
    "line",
    [
        {"set": "dev", "id": "D01", "hash": "x", "verdict": "maybe"},
        {"set": "dev", "id": "D01", "hash": "x", "verdict": "faithful", "error": "typo"},
        {"set": "dev", "id": "D01", "hash": "x", "verdict": "faithful", "translation": "ok"},
        {"set": "dev", "id": "D01", "verdict": "faithful"},  # no hash
    ],
)
def test_a_malformed_verdict_is_a_clear_error(tmp_path, line):
    with pytest.raises(InputError, match=r"v\.jsonl:1"):
        Verdicts.load(write(tmp_path / "v.jsonl", line))
