"""Answers per minute: the in-process model against a llama.cpp server with parallel slots.

One run, one machine, the same fixed questions (`bot.bench.ASK_QUESTIONS`, cycled to
`--count`) through the same `AnswerService` the Discord front end uses, all submitted
at once as a burst of users would:

1. in-process: `LlamaCppLLM` (one generation at a time), primed as `articlebot run` does;
2. server: the same GGUF behind an OpenAI-compatible server started here on loopback,
   with `ARTICLEBOT_LLM_PARALLEL=--parallel`. llama.cpp's `llama-server --parallel N`
   is used when found (on PATH or `--server-bin`); otherwise llama-cpp-python's
   `python -m llama_cpp.server`, which has no slots and so runs one at a time (the
   table says which one ran).

Both back ends get the same threads (`ARTICLEBOT_N_THREADS`) and the same per-request
context; each is warmed with one untimed round first (filling each slot's prompt
cache). They run one after the other, never together, and the server is always
stopped. Prints a table and one JSON line.

With `--mix N`, it measures the answer cache instead (in-process only): N questions as
a busy server gets them (`mixed_questions`): by default half of them are one of the 8
popular questions (`bot.bench.ASK_QUESTIONS`, the k-th most popular asked with weight
1/k, each typed a little differently: lower case, no question mark, extra spaces), the
other half questions asked once (our question sets about the article). The same
stream runs with the cache and without it; the table gives the hit rate, answers per
minute and the mean time of a hit.

The model is the one `articlebot models path` prints (the configured default);
`--model smollm2-135m-instruct-q4_1` makes a quick check. `--toy-embedder` uses the
tests' word-hash embedder instead of EmbeddingGemma (same retrieval for both runs).

    .venv/bin/python scripts/throughput.py                    # the real measurement
    .venv/bin/python scripts/throughput.py --model smollm2-135m-instruct-q4_1 \\
        --count 2 --toy-embedder                               # a plumbing check
    .venv/bin/python scripts/throughput.py --mix 60            # the answer cache's hit rate
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer_cache import cache_of  # noqa: E402
from bot.app import App  # noqa: E402
from bot.bench import ASK_QUESTIONS  # noqa: E402
from bot.llama_cpp_llm import LlamaCppLLM  # noqa: E402
from bot.llm import LLM  # noqa: E402
from bot.openai_llm import OpenAICompatibleLLM  # noqa: E402
from bot.service import AnswerService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from retrieval.offline import offline_environment  # noqa: E402
from tests.servers import Server  # noqa: E402


@dataclass
class Run:
    backend: str
    slots: int
    answers: int
    answered: int
    failed: int
    wall_s: float
    answers_per_min: float
    mean_latency_s: float
    completion_tokens: int

    @property
    def row(self) -> list[str]:
        return [self.backend, str(self.slots), str(self.answers), str(self.answered),
                str(self.failed), f"{self.wall_s:.1f}", f"{self.answers_per_min:.2f}",
                f"{self.mean_latency_s:.1f}", str(self.completion_tokens)]  # fmt: skip


async def _burst(app: App, questions: list[str]) -> tuple[float, list]:
    service = AnswerService(app.answerer, queue_size=max(20, len(questions)))

    async def timed(question: str):
        started = time.perf_counter()
        try:
            answer = await service.ask(question)
        except Exception as exc:  # counted, and the run goes on
            return time.perf_counter() - started, exc
        return time.perf_counter() - started, answer

    started = time.perf_counter()
    results = await asyncio.gather(*(timed(q) for q in questions))
    return time.perf_counter() - started, results


def measure(app: App, backend: str, questions: list[str], warmup: list[str]) -> Run:
    if warmup:
        asyncio.run(_burst(app, warmup))
    wall, results = asyncio.run(_burst(app, questions))
    answers = [r for _, r in results if not isinstance(r, Exception)]
    for _, r in results:
        if isinstance(r, Exception):
            print(f"  {backend}: failed: {r}", file=sys.stderr)
    return Run(
        backend=backend,
        slots=app.llm.max_concurrency,
        answers=len(questions),
        answered=sum(a.answered for a in answers),
        failed=len(results) - len(answers),
        wall_s=wall,
        answers_per_min=len(answers) / wall * 60,
        mean_latency_s=statistics.fmean(t for t, _ in results),
        completion_tokens=sum(a.generation.completion_tokens for a in answers if a.generation),
    )


LONG_TAIL_SETS = ["extra-questions.jsonl", "paraphrase-questions.jsonl", "probe-questions.jsonl"]


def mixed_questions(count: int, *, repeat_share: float = 0.5, seed: int = 7,
                    popular: list[str] | None = None, long_tail: list[str] | None = None) -> list[str]:  # fmt: skip
    """`count` questions as a busy server gets them: `repeat_share` of them one of the
    `popular` questions (the k-th most popular with weight 1/k, typed a little
    differently each time), the others asked once each (`long_tail`, in a shuffled
    order, cycled when there are too few). Deterministic for a `seed`."""
    popular = list(popular or ASK_QUESTIONS)
    long_tail = list(long_tail if long_tail is not None else _long_tail())
    rng = random.Random(seed)
    rng.shuffle(long_tail)
    weights = [1 / k for k in range(1, len(popular) + 1)]
    variants = [str, str.lower, lambda q: q.rstrip(" ?"), lambda q: "  " + q.replace(" ", "  ")]
    questions, tail = [], 0
    for _ in range(count):
        if rng.random() < repeat_share or not long_tail:
            question = rng.choices(popular, weights=weights)[0]
            questions.append(rng.choice(variants)(question))
        else:
            questions.append(long_tail[tail % len(long_tail)])
            tail += 1
    return questions


def _long_tail() -> list[str]:
    seen = set(ASK_QUESTIONS)
    questions = []
    for name in LONG_TAIL_SETS:
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and (q := json.loads(line)["q"]) not in seen:
                seen.add(q)
                questions.append(q)
    return questions


def measure_cache(app_with, model: Path, settings: Settings, questions: list[str]) -> dict:
    """The same stream in-process with the answer cache and without it."""
    runs = {}
    for label, size in (("cached", settings.answer_cache_size or 512), ("uncached", 0)):
        llm = LlamaCppLLM(model, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                          n_batch=settings.n_batch, seed=settings.seed,
                          temperature=settings.temperature, state_dir=None)  # fmt: skip
        app = app_with(llm, answer_cache_size=size)
        app.answerer.prime()
        run = measure(app, f"in-process, {label}", questions, [])
        cache = cache_of(app.answerer)
        hit_ms = None
        if size:
            started = time.perf_counter()
            app.answerer.ask(questions[0])  # asked before: a hit
            hit_ms = (time.perf_counter() - started) * 1000
        runs[label] = {"run": run, "hits": cache.hits, "misses": cache.misses, "hit_ms": hit_ms}
        del app, llm
        gc.collect()
    return runs


def server_command(args, model: Path, settings: Settings) -> tuple[str, list[str]]:
    binary = args.server_bin or shutil.which("llama-server")
    threads = str(settings.n_threads)
    if binary and args.server != "llama-cpp-python":
        # -c is shared by the slots: give each the context the in-process model has.
        return "llama-server", [
            binary, "-m", str(model), "--host", "127.0.0.1", "--port", "{port}",
            "-c", str(settings.n_ctx * args.parallel), "--parallel", str(args.parallel),
            "--threads", threads, "--threads-batch", threads, "-b", str(settings.n_batch),
        ]  # fmt: skip
    if args.server == "llama-server":
        sys.exit("llama-server not found; put it on PATH or pass --server-bin")
    return "llama-cpp-python", [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
        "--port", "{port}", "--n_ctx", str(settings.n_ctx), "--n_threads", threads,
        "--n_threads_batch", threads, "--n_batch", str(settings.n_batch),
        "--interrupt_requests", "False",
    ]  # fmt: skip


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="A manifest model name or a GGUF path (default: the "
                        "configured model, as `articlebot models path` prints it).")  # fmt: skip
    parser.add_argument("--count", type=int, default=len(ASK_QUESTIONS),
                        help="Questions per back end (the fixed list, cycled).")  # fmt: skip
    parser.add_argument("--parallel", type=int, default=2, help="Server slots (default 2).")
    parser.add_argument("--server", choices=["auto", "llama-server", "llama-cpp-python"],
                        default="auto", help="auto: llama-server when found, else "
                        "llama-cpp-python's server (one slot).")  # fmt: skip
    parser.add_argument("--server-bin", help="Path of llama.cpp's llama-server.")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the work folder (index, server log); print its path.")  # fmt: skip
    parser.add_argument("--mix", type=int, metavar="N",
                        help="Measure the answer cache on N questions of a realistic mix "
                        "(in-process only).")  # fmt: skip
    parser.add_argument("--repeat-share", type=float, default=0.5,
                        help="With --mix: the share of requests that repeat a popular question.")  # fmt: skip
    parser.add_argument("--toy-embedder", action="store_true",
                        help="The tests' word-hash embedder, not EmbeddingGemma.")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    offline_environment()

    base = Settings()
    work = Path(tempfile.mkdtemp(prefix="articlebot-throughput-"))
    overrides = {"data_dir": work / "data"}
    if args.model:
        overrides["llm_model"] = args.model
    settings = base.model_copy(update=overrides)
    model = App(settings).llm_path()  # exactly what `articlebot models path` prints
    questions = [ASK_QUESTIONS[i % len(ASK_QUESTIONS)] for i in range(args.count)]
    warmup = [ASK_QUESTIONS[-1 - i % len(ASK_QUESTIONS)] for i in range(args.parallel)]

    if args.toy_embedder:
        from tests.fakes import ToyEmbedder

        embedder = ToyEmbedder()
    else:
        embedder = App(settings).embedder
    indexer = App(settings, embedder=embedder, llm=_unused_llm())
    indexer.ingest()
    client = indexer.client

    def app_with(llm: LLM, **update) -> App:
        return App(settings.model_copy(update=update), llm=llm, embedder=embedder, client=client)

    if args.mix:
        mixed = mixed_questions(args.mix, repeat_share=args.repeat_share)
        print(f"model {model.name}, {len(mixed)} mixed questions, {settings.n_threads} threads",
              file=sys.stderr)  # fmt: skip
        result = measure_cache(app_with, model, settings, mixed)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        _print_cache(result, model=model.name, args=args, settings=settings)
        return 0
    print(f"model {model.name}, {args.count} questions, {settings.n_threads} threads",
          file=sys.stderr)  # fmt: skip
    runs = [_in_process_run(app_with, model, settings, questions, warmup)]
    kind, command = server_command(args, model, settings)
    runs.append(_server_run(app_with, kind, command, args, settings, work, questions, warmup))
    if args.keep:
        print(f"work folder kept: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    _print_runs(runs, model=model.name, args=args, settings=settings, kind=kind)
    return 0 if not any(r.failed for r in runs) else 1


def _in_process_run(app_with, model: Path, settings: Settings, questions, warmup) -> Run:
    in_process = LlamaCppLLM(
        model, n_ctx=settings.n_ctx, n_threads=settings.n_threads, n_batch=settings.n_batch,
        seed=settings.seed, temperature=settings.temperature, state_dir=None,
    )  # fmt: skip
    app = app_with(in_process)
    app.answerer.prime()
    run = measure(app, "in-process", questions, warmup[:1])
    del app, in_process
    gc.collect()
    return run


def _server_run(app_with, kind: str, command: list[str], args, settings: Settings, work: Path,
                questions, warmup) -> Run:  # fmt: skip
    server = Server(
        lambda port: [c.replace("{port}", str(port)) for c in command],
        ready_path="/v1/models", log_path=work / "server.log", start_timeout_s=300,
    )  # fmt: skip
    server.start()
    try:
        llm = OpenAICompatibleLLM(server.url + "/v1", max_concurrency=args.parallel,
                                  temperature=settings.temperature, seed=settings.seed)  # fmt: skip
        app = app_with(llm, llm_url=server.url + "/v1", llm_parallel=args.parallel)
        run = measure(app, f"{kind} server", questions, warmup)
        llm.close()
    finally:
        server.stop()
    return run


def _print_runs(runs: list[Run], *, model: str, args, settings: Settings, kind: str) -> None:
    header = ["backend", "slots", "questions", "answered", "failed", "wall s", "answers/min",
              "mean s", "tokens"]  # fmt: skip
    rows = [header] + [r.row for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    speedup = runs[1].answers_per_min / runs[0].answers_per_min if runs[0].answers_per_min else None
    print(json.dumps({
        "model": model, "questions": args.count, "threads": settings.n_threads,
        "parallel": args.parallel, "server": kind,
        "in_process": asdict(runs[0]), "server_run": asdict(runs[1]),
        "speedup": round(speedup, 2) if speedup else None,
    }, ensure_ascii=False))  # fmt: skip


def _print_cache(result: dict, *, model: str, args, settings: Settings) -> None:
    cached, uncached = result["cached"], result["uncached"]
    requests = cached["hits"] + cached["misses"]
    print(f"{requests} requests, {args.repeat_share:.0%} repeating a popular question: "
          f"{cached['hits']} answered from the cache ({cached['hits'] / max(1, requests):.0%}), "
          f"a hit in {cached['hit_ms']:.1f} ms")  # fmt: skip
    for label in ("cached", "uncached"):
        run = result[label]["run"]
        print(f"  {run.backend}: {run.answers_per_min:.1f} answers/min, mean {run.mean_latency_s:.1f} s "
              f"in the queue and answering, {run.failed} failed")  # fmt: skip
    print(json.dumps({
        "model": model, "threads": settings.n_threads, "questions": args.mix,
        "repeat_share": args.repeat_share, "hits": cached["hits"], "misses": cached["misses"],
        "hit_rate": round(cached["hits"] / max(1, requests), 3),
        "hit_ms": round(cached["hit_ms"], 2) if cached["hit_ms"] is not None else None,
        "cached": asdict(cached["run"]), "uncached": asdict(uncached["run"]),
    }, ensure_ascii=False))  # fmt: skip


def _unused_llm() -> LLM:
    """Indexing needs no model; fail loudly if something asks one."""
    from bot.llm import StreamingLLM

    class Unused(StreamingLLM):
        name = "unused"

        def _stream(self, *args, **kwargs):
            raise RuntimeError("indexing must not generate")

    return Unused()


if __name__ == "__main__":
    sys.exit(main())
