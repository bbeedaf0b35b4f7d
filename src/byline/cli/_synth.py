"""``byline synth``: write a synthetic platform snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._progress import counted_bar
from byline.service import Graphs, synthesise, synthesise_events


@app.command()
def synth(
    platform: str = typer.Option(
        "weibo", "--platform", help="Platform profile (a preset name or a synth profile)."
    ),
    accounts: int = typer.Option(1_000_000, "--accounts", min=1, help="How many accounts."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same snapshot."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder to write the snapshot into."),
    fmt: str = typer.Option("parquet", "--format", help="parquet, csv or jsonl."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
    edges: int = typer.Option(
        0,
        "--edges",
        min=0,
        help="Also write a follow graph of this many edges (edges, flags, owners files).",
    ),
    events: int = typer.Option(
        0,
        "--events",
        min=0,
        help="Also write N follow/unfollow events (events.jsonl); with --edges, over that graph.",
    ),
) -> None:
    """Write a synthetic snapshot whose counts have the platform's published heavy-tailed shape."""
    if events and fmt != "parquet":
        fail("--events reads the snapshot back: use --format parquet", code=2)
    bar = counted_bar(as_json, label="synth")
    try:
        with bar:
            task = bar.add_task("synth", total=accounts)
            path = synthesise(
                out_dir,
                platform,
                accounts,
                seed,
                fmt=fmt,
                progress=lambda n: bar.update(task, completed=n),
            )
        graph = (
            Graphs().synthesise(out_dir, platform, accounts, edges, seed, fmt=fmt)
            if edges
            else None
        )
        if events:
            _, manifest_events = synthesise_events(path, platform, events, seed, edges=edges)
    except ValueError as exc:
        fail(escape(str(exc)))
    manifest = json.loads((out_dir / "manifest.json").read_text())
    if events:
        manifest["events"] = manifest_events
    if as_json:
        emit_json({"path": str(path), **manifest, **({"graph": graph} if graph else {})})
        return
    out.print(f"Wrote {accounts:,} accounts to {escape(str(path))}", highlight=False)
    counts = manifest.get("counts") or {}
    if counts:
        out.print("  " + "; ".join(f"{k}: {v:,}" for k, v in counts.items()), highlight=False)
    if graph:
        out.print(
            f"Wrote {graph['edges']:,} follows to {escape(str(out_dir / graph['files']['edges']))}"
            f" (flags, owners beside it)",
            highlight=False,
        )
    if events:
        written = "; ".join(f"{k}: {v:,}" for k, v in manifest["events"].items())
        out.print(f"Wrote events to {escape(str(path.parent))}/events.jsonl ({written})")
