"""``byline simulate``: how many accounts a policy would oblige were a number of it different."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from byline.cli._app import app, emit_json, fail, out
from byline.cli._progress import engine_progress
from byline.service import (
    GROUP_BYS,
    MAX_STEPS,
    VARIABLES,
    WHATIF_FILES,
    EngineSettings,
    OutputError,
    PolicyFileError,
    SettingError,
    SnapshotError,
    WhatIf,
    WhatIfError,
)
from byline.service import simulate as simulate_snapshot
from byline.words import LANGUAGES


@app.command()
def simulate(
    snapshot: Path = typer.Argument(..., help="Snapshot file: .parquet, .csv or .jsonl."),
    policy: str | None = typer.Option(
        None, "--policy", "-p", help="Preset name or policy file (or --compare several)."
    ),
    compare: str | None = typer.Option(
        None,
        "--compare",
        help="Several presets or files, comma-separated (weibo,douyin,bilibili): each over the"
        " same snapshot, in the same scan. They must be judged on the same metrics.",
    ),
    vary: str | None = typer.Option(
        None,
        "--vary",
        help=f"NAME=FROM..TO, NAME one of {', '.join(VARIABLES)} (threshold=100000..2000000,"
        " as_of=2023-10-01..2024-03-01). threshold moves the floor and the tiers at it; tiers"
        " above stay unless passed (README: What if).",
    ),
    steps: int = typer.Option(
        20, "--steps", min=1, max=MAX_STEPS, help="Values from FROM to TO, both included."
    ),
    by: str | None = typer.Option(None, "--by", help=f"A line per group: {', '.join(GROUP_BYS)}."),
    as_of: dt.datetime | None = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Decide as on this date (default: the day the policy's last phase starts).",
    ),
    out_dir: Path = typer.Option(
        ..., "--out", "-o", help="Folder for simulate.csv, .json, .svg and .png."
    ),
    lang: str = typer.Option("en", "--lang", help=f"The chart's language: {', '.join(LANGUAGES)}."),
    fmt: str | None = typer.Option(
        None, "--format", help="parquet, csv or jsonl (default: from the file name)."
    ),
    memory_limit: str = typer.Option("4GB", "--memory-limit", help="DuckDB's memory limit."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="Threads for DuckDB."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Count, in one scan of SNAPSHOT, the accounts each variant of a policy would oblige."""
    if (policy is None) == (compare is None):
        raise typer.BadParameter("give --policy or --compare (not both)", param_hint="--policy")
    names = [policy] if policy else [n.strip() for n in (compare or "").split(",") if n.strip()]
    if by is not None and by not in GROUP_BYS:
        raise typer.BadParameter(f"one of {', '.join(GROUP_BYS)}", param_hint="--by")
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}", param_hint="--lang")
    try:
        settings = EngineSettings(memory_limit=memory_limit, threads=threads)
    except SettingError as exc:
        raise typer.BadParameter(exc.why, param_hint="--" + exc.field.replace("_", "-")) from exc
    try:
        with engine_progress(enabled=not as_json) as progress:
            result = simulate_snapshot(
                snapshot,
                names,
                out_dir,
                vary=vary,
                steps=steps,
                by=by,  # checked above
                as_of=as_of.date() if as_of else None,
                lang=lang,
                fmt=fmt,
                progress=progress,
                settings=settings,
            )
    except (SnapshotError, PolicyFileError, OutputError, WhatIfError) as exc:
        fail(escape(str(exc)))
    if as_json:
        emit_json(result.as_dict())
        return
    _render(result, out_dir)


def _render(result: WhatIf, out_dir: Path) -> None:
    out.print(
        f"[bold]{', '.join(result.policies)}[/] on {escape(result.snapshot)}: read {result.read:,}"
        f" = accepted {result.accepted:,} + rejected {result.rejected:,}"
        + (f"; as of {result.as_of.isoformat()}" if result.as_of else "")
    )
    totalled = len(result.series) > 1 and not result.per_policy
    every = ("all",) if totalled else ()
    table = Table(result.variable or "policy", *result.series, *every, box=None)
    for value in result.values:
        counts = result.required[value]
        total = (f"{result.total(value):,}",) if totalled else ()
        table.add_row(value, *(f"{counts[s]:,}" for s in result.series), *total)
    out.print(table)
    out.print(f"Wrote {escape(str(out_dir))}/{', '.join(WHATIF_FILES)}", highlight=False)
