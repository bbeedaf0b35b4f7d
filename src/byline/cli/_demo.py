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
    accounts: int = typer.Option(1_000_000, "--accounts", min=1, help="Size of the synthetic platform."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same platform."),
    workdir: Path = typer.Option(Path("byline-demo"), "--dir", help="Folder for the demo's data (replaced on each run)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Synthesise a platform and evaluate it before, during and after each phase of a policy."""
    bar = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True, disable=as_json)
    table = Table("as of", "when", "required",
                  "waiting for phase", "out of scope", "newly required", "no longer", "rejected",
                  "below floor required", "seconds", title="Evaluations")

    def show_step(step: DemoStep) -> None:
        s = step.summary
        diff = s.get("diff", {})
        table.add_row(s["as_of"], escape(step.date.label), f"{s['required']:,}",
                      f"{s['by_outcome']['phase_not_started']:,}",
                      f"{s['by_outcome']['category_out_of_scope'] + s['by_outcome']['kind_not_subject']:,}",
                      f"{diff.get('newly_required', 0):,}" if diff else "—",
                      f"{diff.get('no_longer_required', 0):,}" if diff else "—",
                      f"{s['rejected']:,}", str(step.floor_violations),
                      f"{sum(s['seconds'].values()):.2f}")

    try:
        with bar:
            task = bar.add_task("synthesise", total=accounts)
            report = run_demo(workdir, policy, accounts, seed,
                              on_synth=lambda n: bar.update(task, completed=n), on_step=show_step)
    except (PolicyFileError, SnapshotError, ValueError) as exc:
        fail(escape(str(exc)))
    if as_json:
        emit_json({"policy": report.policy, "snapshot": str(report.snapshot),
                   "accounts": report.accounts, "synth_seconds": round(report.synth_seconds, 3),
                   "steps": [{"as_of": s.date.as_of, "label": s.date.label, "out_dir": str(s.out_dir),
                              "floor_violations": s.floor_violations, "summary": s.summary}
                             for s in report.steps]})
        return
    out.print(f"[bold]Policy[/] {escape(report.policy)}", highlight=False)
    out.print(f"[bold]Platform[/] {report.accounts:,} synthetic accounts in "
              f"{escape(str(report.snapshot))} ({report.synth_seconds:.1f}s)", highlight=False)
    out.print(table)
    last = report.steps[-1].summary
    tiers = Table("tier", "required", title=f"Required by tier on {last['as_of']}")
    for tier, n in last["by_tier"].items():
        tiers.add_row(tier, f"{n:,}")
    out.print(tiers)
    cats = Table("category", *sorted({o for c in last["by_category"].values() for o in c}),
                 title=f"Accounts at or above a threshold, by category, on {last['as_of']}")
    outcomes = cats.columns[1:]
    for category, counts in sorted(last["by_category"].items()):
        cats.add_row(category, *(f"{counts.get(str(c.header), 0):,}" for c in outcomes))
    out.print(cats)
    held = all(s.floor_violations == 0 for s in report.steps)
    out.print(("[green]Threshold promise held[/]" if held else "[red]Threshold promise BROKEN[/]")
              + ": no account below the floor is required on any date.")
    out.print(f"Outputs: {escape(str(workdir))}/evaluation-<date>/ (decisions.parquet, "
              "summary.json, diff.parquet). Explain the policy: byline policy show "
              f"{escape(policy)}", highlight=False)
