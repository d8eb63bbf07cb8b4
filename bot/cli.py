"""The `articlebot` command line: a thin front end over `App` and the answering core.

Every command turns domain errors into one line on stderr (or `{"error": …}`
with `--json`) and a non-zero exit; a traceback is only shown with `--verbose`
(see `cli_common.edge`). The `models` sub-commands are in `cli_models`.

What this module does not do: build the app's parts (see `App.from_config`) or
configure logging beyond calling `logs.setup_logging` once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import State, edge, load_app, print_json
from bot.cli_models import models_app
from bot.errors import InputError
from bot.logs import setup_logging

app = typer.Typer(
    name="articlebot",
    help="Chat with news articles: cited answers from a local model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(models_app, name="models")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DocOpt = Annotated[
    list[str] | None, typer.Option("--doc", "-d", help="Only search this document id (repeatable).")
]


@app.callback()
def main(
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML settings file (or ARTICLEBOT_CONFIG).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    if config is not None:
        os.environ["ARTICLEBOT_CONFIG"] = str(config)
    State.verbose = verbose
    setup_logging(verbose)


def _print_answer(answer) -> None:
    print(answer.answer)
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] “{c.quote}” ({c.doc_id}, chars {c.start}–{c.end})")


# -- documents ---------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files (.txt, .md, .html).")] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Discard the index (even a corrupt one) first.")
    ] = False,
) -> None:
    """Add documents to the index (default: the bundled article)."""

    def body():
        report = load_app().ingest(paths, rebuild=rebuild)
        for doc_id in report.added:
            print(f"added {doc_id}")
        for doc_id in report.updated:
            print(f"updated {doc_id}")
        for doc_id in report.unchanged:
            print(f"unchanged {doc_id}")
        if report.changed:
            print(f"{report.chunks} passages indexed")

    edge(body)


@app.command()
def sources(as_json: JsonOpt = False) -> None:
    """List the ingested documents."""

    def body():
        docs = load_app().store.documents()
        if as_json:
            print_json({"documents": [d.__dict__ for d in docs]})
            return
        if not docs:
            print("no documents; run `articlebot ingest`")
        for d in docs:
            print(f"{d.doc_id}\t{d.lang}\t{d.chunks} passages\t{d.title}")

    edge(body, as_json=as_json)


@app.command()
def remove(doc_id: str) -> None:
    """Remove one document from the index."""

    def body():
        if not load_app().remove(doc_id):
            raise InputError(f"no document {doc_id!r}; `articlebot sources` lists them")
        print(f"removed {doc_id}")

    edge(body)


# -- asking ------------------------------------------------------------------------------


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in any supported language.")],
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the articles, with cited quotes."""

    def body():
        application = load_app()
        application.prepare()  # the LLM in a thread while the embedder loads
        answer = application.answerer.ask(question, doc_ids=doc or None)
        print_json(answer.to_dict()) if as_json else _print_answer(answer)

    edge(body, as_json=as_json)


