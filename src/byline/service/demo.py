"""The demo: synthesise a platform, then evaluate it under a policy before, during and after
each of its phases, and check the threshold promise on every result."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from byline import outbox
from byline.domain.cases import CaseState
from byline.domain.policy import Policy
from byline.engine import EvaluationSummary, Progress, evaluate, floor_violations
from byline.graph import count_graph
from byline.policy import load_policy
from byline.service._base import Clock
from byline.service.access import Role, issue_creator_token
from byline.service.floor import Services
from byline.service.simulation import (
    SimulationReport,
    WeekReport,
    received_log,
    simulate,
    weekly_dates,
)
from byline.synth import Head, write_graph, write_snapshot
from byline.synth import load_profile as load_profile_for
from byline.words import one_line

_MARKER = ".byline-demo"
# The head's cut is the floor divided by this: accounts well below the floor are body.
HEAD_CUT_DIVISOR = 5
# The share of the profile's platform the demo stands for by default: half of Weibo runs
# over 2,000 cases through both phases of its policy and still serves within about a minute.
DEMO_SHARE = 0.5


@dataclass(frozen=True)
class DemoDate:
    as_of: dt.date
    label: str


@dataclass
class DemoStep:
    date: DemoDate
    out_dir: Path
    summary: EvaluationSummary
    floor_violations: int


@dataclass(frozen=True)
class DemoGraph:
    """The platform's followers counted from a follow graph (``byline synth --edges``, then
    ``byline count``), as the demo shows it: the tallies reconcile (read = accepted +
    rejected), and what bot followers and matrix accounts come to."""

    out_dir: Path
    edges: int
    read: int
    accepted: int
    rejected: int
    duplicates: int  # repeated (follower, followee) pairs: counted once
    accounts_followed: int
    followers: int  # distinct followers, summed over the accounts
    effective: int  # the same without flagged (bot, inactive, banned) followers
    owners: int  # holders of several accounts
    owned_followers: int  # their accounts' followers, summed
    owner_followers: int  # their distinct audiences, summed
    seconds: float


@dataclass
class DemoReport:
    policy: str
    snapshot: Path
    accounts: int  # rows synthesised: the body sample, and the head when there is one
    synth_seconds: float
    represents: int = 0  # accounts of the platform the demo stands for
    head: Head | None = None  # its head, synthesised whole (None: the platform is all rows)
    head_accounts: int = 0
    steps: list[DemoStep] = field(default_factory=list)
    graph: DemoGraph | None = None
    programme: SimulationReport | None = None


def demo_dates(policy: Policy) -> list[DemoDate]:
    """The day before the first phase, each phase's first day, and a month after the last."""
    starts: dict[dt.date, list[str]] = {}
    for tier in policy.tiers:
        starts.setdefault(tier.phase_starts, []).append(tier.label)
    ordered = sorted(starts)
    dates = [DemoDate(ordered[0] - dt.timedelta(days=1), "the day before the first phase")]
    dates += [DemoDate(d, "phase starts: " + ", ".join(starts[d])) for d in ordered]
    dates.append(DemoDate(ordered[-1] + dt.timedelta(days=30), "a month after the last phase"))
    return dates


def prepare_workdir(workdir: Path) -> None:
    """Reuse a demo folder, or replace it cleanly; never touch a folder the demo did not make."""
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / _MARKER).exists():
        raise ValueError(f"{workdir}: exists and is not a Byline demo folder; choose another --dir")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / _MARKER).write_text("made by `byline demo`; replaced on the next run\n")


