"""Progress bars for long CLI steps (model assembly, verification), drawn with rich."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)


class RichProgress:
    """Callable as `ModelInstaller`'s progress factory: (label, total) -> advance(n)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.console = progress.console

    def __call__(self, label: str, total: int) -> Callable[[int], None]:
        task = self.progress.add_task(label, total=total)
        return lambda n: self.progress.advance(task, n)


@contextmanager
def rich_progress() -> Iterator[RichProgress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        transient=False,
    ) as progress:
        yield RichProgress(progress)
