"""Synthesise a platform snapshot (for demos, tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from byline.synth import write_snapshot


def synthesise(
    out_dir: Path,
    platform: str,
    accounts: int,
    seed: int,
    *,
    fmt: str = "parquet",
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write ``accounts`` synthetic accounts shaped like ``platform``; return the data file."""
    return write_snapshot(out_dir, platform, accounts, seed, fmt=fmt, progress=progress)