def demo_head(policy: Policy, accounts: int, sample: int) -> Head | None:
    """The head the demo synthesises whole for a platform of ``accounts``, beside a body of
    ``sample`` rows: every account at or above a fifth of the policy's floor (on the platform's
    size metric). None when the sample is the whole platform."""
    if accounts <= sample:
        return None
    profile = load_profile_for(policy.id)
    floor = policy.floor.threshold.get(profile.size_metric)
    if floor is None:
        return None
    return Head(accounts, max(1, floor // HEAD_CUT_DIVISOR))


def platform_size(policy_ref: str) -> int:
    """The accounts the demo's platform stands for unless told: ``DEMO_SHARE`` of those the
    platform's profile stands for (Weibo: 300 million of 600 million)."""
    reference = load_profile_for(load_policy(policy_ref).id).population.reference_accounts
    return round(reference * DEMO_SHARE)


def demo_rows(policy_ref: str, accounts: int, sample: int) -> int:
    """The rows the demo synthesises for a platform of ``accounts`` and a body ``sample``."""
    policy = load_policy(policy_ref)
    head = demo_head(policy, accounts, sample)
    return accounts if head is None else sample + head.rows(load_profile_for(policy.id))


def run_demo(
    workdir: Path,
    policy_ref: str = "weibo",
    accounts: int = 1_000_000,
    seed: int = 7,
    *,
    sample: int | None = None,
    on_synth: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    on_step: Callable[[DemoStep], None] | None = None,
    programme: bool = True,
    on_week: Callable[[WeekReport], None] | None = None,
    edges: int = 0,
    on_graph: Callable[[DemoGraph], None] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoReport:
    """The demo's platform stands for ``accounts`` accounts. With a ``sample`` smaller than
    that, its head (see ``demo_head``) is synthesised whole and its body as ``sample`` rows;
    otherwise every account is. ``on_synth`` gets rows written; ``on_progress`` gets (what,
    done, of) for the later steps: ``evaluate`` (dates), ``follow graph``, and the programme's
    ``weeks`` and each ``week <date>`` (cases)."""
    tell = on_progress or (lambda what, done, total: None)
    policy = load_policy(policy_ref)
    prepare_workdir(workdir)
    head = demo_head(policy, accounts, sample if sample is not None else accounts)
    rows = accounts if head is None else sample or 0
    started = time.perf_counter()
    snapshot = write_snapshot(
        workdir / "snapshot", policy.id, rows, seed, progress=on_synth, head=head
    )
    head_rows = head.rows(load_profile_for(policy.id)) if head else 0
    report = DemoReport(
        one_line(policy),
        snapshot,
        rows + head_rows,
        time.perf_counter() - started,
        represents=accounts,
        head=head,
        head_accounts=head_rows,
    )
    previous: Path | None = None
    dates = demo_dates(policy)
    for number, date in enumerate(dates):
        tell("evaluate", number, len(dates))
        out_dir = workdir / f"evaluation-{date.as_of.isoformat()}"
        result = evaluate(
            snapshot, policy, date.as_of, out_dir, previous=previous, progress=progress
        )
        step = DemoStep(
            date, out_dir, result.summary, floor_violations(out_dir / "decisions.parquet", policy)
        )
        report.steps.append(step)
        if on_step:
            on_step(step)
        previous = out_dir
    tell("evaluate", len(dates), len(dates))
    if edges:
        tell("follow graph", 0, 1)
        report.graph = count_demo_graph(workdir, snapshot, policy.id, rows, edges, seed, head)
        tell("follow graph", 1, 1)
        if on_graph:
            on_graph(report.graph)
    if programme:
        report.programme = simulate(
            workdir,
            snapshot,
            policy,
            policy_ref,
            seed=seed,
            on_week=on_week,
            on_progress=on_progress,
        )
    return report


def count_demo_graph(
    workdir: Path,
    snapshot: Path,
    platform: str,
    accounts: int,
    edges: int,
    seed: int,
    head: Head | None = None,
) -> DemoGraph:
    """A follow graph of ``edges`` for the demo's platform (its accounts, their in-degrees
    scaled from the snapshot's followers), counted as ``byline count`` counts it."""
    started = time.perf_counter()
    graph_dir, count_dir = workdir / "graph", workdir / "count"
    manifest = write_graph(graph_dir, platform, accounts, edges, seed, head=head)
    files = {k: graph_dir / v for k, v in manifest["files"].items()}
    counted = count_graph(
        files["edges"], count_dir, flags=files["flags"], owners=files["owners"], accounts=snapshot
    )
    counts = pq.read_table(
        count_dir / "counts.parquet", columns=["followers", "effective_followers"]
    )
    owners = pq.read_table(count_dir / "owners.parquet", columns=["owner_ref", "owner_followers"])
    owned = pq.read_table(count_dir / "counts.parquet", columns=["owner_ref", "followers"])
    owned = owned.filter(pc.is_valid(owned["owner_ref"]))
    return DemoGraph(
        out_dir=count_dir,
        edges=edges,
        read=counted.read,
        accepted=counted.accepted,
        rejected=counted.rejected,
        duplicates=counted.duplicates,
        accounts_followed=counted.accounts_followed,
        followers=counted.follows,  # distinct pairs: the accounts' followers summed
        effective=_total(counts["effective_followers"]),
        owners=counted.owners,
        owned_followers=_total(owned["followers"]),
        owner_followers=_total(owners["owner_followers"]),
        seconds=time.perf_counter() - started,
    )


def _total(column: pa.ChunkedArray) -> int:
    return int(pc.sum(column).as_py() or 0)


# --- serving the demo -------------------------------------------------------------------------

# The demo's people: one console user per staff role.
DEMO_STAFF = (
    ("demo-admin", Role.ADMIN),
    ("demo-compliance", Role.PLATFORM),
    ("demo-reviewer", Role.REVIEWER),
)
# Which creator the printed link signs in: someone with something to do, in this order.
_CREATOR_STATES = ("notified", "overdue", "rejected", "refused", "appealed", "submitted")


@dataclass(frozen=True)
class DemoAccess:
    """What the demo prints so that each kind of user can try it."""

    platform: str
    staff: list[tuple[str, str, Role]]  # username, password (shown once), role
    label_key: str
    creator_account: str | None
    creator_token: str | None
    now: dt.datetime


def demo_now(policy: Policy) -> dt.datetime:
    """Where the served demo's clock starts: the day after the simulation's last cycle."""
    last = weekly_dates(policy)[-1]
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(9, 0), dt.UTC)


def running_clock(start: dt.datetime) -> Clock:
    """A clock that starts at ``start`` and runs at the speed of the wall clock."""
    origin = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - origin)


def demo_access(services: Services, policy: Policy) -> DemoAccess:
    """Console users for each staff role, a label key, and a creator's sign-in token (valid for
    an hour) for an account whose case asks something of its holder."""
    access = services.access
    now = access.now()
    staff = []
    for username, role in DEMO_STAFF:
        password = access.create_staff_user(
            policy.id, username, role, actor="demo", password=secrets.token_urlsafe(9)
        )
        staff.append((username, password, role))
    label_key = access.create_api_key(
        policy.id, Role.LABEL, actor="demo", label="demo label lookups"
    )
    secret = access.register_creator_key(policy.id, actor="demo")
    account = None
    for state in (*_CREATOR_STATES, None):  # None: any case, e.g. a disclosed holder
        found = services.cases.list_cases(policy.id, CaseState(state) if state else None, limit=1)
        if found:
            account = found[0].account_id
            break
    token = (
        issue_creator_token(secret, policy.id, account, now, dt.timedelta(hours=1))
        if account
        else None
    )
    return DemoAccess(policy.id, staff, label_key, account, token, now)


def demo_receiver(
    services: Services, policy: Policy, workdir: Path
) -> outbox.WebhookReceiver | None:
    """The demo platform's webhook receiver, listening again (started) where the simulation's
    listened, with its secret, so that what the served demo sends is taken, checked and logged
    (``webhooks-received.jsonl``); None when there is no such endpoint or its port is taken now
    (deliveries then wait and retry)."""
    from urllib.parse import urlsplit

    with services.deps.db.reading() as conn:
        endpoints = outbox.list_endpoints(conn, platform=policy.id, active_only=True)
    for endpoint in endpoints:
        url = urlsplit(endpoint.url)
        if url.hostname != "127.0.0.1" or url.port is None:
            continue
        receiver = outbox.WebhookReceiver(
            endpoint.secret, path=url.path, port=url.port, log=received_log(workdir)
        )
        try:
            return receiver.start()
        except OSError:
            return None
    return None


def demo_snapshot_dir(workdir: Path, platform: str) -> Path:
    """The folder the served demo reads snapshots from (shadow runs, cycles through the API):
    one subfolder per platform, holding the last simulated week's snapshot."""
    root = workdir / "snapshots"
    own = root / platform
    own.mkdir(parents=True, exist_ok=True)
    weeks = sorted((workdir / "weeks").glob("*.parquet"))
    target = own / "last-week.parquet"
    if weeks and not target.exists():
        try:
            target.hardlink_to(weeks[-1])
        except OSError:
            shutil.copyfile(weeks[-1], target)
    return root
