"""One engine step at a time: timed, with DuckDB's progress reported while it runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb

Progress = Callable[[str, float], None]  # (step, fraction done of that step)


class Stepper:
    """Runs one engine step, timing it and reporting DuckDB's progress while it runs."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, progress: Progress | None, timings: dict[str, float]
    ) -> None:
        self.con, self.progress, self.timings = con, progress, timings
        # A step of several parts says which share of it, from its start, DuckDB's query is
        # (``share``), or how far its own work has come (``done``); the watcher reports that.
        self.share = 1.0
        self.done: float | None = None

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        done = threading.Event()
        watcher = None
        self.share, self.done = 1.0, None
        if self.progress is not None:
            report = self.progress
            report(name, 0.0)

            def watch() -> None:
                while not done.wait(0.2):
                    if self.done is not None:
                        report(name, min(self.done, 1.0))
                        continue
                    fraction = self.con.query_progress()
                    if fraction >= 0:
                        report(name, self.share * min(fraction / 100.0, 1.0))

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
        try:
            return fn(self.con, *args)
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
                self.progress(name, 1.0)  # type: ignore[misc]
            self.timings[name] = time.perf_counter() - started
