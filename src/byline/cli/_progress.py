"""A Rich progress bar fed by the engine's step reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from byline.cli._app import err
from byline.service import Progress as ProgressCallback


@contextmanager
def engine_progress(enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """Yield a callback that draws one bar per engine step (on stderr), or None when disabled."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, fraction: float) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=1.0)
        bar.update(tasks[step], completed=fraction)

    with bar:
        yield report
