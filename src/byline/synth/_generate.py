"""Writing a snapshot: chunk by chunk to the data file, then a manifest describing it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from byline.synth._columns import ID_DIGITS, schema, to_table
from byline.synth._draw import CHUNK_ROWS, Head, banded_chunks, draw
from byline.synth._expect import expected_counts, expected_share
from byline.synth._profile import Profile, Where, label, load_profile
from byline.synth._write import FORMATS, open_writer

MANIFEST = "manifest.json"
MAX_ACCOUNTS = 10**ID_DIGITS


def write_snapshot(
    out_dir: Path,
    platform: str,
    accounts: int,
    seed: int,
    *,
    fmt: str = "parquet",
    progress: Callable[[int], None] | None = None,
    head: Head | None = None,
) -> Path:
    """Write ``accounts`` synthetic accounts of ``platform`` and a manifest; return the data file.

    The data file is ``accounts.parquet``, ``accounts.csv`` or ``accounts.jsonl`` (``fmt``); it is
    byte-identical for the same (platform, accounts, seed, fmt). ``progress`` is called with the
    number of rows written so far after each chunk.

    With a ``head``, the ``accounts`` rows are a sample of the platform's body (below the head's
    cut), and the head's accounts follow them: every account at or above the cut on a platform
    of ``head.represents`` accounts, as many as the profile's law gives at that size.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not 0 <= accounts <= MAX_ACCOUNTS:
        raise ValueError(f"accounts must be between 0 and {MAX_ACCOUNTS:,}")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    profile = load_profile(platform)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / FORMATS[fmt]
    partial = final.with_name(final.name + ".partial")
    tallies = dict.fromkeys(range(len(profile.counts)), 0)

    began = time.perf_counter()
    writer = open_writer(fmt, partial, schema(profile), CHUNK_ROWS)
    try:
        for index, start, rows, band in banded_chunks(profile, accounts, head):
            draws = draw(profile, seed, index, start, rows, band)
            for i, where in enumerate(profile.counts):
                tallies[i] += _count(draws.metrics, where)
            writer.write(to_table(profile, draws))
            if progress is not None:
                progress(start + rows)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    partial.replace(final)
    seconds = time.perf_counter() - began

    manifest = _manifest(profile, platform, accounts, seed, fmt, final, tallies, seconds, head)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return final


def _count(metrics: dict[str, NDArray[np.int64]], where: Where) -> int:
    met = np.ones(next(iter(metrics.values())).shape[0], dtype=np.bool_)
    for name, value in where.items():
        met &= metrics[name] >= value
    return int(np.count_nonzero(met))


def _manifest(
    profile: Profile,
    platform: str,
    accounts: int,
    seed: int,
    fmt: str,
    data_file: Path,
    tallies: dict[int, int],
    seconds: float,
    head: Head | None,
) -> dict[str, Any]:
    expected = expected_counts(profile, accounts) if head is None else _head_expected(profile, head)
    head_rows = head.rows(profile) if head else 0
    return {
        "profile": profile.name,
        "platform": platform,
        "description": profile.description,
        "seed": seed,
        "accounts": accounts + head_rows,
        "head": None
        if head is None
        else {
            "represents": head.represents,
            "cut": {profile.size_metric: head.cut},
            "accounts": head_rows,
            "body_sample": accounts,
        },
        "chunk_rows": CHUNK_ROWS,
        "format": fmt,
        "data_file": data_file.name,
        "columns": {f.name: str(f.type) for f in schema(profile)},
        # Keyed by label ("followers>=1000000"); "conditions" spells each label out.
        "counts": {label(where): tallies[i] for i, where in enumerate(profile.counts)},
        "expected_counts": {k: round(v, 3) for k, v in expected.items()},
        "conditions": {label(where): dict(where) for where in profile.counts},
        "generation_seconds": round(seconds, 3),
        "rows_per_second": round((accounts + head_rows) / seconds) if seconds > 0 else None,
    }


def _head_expected(profile: Profile, head: Head) -> dict[str, float]:
    """Expected counts at or above the cut: the represented platform's (the head is all of
    them). A condition below the cut also counts some of the body sample, so is left out."""
    size = profile.size_metric
    return {
        label(w): head.represents * expected_share(profile, w)
        for w in profile.counts
        if w.get(size, 0) >= head.cut
    }
