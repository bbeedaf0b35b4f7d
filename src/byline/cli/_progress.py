"""A Rich progress bar fed by the engine's step reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

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


def counted_bar(as_json: bool, label: str | None = None) -> Progress:
    """A bar on stderr that counts done of total (none with ``--json``): the demo's, while the
    platform is synthesised and its later steps run, and ``byline synth``'s. Each row shows
    ``label`` when given, else its task's description."""
    return Progress(
        TextColumn("{task.description:<16}" if label is None else label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    )


class StepBars:
    """One bar per later step of the demo: the evaluations, the follow graph, the programme's
    weeks, and the current week's cases (its description names the week)."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        key = "week" if what.startswith("week ") else what
        if key not in self.tasks:
            self.tasks[key] = self.bar.add_task(what, total=total or None)
        task = self.tasks[key]
        self.bar.update(task, description=what, completed=done, total=total or None)
