"""The body of `articlebot eval`: which sets, which rules, and how the results are shown."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from bot.cli_common import load_app, print_json
from bot.errors import InputError
from bot.settings import PROJECT_ROOT

SETS_FILE = PROJECT_ROOT / "tests" / "data" / "question-sets.toml"
VERDICTS_FILE = PROJECT_ROOT / "tests" / "data" / "faithfulness.jsonl"


def registered_sets(*, holdout: bool) -> list[Path]:
    if not SETS_FILE.exists():
        raise InputError(f"{SETS_FILE} is missing; name the question sets instead of --all")
    with SETS_FILE.open("rb") as fh:
        listed = tomllib.load(fh)
    names = listed.get("sets", []) + (listed.get("holdout", []) if holdout else [])
    return [(SETS_FILE.parent / name).resolve() for name in names]


def run_evaluation(files: list[Path], *, all_sets: bool, holdout: bool, without: str | None,
                   only: str | None = None, verdicts: Path | None, quiet: bool,
                   as_json: bool) -> None:  # fmt: skip
    from bot.evaluation import Evaluator, Verdicts, load_set, report, text_report

    paths = [*files, *(registered_sets(holdout=holdout) if all_sets else [])]
    if not paths:
        raise InputError("name a question set, or use --all")
    sets = [load_set(path) for path in paths]
    if only:
        wanted = {item.strip() for item in only.split(",") if item.strip()}
        for qset in sets:
            qset.cases = [c for c in qset.cases if f"{qset.name}/{c.id}" in wanted]
        sets = [qset for qset in sets if qset.cases]
    app = load_app()
    if without:
        off = [name.strip() for name in without.split(",") if name.strip()]
        unknown = [name for name in off if name not in app.settings.rules]
        if unknown:
            raise InputError(f"--without: {', '.join(unknown)} is not a rule in use; "
                             f"the rules are {', '.join(app.settings.rules)}")  # fmt: skip
        app.settings = app.settings.model_copy(
            update={"rules": [r for r in app.settings.rules if r not in off]})
    judged = Verdicts.load(verdicts or (VERDICTS_FILE if VERDICTS_FILE.exists() else None))
    progress = None if quiet else (_tick if as_json else _show)
    evaluator = Evaluator(app, default_document=app.settings.default_documents[0], verdicts=judged,
                          progress=progress)  # fmt: skip
    results = [result for qset in sets for result in evaluator.run(qset)]
    if as_json:
        print_json({**report(results), "rules": app.settings.rules,
                    "results": [r.to_dict() for r in results]})  # fmt: skip
    else:
        print(f"\nrules: {', '.join(app.settings.rules)}\n" if without else "")
        print(text_report(results))


def _tick(result) -> None:
    """One line on stderr per question, so a long JSON run shows it is moving."""
    mark = "PASS" if result.passed else "FAIL"
    print(f"{mark} {result.set}/{result.case.id} {result.seconds:.1f}s", file=sys.stderr, flush=True)


def _show(result) -> None:
    mark = "PASS" if result.passed else "FAIL"
    print(f"{mark} {result.set}/{result.case.id} {result.case.kind:<13} {result.seconds:5.1f}s  "
          f"{result.case.q}")  # fmt: skip
    print(f"     -> {result.answer.answer}")
    for c in result.answer.citations:
        print(f"        [{c.n}] {c.start}-{c.end}: {c.quote[:90]}")
    for reason in result.score.reasons:
        print(f"     !! {reason}")
