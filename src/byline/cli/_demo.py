"""``byline demo``: the README's main command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from byline.cli._app import app, emit_json, err, fail, out
from byline.engine import SnapshotError
from byline.policy import PolicyFileError
from byline.service.demo import DemoStep, run_demo


@app.command()
def demo(
    policy: str = typer.Option("weibo", "--policy", "-p", help="Preset name or policy file."),
    accounts: int = typer.Option(
        10_000_000, "--accounts", min=1, help="Size of the synthetic platform."
    ),
    seed: int = typer.Option(7, "--seed", help="Same seed, same platform."),
    workdir: Path = typer.Option(
        Path("byline-demo"), "--dir", help="Folder for the demo's data (replaced on each run)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Synthesise a platform and evaluate it before, during and after each phase of a policy."""
    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    )
    steps: list[DemoStep] = []

    try:
        with bar:
            task = bar.add_task("synthesise", total=accounts)
            report = run_demo(
                workdir,
                policy,
                accounts,
                seed,
                on_synth=lambda n: bar.update(task, completed=n),
                on_step=steps.append,
            )
    except (PolicyFileError, SnapshotError, ValueError) as exc:
        fail(escape(str(exc)))
    if as_json:
        emit_json(
            {
                "policy": report.policy,
                "snapshot": str(report.snapshot),
                "accounts": report.accounts,
                "synth_seconds": round(report.synth_seconds, 3),
                "steps": [
                    {
                        "as_of": s.date.as_of,
                        "label": s.date.label,
                        "out_dir": str(s.out_dir),
                        "floor_violations": s.floor_violations,
                        "summary": s.summary,
                    }
                    for s in report.steps
                ],
            }
        )
        return
    out.print(f"[bold]Policy[/]   {escape(report.policy)}", highlight=False)
    out.print(
        f"[bold]Platform[/] {report.accounts:,} synthetic accounts, seed {seed} "
        f"({report.synth_seconds:.1f}s): {escape(str(report.snapshot))}",
        highlight=False,
    )
    out.print(evaluations_table(steps))
    for step in steps:
        out.print(f"  {step.date.as_of.isoformat()}  {escape(step.date.label)}", highlight=False)
    last = steps[-1].summary
    cats = Table(
        "category",
        "required",
        "waiting",
        "out of scope",
        title_justify="left",
        title=f"At or above a threshold on {last['as_of']}, by category",
    )
    for category, counts in sorted(last["by_category"].items()):
        excluded = counts.get("category_out_of_scope", 0) + counts.get("kind_not_subject", 0)
        cats.add_row(
            category,
            f"{counts.get('required', 0):,}",
            f"{counts.get('phase_not_started', 0):,}",
            f"{excluded:,}",
        )
    out.print(cats)
    held = all(s.floor_violations == 0 for s in steps)
    out.print(
        ("[green]Threshold promise held[/]" if held else "[red]Threshold promise BROKEN[/]")
        + ": no account below the floor is required on any date (checked on the output)."
    )
    out.print(
        f"Outputs in {escape(str(workdir))}/evaluation-<date>/: decisions.parquet, "
        "summary.json, diff.parquet.",
        highlight=False,
    )
    out.print(
        f"Next: byline policy show {escape(policy)}  ·  byline evaluate --help", highlight=False
    )


def evaluations_table(steps: list[DemoStep]) -> Table:
    tiers = list(steps[0].summary["by_tier"]) if steps else []
    short = [t.split(".", 1)[-1] for t in tiers]
    table = Table(
        "as of",
        "required",
        *short,
        "waiting",
        "out of scope",
        "new",
        "no longer",
        "rejected",
        "below floor",
        "s",
        title="Evaluations",
        title_justify="left",
    )
    for step in steps:
        s = step.summary
        diff = s.get("diff") or {}
        outcome = s["by_outcome"]
        table.add_row(
            s["as_of"],
            f"{s['required']:,}",
            *(f"{s['by_tier'][t]:,}" for t in tiers),
            f"{outcome['phase_not_started']:,}",
            f"{outcome['category_out_of_scope'] + outcome['kind_not_subject']:,}",
            f"{diff['newly_required']:,}" if diff else "-",
            f"{diff['no_longer_required']:,}" if diff else "-",
            f"{s['rejected']:,}",
            str(step.floor_violations),
            f"{sum(s['seconds'].values()):.1f}",
        )
    return table
