"""``byline evaluate``: decide every account of a snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, err, fail, out
from byline.cli._common import SparkConfOption, SparkMasterOption, print_table
from byline.cli._progress import engine_progress
from byline.service import (
    DiffError,
    EngineSettings,
    EvaluationSummary,
    OutputError,
    PolicyFileError,
    SettingError,
    SnapshotError,
    SparkOptions,
    evaluate_snapshot,
)

REJECTED_EXIT = 3  # the evaluation ran and wrote its outputs, but some rows were rejected
AllowRejectsOption = typer.Option(
    False, "--allow-rejects", help=f"Exit 0 even when rows were rejected (else {REJECTED_EXIT})."
)


@app.command()
def evaluate(
    snapshot: str | None = typer.Argument(
        None,
        help="Snapshot file: .parquet, .csv or .jsonl (on Spark also a folder of Parquet parts;"
        " with --engine spark each path may be a URI: hdfs://..., s3a://..., file:///...).",
    ),
    policy: str = typer.Option(..., "--policy", "-p", help="Preset name or policy file."),
    as_of: dt.datetime = typer.Option(
        ..., "--as-of", formats=["%Y-%m-%d"], help="Decide as on this date."
    ),
    out_dir: str = typer.Option(
        ..., "--out", "-o", help="Folder for decisions, summary and rejects."
    ),
    previous: str | None = typer.Option(
        None, "--previous", help="An earlier evaluation's folder: also write diff.parquet."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="parquet, csv or jsonl (default: from the file name)."
    ),
    duplicates: str = typer.Option(
        "auto",
        "--duplicates",
        help="How duplicated ids are found: auto (in order when the ids look sorted, else by"
        " hashing), order (try the order on any file), hash (always hash). Same result.",
    ),
    memory_limit: str = typer.Option(
        "4GB", "--memory-limit", help="DuckDB's memory limit; past it, it spills to --temp-dir."
    ),
    threads: int | None = typer.Option(
        None, "--threads", min=1, help="Threads for DuckDB (default: one per core)."
    ),
    temp_dir: Path | None = typer.Option(
        None, "--temp-dir", help="Where DuckDB spills (default: DuckDB's own)."
    ),
    engine: str = typer.Option(
        "duckdb",
        "--engine",
        help="duckdb (embedded, this machine) or spark (Apache Spark: where the data lives;"
        " needs the spark extra and Java 17 or 21). Same outputs.",
    ),
    spark_master: str | None = SparkMasterOption,
    spark_conf: list[str] = SparkConfOption,
    table: str | None = typer.Option(
        None, "--table", help="With --engine spark: a table of the session's catalog (db.name)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    allow_rejects: bool = AllowRejectsOption,
) -> None:
    """Decide every account of SNAPSHOT under a policy on a date. Exit status: 0 when every row
    was accepted; 3 when any was rejected (outputs written all the same, rejects.csv says why;
    --allow-rejects: 0); 1 when an input cannot be read or an output written; 2: a bad option."""
    try:
        settings = EngineSettings(
            memory_limit=memory_limit,
            threads=threads,
            temp_directory=str(temp_dir) if temp_dir else None,
            duplicates=duplicates,  # type: ignore[arg-type]  # checked by EngineSettings
        )
    except SettingError as exc:
        raise _bad_option(exc) from exc
    try:
        with engine_progress(enabled=not as_json) as progress:
            result = evaluate_snapshot(
                snapshot,
                policy,
                as_of.date(),
                out_dir,
                previous=previous,
                fmt=fmt,
                progress=progress,
                settings=settings,
                engine=engine,  # type: ignore[arg-type]  # checked by the service
                spark=SparkOptions(spark_master, tuple(spark_conf)),
                table=table,
            )
    except SettingError as exc:
        raise _bad_option(exc) from exc
    except (SnapshotError, PolicyFileError, DiffError, OutputError) as exc:
        fail(escape(str(exc)))
    _said(result.summary, out_dir, as_json, allow_rejects)


def _said(
    summary: EvaluationSummary, out_dir: Path | str, as_json: bool, allow_rejects: bool
) -> None:
    """The summary (JSON or words), then exit 3 if rows were rejected (unless allowed)."""
    if as_json:
        emit_json(summary.as_dict())
    else:
        render_written(summary, out_dir)
    if not summary.rejected or allow_rejects:
        return
    err.print(
        f"{summary.rejected:,} of {summary.read:,} rows rejected (see"
        f" {escape(str(out_dir))}/rejects.csv): exit {REJECTED_EXIT}; --allow-rejects accepts them",
        highlight=False,
    )
    raise typer.Exit(REJECTED_EXIT)


def render_written(summary: EvaluationSummary, out_dir: Path | str) -> None:
    render_summary(summary)
    out.print(
        f"Wrote {escape(str(out_dir))}/decisions.parquet, summary.json"
        + (", rejects.csv" if summary.rejected else "")
        + (", flagged_owners.parquet" if summary.flagged_owners is not None else "")
        + (", diff.parquet" if summary.diff is not None else ""),
        highlight=False,
    )
    if summary.flagged_owners:
        out.print(
            f"{summary.flagged_owners:,} owner(s) flagged: an audience that meets a tier "
            "across accounts each below the floor (for the compliance lead)",
            highlight=False,
        )


def _bad_option(exc: SettingError) -> typer.BadParameter:
    """A setting refused, said of its option (the checked fields share their options' names)
    or of the snapshot argument."""
    hint = "SNAPSHOT" if exc.field == "snapshot" else "--" + exc.field.replace("_", "-")
    return typer.BadParameter(exc.why, param_hint=hint)


def render_summary(summary: EvaluationSummary) -> None:
    s = summary
    out.print(
        f"[bold]{s.policy_id} {s.policy_version}[/] as of {s.as_of.isoformat()}: "
        f"read {s.read:,} = accepted {s.accepted:,} + rejected {s.rejected:,}"
    )
    print_table(("outcome", "accounts"), s.by_outcome.items())
    print_table(("tier", "required"), s.by_tier.items())
    if s.diff is not None:
        out.print(
            "Changes since the previous evaluation: "
            + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in s.diff.as_dict().items())
        )
