"""What every `articlebot` command shares: the error edge, JSON output, the app.

`edge` runs a command body: an error meant for the user (`USER_ERRORS`) becomes
one line on stderr (or `{"error": …}` with `--json`) and its exit code; anything
else is a bug, shown as one line with the traceback logged under `--verbose`.
`load_app` builds the `App` from the configuration when a command runs, so
`articlebot --help` imports nothing heavy.

What this module does not do: define commands (see `cli` and `cli_models`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from bot.errors import USER_ERRORS

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("articlebot")


class State:
    verbose = False


def load_app() -> App:
    """`App.from_config()`, imported on first use."""
    from bot.app import App

    return App.from_config()


def print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


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
    except USER_ERRORS as exc:
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
