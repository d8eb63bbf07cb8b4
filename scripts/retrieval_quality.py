"""Retrieval quality of the embedder in float32 and in a smaller form, on every question set.

    .venv/bin/python scripts/retrieval_quality.py                    # float32 and bfloat16
    .venv/bin/python scripts/retrieval_quality.py --dtype float32 --json out.json

Retrieval only, no LLM: for each set of `tests/data/question-sets.toml` (the holdout sets
too), its documents are ingested with the embedder in that form, and every question with
a gold passage is searched in its document. hit@1 / hit@3: the first / one of the first
three passages overlaps the gold. Also prints the median query time (encode and search)
of each form. Nothing is asserted: read the table (the README
records one run).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def ranks(embedder, base_settings, sets: list[Path]) -> tuple[list[dict], list[float]]:
    """One row per question with a gold passage: set, id, rank of the gold (None: not in
    the first 10); and the seconds of each query."""
    from bot.app import App
    from bot.evaluation import gold_spans, load_set
    from retrieval.chroma_client import forget_chroma_system
    from retrieval.documents import make_doc_id

    rows, seconds = [], []
    default = base_settings.default_documents[0]
    for path in sets:
        qset = load_set(path)
        with tempfile.TemporaryDirectory() as tmp:
            settings = base_settings.model_copy(update={"data_dir": Path(tmp),
                                                        "collection_prefix": "quality"})  # fmt: skip
            app = App(settings, embedder=embedder)
            app.ingest(qset.documents(default))
            for case in qset.cases:
                doc_id = make_doc_id(qset.document_path(case, default))
                spans = gold_spans(case, app.searcher.document(doc_id).text)
                if not spans:
                    continue
                embedder.clear_cache()
                started = time.perf_counter()
                hits = app.searcher.search(case.q, 10, doc_ids=[doc_id])
                seconds.append(time.perf_counter() - started)
                rank = next((i for i, p in enumerate(hits, 1)
                             if any(p.start < e and s < p.end for s, e in spans)), None)  # fmt: skip
                rows.append({"set": qset.name, "id": case.id, "rank": rank})
            done = [r for r in rows if r["set"] == qset.name]
            print(f"  {qset.name}: hit@1 {sum(r['rank'] == 1 for r in done)}/{len(done)}",
                  file=sys.stderr, flush=True)  # fmt: skip
            del app
            forget_chroma_system(settings.chroma_path)
    return rows, seconds


def table(rows: list[dict]) -> dict[str, dict]:
    """hit@1 and hit@3 per set and in all."""
    out: dict[str, dict] = {}
    for name in [*dict.fromkeys(r["set"] for r in rows), "all"]:
        mine = [r for r in rows if name == "all" or r["set"] == name]
        out[name] = {"questions": len(mine),
                     "hit@1": sum(r["rank"] == 1 for r in mine),
                     "hit@3": sum(r["rank"] is not None and r["rank"] <= 3 for r in mine)}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", action="append", choices=["float32", "bfloat16"],
                        help="Forms to measure (repeatable; default both).")  # fmt: skip
    parser.add_argument("--json", type=Path, help="Also write every rank to this file.")
    args = parser.parse_args()

    from bot.app import App
    from bot.cli_eval import registered_sets
    from bot.settings import Settings
    from retrieval.offline import offline_environment

    offline_environment()
    base = Settings()
    sets = registered_sets(holdout=True)
    results = {}
    for dtype in args.dtype or ["float32", "bfloat16"]:
        print(f"{dtype}:", file=sys.stderr, flush=True)
        embedder = App(base.model_copy(update={"embed_dtype": dtype})).embedder
        embedder.load()
        rows, seconds = ranks(embedder, base, sets)
        results[dtype] = {"sets": table(rows), "rows": rows,
                          "query_ms_p50": round(statistics.median(seconds) * 1000, 1)}  # fmt: skip
        del embedder
        gc.collect()
    names = list(next(iter(results.values()))["sets"])
    print(f"{'set':28s}" + "".join(f"{d + ' hit@1/@3':>24s}" for d in results))
    for name in names:
        cells = [results[d]["sets"][name] for d in results]
        print(f"{name:28s}" + "".join(f"{c['hit@1']:>11d}/{c['hit@3']:<3d} of {c['questions']:<5d}"
                                      for c in cells))  # fmt: skip
    for dtype, result in results.items():
        print(f"{dtype}: query p50 {result['query_ms_p50']} ms")
    changed = []
    if len(results) == 2:
        a, b = (results[d]["rows"] for d in results)
        changed = [(x["set"], x["id"], x["rank"], y["rank"]) for x, y in zip(a, b, strict=True)
                   if x["rank"] != y["rank"]]  # fmt: skip
        print(f"questions whose gold rank differs: {changed or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
