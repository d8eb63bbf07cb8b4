"""What each rule is worth: every set with and without it, from one full run.

    .venv/bin/articlebot eval --all --json > base.json
    .venv/bin/python scripts/ablation.py base.json [--rules a,b] [--keep DIR] > ablation.json

A rule that did not act on a question (did not withhold, re-rank, choose passages or
change the answer: the answer's `rules` list says which did) cannot change that answer
when it is switched off, because the pipeline is deterministic. So for each rule only
the questions it acted on are asked again without it (`articlebot eval --without RULE
--only …`), and the figures per set are the base run's with those answers replaced.
Prints a JSON table: rule -> set -> passed with, passed without. With `--keep DIR`, each
rule's answers without it are kept as `DIR/RULE.json` (the `eval --json` output), to
judge what they say.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="`articlebot eval --json` output with every rule on")
    parser.add_argument("--rules", help="only these rules (comma-separated)")
    parser.add_argument("--keep", type=Path, help="keep each rule's answers without it here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    base = json.loads(args.base.read_text(encoding="utf-8"))
    acted: dict[str, list[dict]] = defaultdict(list)
    for result in base["results"]:
        for rule in result["rules"]:
            acted[rule].append(result)
    wanted = args.rules.split(",") if args.rules else base["rules"]
    sets = {r["set"]: r for r in base["results"]}
    table = {}
    for rule in wanted:
        table[rule] = _measure(rule, acted.get(rule, []), base, args.keep)
        print(f"{rule}: acted on {len(acted.get(rule, []))}", file=sys.stderr)
    json.dump({"sets": sorted(sets), "table": table}, sys.stdout, indent=1)


def _measure(rule: str, affected: list[dict], base: dict, keep: Path | None) -> dict:
    per_set = defaultdict(lambda: {"with": 0, "without": 0, "total": 0})
    for r in base["results"]:
        per_set[r["set"]]["with"] += r["passed"]
        per_set[r["set"]]["without"] += r["passed"]
        per_set[r["set"]]["total"] += 1
    if not affected:
        if keep:  # no answers without it: none from an earlier run either
            (keep / f"{rule}.json").unlink(missing_ok=True)
        return dict(per_set)
    files = sorted({r["file"] for r in affected})
    only = ",".join(f"{r['set']}/{r['id']}" for r in affected)
    command = [sys.executable, "-m", "bot.cli", "eval", *files, "--without", rule, "--only", only,
               "--json"]  # fmt: skip
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    if keep:
        (keep / f"{rule}.json").write_text(out, encoding="utf-8")
    rerun = {(r["set"], r["id"]): r for r in json.loads(out)["results"]}
    for r in affected:
        again = rerun[(r["set"], r["id"])]
        per_set[r["set"]]["without"] += int(again["passed"]) - int(r["passed"])
    return dict(per_set)


if __name__ == "__main__":
    main()
