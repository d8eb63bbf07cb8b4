"""Figures of an evaluation: per set, per kind of question, and over everything.

| figure | meaning |
|---|---|
| `passed` | questions that passed every check |
| `gold_citation` | answerable questions with gold support whose answer cites it |
| `refusal_accuracy` | questions declined exactly when they should be |
| `verbatim` | citations equal to the document's text at their offsets |
| `unfaithful` | judged answers that say what their passages do not (see `faithfulness`) |
| `unjudged` | answers with no verdict yet (new, or changed since they were judged) |
| `mistranslated` | judged labelled machine translations that change what the article says |
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from bot.evaluation.runner import Result


def stats(results: list[Result]) -> dict:
    answerable = [r for r in results if not r.case.declines and r.case.has_gold]
    answered = [r for r in results if r.answer.answered]
    judged = [r for r in answered if r.verdict is not None]
    unfaithful = [r for r in judged if not r.verdict.faithful]
    translated = [r for r in judged if r.verdict.translation is not None]
    mistranslated = [r for r in translated if r.verdict.translation == "unfaithful"]
    citations = sum(len(r.answer.citations) for r in results)
    return {
        "passed": sum(r.passed for r in results),
        "total": len(results),
        "gold_citation": _share(sum(r.score.cites_gold for r in answerable), len(answerable)),
        "refusal_accuracy": _share(sum(r.case.declines != r.answer.answered for r in results),
                                   len(results)),  # fmt: skip
        "verbatim": _share(sum(r.score.verbatim for r in results), citations),
        "answered": len(answered),
        "judged": len(judged),
        "unfaithful": len(unfaithful),
        "unfaithful_share": _share(len(unfaithful), len(judged)),
        "unjudged": len(answered) - len(judged),
        "translations": len(translated),
        "mistranslated": len(mistranslated),
        "median_s": round(statistics.median(r.seconds for r in results), 2) if results else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def grouped(results: list[Result], key) -> dict[str, dict]:
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    return {name: stats(rs) for name, rs in groups.items()}


def report(results: list[Result]) -> dict:
    return {
        "sets": grouped(results, lambda r: r.set),
        "kinds": grouped(results, lambda r: r.case.kind),
        "total": stats(results),
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def table(title: str, rows: dict[str, dict]) -> Iterable[str]:
    yield f"{title:<22} {'passed':>9} {'gold cit.':>9} {'refusal':>8} {'verbatim':>8} " \
          f"{'unfaithful':>11} {'mistransl.':>10} {'unjudged':>8} {'median':>7}"  # fmt: skip
    for name, s in rows.items():
        unfaithful = f"{s['unfaithful']}/{s['judged']}" if s["judged"] else "–"
        mistranslated = f"{s['mistranslated']}/{s['translations']}" if s["translations"] else "–"
        yield (f"{name:<22} {s['passed']:>4}/{s['total']:<4} {_pct(s['gold_citation']):>9} "
               f"{_pct(s['refusal_accuracy']):>8} {_pct(s['verbatim']):>8} {unfaithful:>11} "
               f"{mistranslated:>10} {s['unjudged']:>8} {s['median_s']:>6}s")  # fmt: skip


def text_report(results: list[Result]) -> str:
    figures = report(results)
    lines = [*table("set", figures["sets"]), "", *table("kind", figures["kinds"]), ""]
    lines += table("all", {"total": figures["total"]})
    changed = [r for r in results if r.answer.answered and r.verdict is None]
    if changed:
        lines += ["", f"{len(changed)} answers have no faithfulness verdict (new or changed):"]
        lines += [f"  {r.set}/{r.case.id}: {r.answer.answer[:100]}" for r in changed]
    return "\n".join(lines)
