"""``byline demo``: the README's main command."""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import print_table
from byline.cli._demo_stream import STREAM_EVENTS_HELP, render_stream, stream_stage
from byline.cli._progress import StepBars, counted_bar
from byline.service import (
    DemoGraph,
    DemoReport,
    DemoStep,
    EvaluationSummary,
    PolicyFileError,
    SimulationReport,
    SnapshotError,
    WeekReport,
    demo_access,
    demo_now,
    demo_receiver,
    demo_rows,
    demo_snapshot_dir,
    load_policy,
    open_services,
    platform_size,
    run_demo,
    running_clock,
    webhook_guard,
)


@app.command()
def demo(
    policy: str = typer.Option("weibo", "--policy", "-p", help="Preset name or policy file."),
    accounts: int | None = typer.Option(
        None,
        "--accounts",
        min=1,
        help="Accounts of the platform the demo stands for (default: half the platform"
        " profile's, 300 million for Weibo). Above --sample, its head is synthesised whole and"
        " its body as a sample.",
    ),
    sample: int = typer.Option(
        250_000,
        "--sample",
        min=1,
        help="Accounts synthesised for the platform's body (below a fifth of the floor).",
    ),
    seed: int = typer.Option(7, "--seed", help="Same seed, same platform."),
    workdir: Path = typer.Option(
        Path("byline-demo"), "--dir", help="Folder for the demo's data (replaced on each run)."
    ),
    programme: bool = typer.Option(
        True, "--programme/--no-programme", help="Also run the programme over simulated weeks."
    ),
    edges: int | None = typer.Option(
        None,
        "--edges",
        min=0,
        help="Edges of the follow graph counted for the platform (default: 4 per account;"
        " 0: no graph).",
    ),
    stream_events: int | None = typer.Option(
        None, "--stream-events", min=0, help=STREAM_EVENTS_HELP
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Then serve the console and the API until Ctrl-C."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Synthesise a platform, evaluate it around each phase of a policy, run the programme week
    by week with simulated creators, reviewers and a webhook receiver, then serve the console
    and the API with a sign-in for each role and a creator's link."""
    if serve and programme:
        _check_port_free(host, port)
    steps: list[DemoStep] = []
    weeks: list[WeekReport] = []
    bar = counted_bar(as_json)
    try:
        size = accounts if accounts is not None else platform_size(policy)
        rows = demo_rows(policy, size, sample)
        with bar:
            task = bar.add_task("synthesise", total=rows)
            report = run_demo(
                workdir,
                policy,
                size,
                seed,
                sample=sample,
                on_synth=lambda n: bar.update(task, completed=n),
                on_step=steps.append,
                programme=programme,
                on_week=weeks.append,
                edges=4 * rows if edges is None else edges,
                on_progress=StepBars(bar),
            )
    except (PolicyFileError, SnapshotError, ValueError) as exc:
        fail(escape(str(exc)))
    events = rows // 10 if stream_events is None else stream_events
    live = stream_stage(workdir, policy, seed, events) if programme and events else None
    if as_json:
        emit_json({**demo_json(report, workdir), "stream": live})
        return
    _render(report, steps, seed, workdir, live, policy)
    if serve and programme:
        serve_demo(workdir, policy, host, port)
    elif serve:
        out.print("Nothing to serve without the programme (--no-programme): done.")


def _render(
    report: DemoReport,
    steps: list[DemoStep],
    seed: int,
    workdir: Path,
    live: dict[str, object] | None,
    policy: str,
) -> None:
    """The demo's report as a user reads it: evaluations, graph, programme, live stage."""
    render_evaluations(report, steps, seed, workdir)
    if report.graph is not None:
        render_graph(report.graph)
    if report.programme is not None:
        render_programme(report.programme, workdir)
    if live is not None:
        render_stream(live)
    out.print(f"Next: byline policy show {escape(policy)}  ·  byline evaluate --help")


def demo_json(report: DemoReport, workdir: Path) -> dict[str, object]:
    """The whole demo's report, for ``--json``."""
    return {
        "workdir": str(workdir),
        "policy": report.policy,
        "snapshot": str(report.snapshot),
        "accounts": report.accounts,
        "represents": report.represents,
        "head": None
        if report.head is None
        else {"cut": report.head.cut, "accounts": report.head_accounts},
        "synth_seconds": round(report.synth_seconds, 3),
        "steps": [
            {
                "as_of": s.date.as_of,
                "label": s.date.label,
                "out_dir": str(s.out_dir),
                "floor_violations": s.floor_violations,
                "summary": s.summary.as_dict(),
            }
            for s in report.steps
        ],
        "graph": None if report.graph is None else graph_json(report.graph),
        "programme": programme_json(report.programme),
    }


def graph_json(graph: DemoGraph) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(graph).items()}


def render_graph(graph: DemoGraph) -> None:
    """The followers counted from a follow graph: tallies that reconcile, and what bots and
    matrix accounts come to (``byline count``)."""
    share = 1 - graph.effective / graph.followers if graph.followers else 0.0
    overlap = 1 - graph.owner_followers / graph.owned_followers if graph.owned_followers else 0.0
    out.print(
        f"[bold]Follow graph[/]  {graph.edges:,} edges counted in {graph.seconds:.1f}s"
        f" ({escape(str(graph.out_dir))}): read {graph.read:,} = accepted {graph.accepted:,}"
        f" + rejected {graph.rejected:,}; {graph.duplicates:,} repeated pairs counted once;"
        f" {graph.accounts_followed:,} accounts followed.",
        highlight=False,
    )
    out.print(
        f"  Bot, inactive and banned followers: {share:.1%} of all followers, left out of"
        f" effective_followers. {graph.owners:,} holders run several accounts: their distinct"
        f" audiences are {overlap:.1%} smaller than their accounts' followers added up"
        ' (owner_followers, what \\[linked_accounts] judge = "owner" decides on).',
        highlight=False,
    )


def render_evaluations(report: DemoReport, steps: list[DemoStep], seed: int, workdir: Path) -> None:
    """The platform, the evaluation of each date, the last one by category, and the promise
    checked on every output."""
    out.print(f"[bold]Policy[/]   {escape(report.policy)}", highlight=False)
    if report.head is None:
        platform = f"{report.accounts:,} synthetic accounts"
    else:
        platform = (
            f"{report.accounts:,} synthetic accounts: the head of a platform of"
            f" {report.represents:,} (all {report.head_accounts:,} accounts at or above"
            f" {report.head.cut:,}) and a sample of"
            f" {report.accounts - report.head_accounts:,} of its body"
        )
    out.print(
        f"[bold]Platform[/] {platform}, seed {seed} "
        f"({report.synth_seconds:.1f}s): {escape(str(report.snapshot))}",
        highlight=False,
    )
    render_evaluations_table(steps)
    for step in steps:
        out.print(f"  {step.date.as_of.isoformat()}  {escape(step.date.label)}", highlight=False)
    render_categories(steps[-1].summary)
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


def render_categories(last: EvaluationSummary) -> None:
    """An evaluation's accounts at or above a threshold, by category."""
    rows = []
    for category, counts in sorted(last.by_category.items()):
        excluded = counts.get("category_out_of_scope", 0) + counts.get("kind_not_subject", 0)
        rows.append(
            (
                category,
                counts.get("required", 0),
                counts.get("phase_not_started", 0),
                excluded,
            )
        )
    print_table(
        ("category", "required", "waiting", "out of scope"),
        rows,
        title=f"At or above a threshold on {last.as_of.isoformat()}, by category",
    )


def _check_port_free(host: str, port: int) -> None:
    """Fail before a minute of work, not after, when the port is taken."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            fail(f"cannot serve on {host}:{port} ({exc.strerror}); choose another --port")


def serve_demo(workdir: Path, policy_ref: str, host: str, port: int) -> None:
    """Serve the demo's programme (console and API) on a clock that starts the day after the
    simulation and runs in real time, until Ctrl-C."""
    import uvicorn

    from byline.api import ApiSettings
    from byline.web import create_app

    policy = load_policy(policy_ref)
    db_url = str(workdir / "byline.db")  # a plain path is a SQLite file
    # an admin trying the console may register a receiver on this machine, as the demo's is
    snapshots = demo_snapshot_dir(workdir, policy.id)
    floor = open_services(
        db_url,
        clock=running_clock(demo_now(policy)),
        key_file=workdir / "byline.keys.json",
        webhooks=webhook_guard(also="127.0.0.1"),
        snapshot_dir=snapshots,
    )
    try:
        access = demo_access(floor, policy)
        settings = ApiSettings(db_url=db_url, snapshot_dir=snapshots, log_requests=False)
        app = create_app(floor, settings)
        base = f"http://{host}:{port}"
        say = out.print
        say(f"\n[bold]Serving the demo[/] at {base}/console (API docs at {base}/docs)")
        say(f"Sign in at {base}/console/login as:")
        for username, password, role in access.staff:
            say(
                f"  {ROLE_TITLES[role.value]:<16} user [bold]{username}[/]  "
                f"password [bold]{password}[/]",
                highlight=False,
            )
        if access.creator_token:
            say(
                f"A creator ({access.creator_account}): a link that opens one session, "
                "within the hour:",
                highlight=False,
            )
            link = f"{base}/console/{access.platform}/enter?token={access.creator_token}"
            say(f"  {link}", highlight=False, soft_wrap=True)
        else:
            say("No account has a case yet, so no creator can sign in: try more --accounts.")
        say(
            f"Label lookups through the API: Authorization: Bearer {access.label_key}",
            highlight=False,
            soft_wrap=True,
        )
        say(
            f"The demo's clock reads {access.now:%Y-%m-%d %H:%M} UTC (the day after the last "
            "cycle) and runs in real time. Ctrl-C stops.",
            highlight=False,
        )
        say(
            "Webhooks go out as they become due, to the demo platform's receiver (it logs them"
            f" in {escape(str(workdir))}/webhooks-received.jsonl; deliveries at"
            f" {base}/console/{access.platform}/admin/webhooks).",
            highlight=False,
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        )
        receiver = demo_receiver(floor, policy, workdir)
        worker = floor.webhooks.worker().start()
        # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal it handled
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.run()
        finally:
            worker.stop()
            if receiver is not None:
                receiver.close()
    finally:
        floor.close()
    out.print("Stopped. The data stays in " + escape(str(workdir)) + " until the next run.")


ROLE_TITLES = {
    "admin": "admin",
    "platform": "compliance lead",
    "reviewer": "reviewer",
}


FUNNEL = (
    "notified",
    "submitted",
    "rejected",
    "verified",
    "disclosed",
    "overdue",
    "refused",
    "appealed",
    "exempted",
    "released",
    "withdrawn",
)


def render_programme(sim: SimulationReport, workdir: Path) -> None:
    headers = ("week of", "required", "opened", *FUNNEL, "restricted", "labels", "webhooks")
    rows = [
        (
            week.as_of,
            week.cycle.evaluation.get("required", 0),
            week.cycle.actions.get("case:opened", 0),
            *(week.funnel.get(s, 0) for s in FUNNEL),
            week.restricted,
            week.labels_live,
            week.delivered,
        )
        for week in sim.weeks
    ]
    print_table(
        headers,
        rows,
        title="The programme, cycle by cycle: cases by state after each weekly cycle and the"
        " week's creators and reviewers (restricted = accounts under restriction, webhooks ="
        " webhooks delivered that week)",
    )
    totals: dict[str, int] = {}
    for week in sim.weeks:
        for key, n in week.creator_actions.items():
            totals[key] = totals.get(key, 0) + n
    out.print(
        f"[bold]{sim.cases:,} cases[/] through {len(sim.weeks)} weekly cycles. Creators and"
        " reviewers did: " + ", ".join(f"{k} {v:,}" for k, v in sorted(totals.items())),
        highlight=False,
    )
    out.print(
        ("[green]Audit chain intact[/]" if sim.audit_ok else "[red]Audit chain BROKEN[/]")
        + f" ({sim.audit_entries:,} entries); "
        + (
            "[green]no live label below the floor without consent[/]"
            if sim.promise_breaches == 0
            else f"[red]{sim.promise_breaches} promise breaches[/]"
        )
        + f"; webhooks: {sim.webhook.get('received', 0):,} received, "
        f"{sim.webhook.get('duplicates', 0)} duplicates, {sim.webhook.get('rejected', 0)} "
        f"rejected (the platform's log: {escape(str(workdir))}/webhooks-received.jsonl)"
    )
    db = workdir / "byline.db"
    out.print(
        f"Explore: byline cases list --db {escape(str(db))}  ·  byline case show ACCOUNT "
        f"--db {escape(str(db))}  ·  byline audit verify --db {escape(str(db))}",
        highlight=False,
    )


def programme_json(sim: SimulationReport | None) -> dict[str, object] | None:
    if sim is None:
        return None
    return {
        "weeks": [
            {
                "as_of": w.as_of.isoformat(),
                "cycle": w.cycle.as_dict(),
                "funnel": w.funnel,
                "restricted": w.restricted,
                "labels_live": w.labels_live,
                "creator_actions": w.creator_actions,
                "webhooks_delivered": w.delivered,
            }
            for w in sim.weeks
        ],
        "cases": sim.cases,
        "audit_ok": sim.audit_ok,
        "audit_entries": sim.audit_entries,
        "promise_breaches": sim.promise_breaches,
        "webhook": sim.webhook,
    }


def render_evaluations_table(steps: list[DemoStep]) -> None:
    tiers = list(steps[0].summary.by_tier) if steps else []
    short = [t.split(".", 1)[-1] for t in tiers]
    rows = []
    for step in steps:
        s = step.summary
        diff = s.diff
        outcome = s.by_outcome
        rows.append(
            (
                s.as_of,
                s.required,
                *(s.by_tier[t] for t in tiers),
                outcome["phase_not_started"],
                outcome["category_out_of_scope"] + outcome["kind_not_subject"],
                diff.newly_required if diff else None,
                diff.no_longer_required if diff else None,
                s.rejected,
                step.floor_violations,
                f"{sum(s.seconds.values()):.1f}",
            )
        )
    print_table(
        (
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
        ),
        rows,
        title="Evaluations",
    )
