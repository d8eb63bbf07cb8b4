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

The model is the one `articlebot models path` prints (the configured default);
`--model smollm2-135m-instruct-q4_1` makes a quick check. `--toy-embedder` uses the
tests' word-hash embedder instead of EmbeddingGemma (same retrieval for both runs).

    .venv/bin/python scripts/throughput.py                    # the real measurement
    .venv/bin/python scripts/throughput.py --model smollm2-135m-instruct-q4_1 \\
        --count 2 --toy-embedder                               # a plumbing check
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