@app.command()
def summarize(
    lang: Annotated[str | None, typer.Option("--lang", help="de, en, fr, es or it.")] = None,
    focus: Annotated[str | None, typer.Option("--focus", help="Only what it says about this.")] = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Summarise the articles (or what they say about --focus), with citations."""

    def body():
        from bot.language import SUPPORTED

        if lang is not None and lang not in SUPPORTED:
            raise InputError(f"unsupported language {lang!r}; use one of {', '.join(SUPPORTED)}")
        application = load_app()
        application.prepare()
        answer = application.answerer.summarize(language=lang, focus=focus, doc_ids=doc or None)
        print_json(answer.to_dict()) if as_json else _print_answer(answer)

    edge(body, as_json=as_json)


@app.command()
def quote(
    query: Annotated[str, typer.Argument(help="What the passage is about.")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many passages.")] = 3,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The best passages verbatim, with scores (retrieval only, no model)."""

    def body():
        app = load_app()
        hits = app.answerer.quote(query, k=k, doc_ids=doc or None)
        if as_json:
            print_json({"query": query, "results": [h.to_dict() for h in hits]})
            return
        if not hits:
            print("no documents; run `articlebot ingest`" if not app.store.documents()
                  else "no passage found")  # fmt: skip
        for i, h in enumerate(hits, 1):
            print(f"[{i}] {h.score:.3f} {h.doc_id} {h.start}-{h.end}\n    {h.quote}")

    edge(body, as_json=as_json)


@app.command()
def chat() -> None:
    """A conversation in the terminal."""
    from bot.chat import run_chat

    edge(lambda: run_chat(load_app()))


@app.command()
def serve() -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    from bot.discord.run import run_bot

    edge(lambda: run_bot(load_app()))


@app.command()
def run() -> None:
    """The main job: ingest the default article if needed, then the Discord bot when
    DISCORD_TOKEN is set, the terminal chat otherwise."""

    def body():
        application = load_app()
        report = application.ensure_ingested()
        if report is not None and report.changed:
            print(f"ingested {', '.join(report.added + report.updated)}", file=sys.stderr)
        if os.environ.get("DISCORD_TOKEN") or os.environ.get("DISCORD_TOKEN_FILE"):
            from bot.discord.run import run_bot

            run_bot(application)
        else:
            from bot.chat import run_chat

            print("DISCORD_TOKEN is not set: starting the terminal chat.", file=sys.stderr)
            run_chat(application)

    edge(body)


# -- measuring ----------------------------------------------------------------------------


@app.command("eval")
def evaluate(
    files: Annotated[list[Path] | None, typer.Argument(help="Question sets (JSON lines).")] = None,
    all_sets: Annotated[bool, typer.Option("--all", help="Every set of tests/data/question-sets.toml.")] = False,
    holdout: Annotated[bool, typer.Option("--holdout", help="With --all: the holdout sets too.")] = False,
    without: Annotated[str | None, typer.Option("--without", help="Rules to switch off: NAME[,NAME].")] = None,
    verdicts: Annotated[Path | None, typer.Option("--verdicts", help="Faithfulness verdicts file.")] = None,
    only: Annotated[str | None, typer.Option("--only", help="Only these questions: SET/ID[,SET/ID].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the figures.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run question sets over their documents and score them (per set and per kind)."""
    from bot.cli_eval import run_evaluation

    edge(lambda: run_evaluation(files or [], all_sets=all_sets, holdout=holdout, without=without,
                                only=only, verdicts=verdicts, quiet=quiet, as_json=as_json),
         as_json=as_json)  # fmt: skip


@app.command()
def bench(
    as_json: JsonOpt = False,
    rounds: Annotated[int, typer.Option(help="Questions of each kind.", min=1, max=20)] = 5,
) -> None:
    """Measure speed: quote, ask, first token, summary, cold start, memory."""
    from bot.bench import run_bench

    edge(lambda: run_bench(load_app, as_json=as_json, rounds=rounds), as_json=as_json)


@app.command("config")
def show_config() -> None:
    """Print the effective settings (no secrets)."""
    edge(lambda: print_json(load_app().settings.public_dict()))


# Commands that only read: once their output is written, the process ends at once.
# Tearing the interpreter down (torch's and Chroma's objects, the models) took 1.6 s after
# a one-shot `quote` had printed its passages; nothing of theirs needs it, and these
# commands write nothing that is not already on disk when they print.
QUICK_EXIT = frozenset({"ask", "quote", "summarize", "sources"})
_OPTIONS_WITH_VALUE = frozenset({"--config"})


def command_of(argv: list[str]) -> str | None:
    """The sub-command named in `argv` (the arguments after the program's name)."""
    args = iter(argv)
    for arg in args:
        if arg in _OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def quick_exit(code: object) -> None:
    """Ends the process with `code` without tearing the interpreter down: logs and the
    standard streams are flushed first, nothing else runs (no atexit, no finalizers)."""
    import logging

    if isinstance(code, str):
        print(code, file=sys.stderr)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else int(code is not None))


def entry() -> None:  # console script
    try:
        app()
    except SystemExit as done:
        if command_of(sys.argv[1:]) in QUICK_EXIT:
            quick_exit(done.code)
        raise


if __name__ == "__main__":
    entry()
