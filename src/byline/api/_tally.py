"""Counters and a latency histogram for /metrics, cheap enough for every label lookup.

prometheus_client's ``Counter`` and ``Histogram`` cost several Python calls and a lock per
observation (a histogram: one for its sum, one for its bucket), which on the label path adds
up to more than the lookup itself. A ``Tally`` holds the same series as plain numbers, each
observation one lock, and is the registry's collector for them: /metrics shows the same names,
labels, buckets and ``_created`` samples as prometheus_client's own metrics would.

Callers look a series up once (``series``) and keep it: what they hold is the series' cell,
counted in place.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

MAX_SERIES = 10_000  # per family: label values past this many share nothing and are not kept


class Counts:
    """A counter family (``name`` without ``_total``): ``add(cell, n)`` counts ``n`` in the
    series of ``cell``."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        lock: threading.Lock | None = None,
    ) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        self._cells: dict[tuple[str, ...], list[float]] = {}  # labels -> [count, created]
        self._lock = lock or threading.Lock()

    def series(self, *labels: str) -> list[float]:
        """The cell of one series (created at zero on first use)."""
        cell = self._cells.get(labels)
        if cell is None:
            with self._lock:
                cell = self._cells.setdefault(labels, [0.0, time.time()])
        return cell

    def add(self, cell: list[float], amount: float = 1) -> None:
        with self._lock:
            cell[0] += amount

    def collect(self) -> Iterator[Metric]:
        family = Metric(self.name, self.documentation, "counter")
        with self._lock:
            cells = [(labels, cell[0], cell[1]) for labels, cell in self._cells.items()]
        for labels, count, created in cells:
            named = dict(zip(self.labelnames, labels, strict=True))
            family.samples.append(Sample(f"{self.name}_total", named, count))
            family.samples.append(Sample(f"{self.name}_created", dict(named), created))
        yield family


class Timings:
    """A histogram family of seconds over fixed ``buckets``: ``observe(cell, seconds)``."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        buckets: Sequence[float],
        lock: threading.Lock | None = None,
    ) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        self.bounds = tuple(float(b) for b in buckets)
        if list(self.bounds) != sorted(set(self.bounds)):
            raise ValueError("histogram buckets must be increasing")
        # labels -> [sum, created, count in each bucket (not cumulative), count past the last]
        self._cells: dict[tuple[str, ...], list[float]] = {}
        self._lock = lock or threading.Lock()

    def series(self, *labels: str) -> list[float]:
        cell = self._cells.get(labels)
        if cell is None:
            with self._lock:
                cell = self._cells.setdefault(
                    labels, [0.0, time.time(), *[0.0] * (len(self.bounds) + 1)]
                )
        return cell

    def observe(
        self, cell: list[float], seconds: float, counted: list[float] | None = None
    ) -> None:
        """Observe ``seconds`` in the series of ``cell``; with ``counted``, the cell of a
        ``Counts`` made with this family's lock, count one there too (under one lock)."""
        # A value on a bound counts in that bound's bucket (le: less than or equal).
        slot = 2 + bisect_left(self.bounds, seconds)
        with self._lock:
            cell[0] += seconds
            cell[slot] += 1
            if counted is not None:
                counted[0] += 1

    def collect(self) -> Iterator[Metric]:
        family = Metric(self.name, self.documentation, "histogram")
        with self._lock:
            cells = [(labels, list(cell)) for labels, cell in self._cells.items()]
        edges = [*map(floatToGoString, self.bounds), "+Inf"]
        for labels, (total, created, *counts) in cells:
            named = dict(zip(self.labelnames, labels, strict=True))
            running = 0.0
            for edge, count in zip(edges, counts, strict=True):
                running += count
                family.samples.append(Sample(f"{self.name}_bucket", {**named, "le": edge}, running))
            family.samples.append(Sample(f"{self.name}_count", dict(named), running))
            family.samples.append(Sample(f"{self.name}_sum", dict(named), total))
            family.samples.append(Sample(f"{self.name}_created", dict(named), created))
        yield family


class Tally:
    """Families counted cheaply, collected by ``registry`` when /metrics is read."""

    def __init__(self, registry: CollectorRegistry, *families: Counts | Timings) -> None:
        self.families = families
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        for family in self.families:
            yield from family.collect()
