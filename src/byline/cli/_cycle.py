"""``byline cycle``: evaluate a snapshot and move every case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, out
from byline.cli._common import DbOption, JsonOption, errors_as_lines, services
from byline.cli._progress import engine_progress


@app.command()
def cycle(
    snapshot: Path | None = typer.Option(
        None,
        "--snapshot",
        help="Snapshot file for this cycle (with --decisions: read only for open cases whose"
        " accounts fell below every threshold).",
    ),
    decisions: Path | None = typer.Option(
        None,
        "--decisions",
        help="Act on an evaluation's outputs made elsewhere (either engine) instead of"
        " evaluating the snapshot; of this policy version and date, or refused.",
    ),
    policy: str = typer.Option(..., "--policy", "-p", help="Preset name or policy file."),
    as_of: dt.datetime = typer.Option(
        ..., "--as-of", formats=["%Y-%m-%d"], help="The cycle's date (its clock)."
    ),
    db: str | None = DbOption,
    keep: Path = typer.Option(
        Path("byline-cycles"), "--keep", help="Folder for each cycle's decisions and rejects."
    ),
    transaction_size: int = typer.Option(
        500, "--transaction-size", min=1, help="Cases changed per transaction."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Evaluate a snapshot and move every case: open, notify, observe, sweep, release."""
    if snapshot is None and decisions is None:
        raise typer.BadParameter(
            "give --snapshot, or --decisions (or both)", param_hint="--snapshot"
        )
    floor = services(db, create=True)
    with errors_as_lines(), engine_progress(enabled=not as_json) as progress:
        report = floor.cycles.run(
            snapshot,
            policy,
            as_of.date(),
            transaction_size=transaction_size,
            progress=progress,
            keep=keep,
            decisions=decisions,
        )
    if as_json:
        emit_json(report.as_dict())
        return
    status = "already done: no new effects" if report.already_done else "done"
    out.print(
        f"Cycle {report.cycle_id[:12]} {report.as_of} ({escape(report.policy)}): "
        f"{status} in {report.seconds:.1f}s",
        highlight=False,
    )
    e = report.evaluation
    out.print(
        f"  snapshot: read {e['read']:,} = accepted {e['accepted']:,} + rejected "
        f"{e['rejected']:,}; required {e['required']:,}",
        highlight=False,
    )
    if report.outputs:
        out.print(f"  decisions and rejects: {escape(report.outputs)}", highlight=False)
    if report.actions:
        out.print(
            "  this cycle: " + ", ".join(f"{k} {v:,}" for k, v in report.actions.items()),
            highlight=False,
        )
    out.print(
        "  cases: " + ", ".join(f"{k} {v:,}" for k, v in report.funnel.items()), highlight=False
    )
    out.print(f"  accounts under restriction: {report.restricted_accounts:,}", highlight=False)
    if report.flagged_owners:
        out.print(
            f"  owners flagged: {report.flagged_owners:,} (an audience that meets a tier across"
            " accounts each below the floor; on the dashboard)",
            highlight=False,
        )
