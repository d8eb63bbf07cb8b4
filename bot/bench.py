"""`articlebot bench`: how fast articlebot is on this machine, measured, printed.

Runs a fixed mix of calls on the configured models and index: `/quote` lookups,
questions (`ask`), each followed by the same prompts through raw llama.cpp to see
what the pipeline adds, and summaries. Reports:

- quote_p50_ms: retrieval only, warm;
- ask_p50_s / ask_first_token_p50_s: a whole answer, and the first streamed text;
- summary_s: one uncached summary;
- cold_start_s: a fresh process, from its launch until it can answer (imports, models,
  primed prompt);
- peak_rss_mb: the larger of this process and the cold-start process;
- overhead_vs_llama: pipeline time / raw llama.cpp time for the same prompts and the
  same number of generated tokens, same cache conditions, each question's replay run
  right after it;
- tokens_per_s: generation speed (after the first token).

Timings live here and in the README, never in test assertions.

What this module does not do: build the app (the caller passes `App.from_config`) or
parse the command line (see `cli`).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import errors
from bot.answer_cache import cache_of
from bot.llm import Generation, Message

QUOTE_QUERIES = ["Feuerbestattung der Toten", "defence treaty", "Überraschungsoffensive im August",
                 "workers sent to Russia", "satellites"]  # fmt: skip
ASK_QUESTIONS = [
    "Wie viele nordkoreanische Soldaten wurden laut NIS getötet?",
    "How many North Korean workers were sent to Russia?",
    "Who thanked North Korea for its sacrifices?",
    "Wann unterzeichneten Kim und Putin den Verteidigungsvertrag?",
    "How large was the area Ukraine captured in August?",
    "Combien de soldats la Corée du Nord a-t-elle envoyés en mars ?",
    "What happened to the dead soldiers' remains?",
    "Welche Region soll Russland mit nordkoreanischer Hilfe zurückerobert haben?",
]


@dataclass
class Call:
    messages: list[Message]
    max_tokens: int
    stop: list[str]
    generation: Generation


class RecordingLLM:
    """Wraps an LLM and keeps every request and result, to replay them raw."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_concurrency = inner.max_concurrency
        self.calls: list[Call] = []

    def generate(self, messages, *, max_tokens, stop=(), timeout_s=60.0, on_text=None):
        generation = self.inner.generate(messages, max_tokens=max_tokens, stop=stop,
                                         timeout_s=timeout_s, on_text=on_text)  # fmt: skip
        self.calls.append(Call(list(messages), max_tokens, list(stop), generation))
        return generation

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _p50(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start() -> dict:
    """Starts a fresh process that builds the app, loads both models, primes the prompt
    and answers one quote; returns its own measurement. A setup error in that process
    (models not installed, an index locked) is raised here as the same error."""
    launched = time.time()
    result = subprocess.run([sys.executable, "-c", "from bot.bench import _probe; _probe()"],
                            capture_output=True, text=True, env=os.environ.copy())  # fmt: skip
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if "error" in report:
        raise getattr(errors, report["kind"], errors.ArticlebotError)(report["error"])
    if result.returncode != 0 or not report:
        raise RuntimeError(f"cold-start probe failed: {result.stderr.strip()[-300:]}")
    # From the moment this process launched the probe to the moment the probe was ready,
    # on one clock. (The process's own start time from psutil is derived from the boot
    # time, which Linux gives in whole seconds: it read up to a second early.)
    report["cold_start_s"] = report.pop("ready_at") - launched
    return report


def _probe() -> None:
    """The cold-start process: ready to answer, then one JSON line on stdout."""
    try:
        primed = _ready()
    except errors.USER_ERRORS as exc:
        print(json.dumps({"error": str(exc), "kind": type(exc).__name__}))
        sys.exit(1)
    print(json.dumps({"ready_at": time.time(), "prime_s": primed,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))  # fmt: skip


def _ready() -> float:
    """What a fresh process does before it can answer (used by the cold-start probe)."""
    from bot.app import App
    from bot.logs import setup_logging

    setup_logging(False)
    app = App.from_config()
    app.prepare()
    app.ensure_ingested()
    primed = app.answerer.prime()
    app.answerer.quote("ready")
    return primed


def run_bench(new_app: Callable, *, as_json: bool = False, rounds: int = 5) -> dict:
    """Measures and prints (a table, or one JSON line); `new_app()` builds the `App`."""
    started = time.perf_counter()
    _say("bench: cold start in a fresh process…")
    cold = cold_start()

    _say("bench: loading the models…")
    app = new_app()
    app.prepare()  # as the bot starts: both models at once, then freed memory handed back
    app.ensure_ingested()
    # The recorder goes in before the answerer is built: its writer and translator keep
    # the model they were given.
    recorder = RecordingLLM(app.llm)
    app.llm = recorder
    answerer = app.answerer
    _say("bench: priming the prompt…")
    answerer.prime()

    quote_ms = _quote_ms(app, rounds)
    ask_s, first_s, answered, raw_s = _asks(app, recorder, rounds)
    ask_calls = list(recorder.calls)

    _say("bench: one summary (uncached)…")
    t = time.perf_counter()
    answerer.summarize(language="en", focus=None)
    summary_s = time.perf_counter() - t

    overhead = sum(ask_s) / raw_s if raw_s else None
    generated = [c.generation for c in ask_calls if c.generation.completion_tokens > 1]
    decode_s = sum(g.total_s - (g.first_token_s or 0.0) for g in generated)
    decode_tokens = sum(g.completion_tokens - 1 for g in generated)
    prompt_eval = [g.timings.get("prompt_eval_s") for g in generated if g.timings.get("prompt_eval_s")]
    report = {
        "quote_p50_ms": round(_p50(quote_ms), 1),
        "ask_p50_s": round(_p50(ask_s), 2),
        "ask_first_token_p50_s": round(_p50(first_s), 2) if first_s else None,
        "summary_s": round(summary_s, 2),
        "cold_start_s": round(cold["cold_start_s"], 2),
        "peak_rss_mb": round(max(_rss_mb(), cold["rss_mb"]), 0),
        "overhead_vs_llama": round(overhead, 3) if overhead else None,
        "tokens_per_s": round(decode_tokens / decode_s, 1) if decode_s else None,
        "prompt_eval_p50_s": round(_p50(prompt_eval), 2) if prompt_eval else None,
        "asks": len(ask_s),
        "answered": answered,
        "llm_calls": len(ask_calls),
        "raw_llama_s": round(raw_s, 2) if raw_s else None,
        "model": app.settings.llm_model if not app.settings.llm_url else app.settings.llm_url,
        "threads": app.settings.n_threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if as_json:
        print(json.dumps(report))
    else:
        _print_table(report)
    return report


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _quote_ms(app, rounds: int) -> list[float]:
    """Milliseconds of each `/quote` lookup, with a real query encode each time."""
    _say(f"bench: {len(QUOTE_QUERIES) * rounds} quote lookups…")
    answerer = app.answerer
    answerer.quote("warm up")
    clear = getattr(app.embedder, "clear_cache", lambda: None)
    quote_ms = []
    for _ in range(rounds):
        for query in QUOTE_QUERIES:
            clear()  # measure the real encode, not the query-vector cache
            t = time.perf_counter()
            answerer.quote(query)
            quote_ms.append((time.perf_counter() - t) * 1000)
    return quote_ms


def _asks(app, recorder: RecordingLLM, rounds: int) -> tuple[list[float], list[float], int, float]:
    """Seconds of each question, seconds to its first text, how many were answered, and
    raw llama.cpp seconds for the same prompts."""
    answerer = app.answerer
    questions = (ASK_QUESTIONS * ((rounds + len(ASK_QUESTIONS) - 1) // len(ASK_QUESTIONS)))
    questions = questions[: max(rounds, len(ASK_QUESTIONS))]
    ask_s, first_s, answered, raw_s = [], [], 0, 0.0
    for i, question in enumerate(questions, 1):
        _say(f"bench: ask {i}/{len(questions)}: {question}")
        first: list[float] = []
        before = len(recorder.calls)
        cache_of(answerer).clear()  # a repeated question is measured, not remembered
        t = time.perf_counter()
        answer = answerer.ask(question, on_text=lambda _text: first.append(time.perf_counter()))
        ask_s.append(time.perf_counter() - t)
        if first:
            first_s.append(first[0] - t)
        answered += answer.answered
        # The same prompts through raw llama.cpp right after, so that both sides of the
        # ratio see the same machine: on a shared VM, speed drifts by 10-20% over minutes.
        raw_s += _raw_llama_seconds(app, recorder.calls[before:]) or 0.0
    return ask_s, first_s, answered, raw_s


def _raw_llama_seconds(app, calls: list[Call]) -> float | None:
    """Raw llama.cpp seconds for the same prompts and token counts as `calls`; None when
    the model is not in this process (a llama.cpp server).

    Each replay starts from the same primed prefix state, as the pipeline's calls do."""
    llm = app.llm
    if not getattr(llm, "loaded", False) or not calls:
        return None
    return sum(
        llm.raw_completion_s(call.messages, max_tokens=max(1, call.generation.completion_tokens),
                             stop=call.stop)  # fmt: skip
        for call in calls
    )


def _print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    targets = {"quote_p50_ms": "≤ 150", "ask_p50_s": "≤ 6", "ask_first_token_p50_s": "≤ 2",
               "cold_start_s": "≤ 8", "peak_rss_mb": "≤ 2560", "overhead_vs_llama": "≤ 1.10"}  # fmt: skip
    table = Table(title=f"articlebot bench — {time.strftime('%Y-%m-%d')} — {report['machine']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    for key, value in report.items():
        if key == "machine":
            continue
        table.add_row(key, str(value), targets.get(key, ""))
    Console().print(table)
