"""``byline count``: follower counts from a follow graph's edge list."""

from __future__ import annotations

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import SparkConfOption, SparkMasterOption
from byline.service import GraphFileError, GraphOutputError, Graphs, SettingError, SparkOptions


@app.command()
def count(
    edges: str = typer.Argument(
        ...,
        help="The follow relation (follower_id, followee_id): .parquet, .csv or .jsonl (with"
        " --engine spark each file or folder may be a URI: hdfs://..., s3a://..., file:///...).",
    ),
    out_dir: str = typer.Option(..., "--out", "-o", help="Folder for the counts and summary."),
    flags: str | None = typer.Option(
        None, "--flags", help="Flagged accounts (account_id, flag): not counted as effective."
    ),
    owners: str | None = typer.Option(
        None, "--owners", help="Accounts run by one holder (account_id, owner_ref)."
    ),
    accounts: str | None = typer.Option(
        None,
        "--accounts",
        help="A snapshot (.parquet, .csv, .jsonl) to fill in: also write accounts.parquet.",
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="The edge list's format: parquet, csv or jsonl (default: its name)."
    ),
    flagged: str = typer.Option(
        ",".join(Graphs.DEFAULT_FLAGGED),
        "--flagged",
        help="Flags whose followers do not count towards effective_followers (comma-separated).",
    ),
    engine: str = typer.Option(
        "embedded",
        "--engine",
        help="embedded (numpy, this machine) or spark (Apache Spark; needs the spark extra and"
        " Java 17 or 21). Same counts.",
    ),
    spark_master: str | None = SparkMasterOption,
    spark_conf: list[str] = SparkConfOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Count each account's distinct, effective and owner-level followers from EDGES."""
    try:
        report = Graphs().count(
            edges,
            out_dir,
            flags=flags,
            owners=owners,
            accounts=accounts,
            fmt=fmt,
            flagged=flagged.split(","),
            engine=engine,
            spark=SparkOptions(spark_master, tuple(spark_conf)),
        )
    except SettingError as exc:
        hint = "EDGES" if exc.field == "edges" else "--" + exc.field.replace("_", "-")
        raise typer.BadParameter(exc.why, param_hint=hint) from exc
    except (GraphFileError, GraphOutputError, ValueError) as exc:
        fail(escape(str(exc)))
    summary = report.summary()
    if as_json:
        emit_json({"out": str(out_dir), **summary})
        return
    out.print(
        f"Read {report.read:,} edges: {report.accepted:,} accepted "
        f"({report.duplicates:,} repeat a pair), {report.rejected:,} rejected; "
        f"{report.accounts_followed:,} accounts followed"
        + (f", {report.owners:,} owners" if report.owners else "")
        + f" in {report.seconds['total']:.2f} s",
        highlight=False,
    )
    written = ", ".join(summary["files"].values())
    out.print(f"Wrote {written} to {escape(str(out_dir))}", highlight=False)
