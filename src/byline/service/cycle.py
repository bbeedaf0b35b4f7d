"""A cycle: evaluate a snapshot, then open, notify, observe, sweep and release cases.

Idempotent (the same inputs twice give no new effects) and crash-safe (every batch of
transitions commits whole; a re-run skips what is done), with time taken from ``as_of`` only.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from byline import audit, cases, outbox
from byline.domain.cases import (
    Case,
    CaseState,
    Event,
    Notify,
    Observe,
    Open,
    Sweep,
    at_or_above_floor,
    is_stale,
)
from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.domain.vocabulary import AccountKind, AuditAction, Outcome
from byline.engine import (
    SUMMARY,
    FlaggedOwner,
    Progress,
    Reported,
    SnapshotError,
    current_metrics,
    evaluate,
    flagged_owners,
    reported_accounts,
)
from byline.service._batches import BatchRunner
from byline.service._decisions import decisions_for
from byline.service._sealing import seal_and_send
from byline.service.counts import record_stale
from byline.service.policies import PolicyText, activate, active_source, digest
from byline.store import Connection, Database, Exclusive, Held

ACTOR = "cycle"
FLAGGED_KEPT = 100  # flagged owners a cycle's report keeps for the dashboard, largest first


class StaleSnapshot(CodedError, ValueError):
    """A cycle as of a date older than the platform's newest cycle: its snapshot would move
    cases back to older counts, so it is refused (and the refusal is audited)."""


class CycleRunning(CodedError):
    """The same cycle is being run by another process (or thread) now."""

    def __init__(self, cycle_id: str) -> None:
        super().__init__(
            f"cycle {cycle_id} is running elsewhere; it was not started again here"
            " (once that run ends, running it again reports it done)",
            code="cycle_running",
            cycle_id=cycle_id,
        )


@dataclass
class CycleReport:
    cycle_id: str
    as_of: str
    policy: str
    already_done: bool
    evaluation: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    funnel: dict[str, int] = field(default_factory=dict)
    missing_from_snapshot: int = 0
    stale: int = 0  # required or open accounts whose pushed counts on file are newer: untouched
    restricted_accounts: int = 0
    seconds: float = 0.0
    outputs: str | None = None  # where the evaluation's outputs (and rejects) were kept
    # Owners whose audience reaches a tier while each of their accounts is below the floor:
    # how many (None: the snapshot names no owners), and the largest ``FLAGGED_KEPT`` of them.
    flagged_owners: int | None = None
    flagged_owner_rows: list[FlaggedOwner] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], **changes: Any) -> CycleReport:
        """A report as ``as_dict`` stored it (a finished cycle's summary), with ``changes``."""
        rows = [FlaggedOwner.from_dict(r) for r in data.get("flagged_owner_rows") or ()]
        return cls(**{**data, "flagged_owner_rows": rows, **changes})


def cycle_id_for(snapshot: Path, policy_source_digest: str, as_of: dt.date) -> str:
    try:
        stat = snapshot.stat()
    except OSError as exc:
        raise SnapshotError(f"{snapshot}: cannot read ({exc.strerror})") from None
    identity = f"{snapshot.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{policy_source_digest}"
    return hashlib.sha256(f"{identity}|{as_of.isoformat()}".encode()).hexdigest()[:32]


_P = ParamSpec("_P")
_R = TypeVar("_R")
_locks: contextvars.ContextVar[Exclusive] = contextvars.ContextVar("byline.cycle.locks")


def _one_run_at_a_time(run: Callable[_P, _R]) -> Callable[_P, _R]:
    """``run``, with the locks its ``_claim_cycle`` takes released however it ends."""

    @functools.wraps(run)
    def running(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        db = args[0] if args else kwargs["db"]
        assert isinstance(db, Database)
        with Exclusive(db) as locks:
            token = _locks.set(locks)
            try:
                return run(*args, **kwargs)
            finally:
                _locks.reset(token)

    return running


@dataclass(frozen=True)
class _Run:
    """What every phase of one cycle's run shares."""

    db: Database
    policy: Policy
    as_of: dt.date
    now: dt.datetime
    cycle_id: str
    runner: BatchRunner


@_one_run_at_a_time
def run_cycle(
    db: Database,
    snapshot: Path | None,
    policy_ref: str | Path | PolicyText,
    as_of: dt.date,
    *,
    transaction_size: int = 500,
    progress: Progress | None = None,
    on_step: Callable[[str], None] | None = None,
    keep: Path | None = None,
    sealer: audit.Sealer | None = None,
    decisions: Path | None = None,
) -> CycleReport:
    """Run one cycle. With ``decisions`` (an evaluation's output folder, made by either engine
    anywhere) the cycle acts on those decisions instead of evaluating ``snapshot``; they must
    be of the cycle's policy version and date (``DecisionsRefused``), and ``snapshot``, when
    given, is read only for the open cases' accounts below every threshold. With ``keep``,
    the evaluation's outputs (decisions, summary, and every rejected row with its reason) stay
    in ``keep/<cycle id>/``; nothing is dropped unseen.
    With ``sealer`` (the vault's key provider: every front door passes it), the audit chain's
    head is sealed when the cycle finishes.

    The phases, in order: claim the cycle, evaluate the snapshot, open the newly required
    cases, observe the open ones, notify (a batch), sweep the deadlines, finish and seal."""
    started = time.perf_counter()
    now = dt.datetime.combine(as_of, dt.time(), dt.UTC)
    say = on_step or (lambda _: None)
    with db.transaction() as conn:
        policy, _ = activate(conn, policy_ref, actor=ACTOR, now=now)
        if decisions is not None:  # refused before anything is activated
            decisions_for(decisions, policy, as_of)
        source = active_source(conn, policy.id).source
    # What the cycle acts on: the snapshot's file, or the decisions' summary.
    acted_on = decisions / SUMMARY if decisions is not None else snapshot
    if acted_on is None:
        raise SnapshotError("a cycle needs a snapshot to evaluate, or decisions made elsewhere")
    cycle_id = cycle_id_for(acted_on, digest(source), as_of)
    done = _claim_cycle(db, cycle_id, policy, decisions or acted_on, as_of, now)
    if done is not None:
        return done
    report = CycleReport(cycle_id, as_of.isoformat(), f"{policy.id} {policy.version}", False)
    actions: Counter[str] = Counter()
    runner = BatchRunner(db, policy, now, cycle_id, transaction_size, actions)
    run = _Run(db, policy, as_of, now, cycle_id, runner)

    say("evaluate")
    reported = _evaluate_snapshot(run, snapshot, report, keep, progress, decisions)
    say("open")
    stale = _open_cases(run, reported)
    say("observe")
    report.missing_from_snapshot = _observe_cases(run, snapshot, reported)
    say("notify")
    _notify_cases(run)
    say("sweep")
    _sweep_deadlines(run)

    # Open cases with newer pushed counts were left as they are, each audited.
    report.stale = stale + actions.pop(AuditAction.OBSERVATION_STALE.value, 0)
    report.actions = dict(sorted(actions.items()))
    _finish(run, report, started, sealer)
    return report


def _evaluate_snapshot(
    run: _Run,
    snapshot: Path | None,
    report: CycleReport,
    keep: Path | None,
    progress: Progress | None,
    decisions: Path | None,
) -> dict[str, Reported]:
    """Evaluate the snapshot (outputs kept in ``keep/<cycle id>/`` when asked), or read the
    decisions made elsewhere; the accounts reported, by id. The counts go on ``report``."""
    if decisions is not None:
        s = decisions_for(decisions, run.policy, run.as_of)
        reported = {r.account_id: r for r in reported_accounts(decisions, run.policy)}
        report.flagged_owner_rows = flagged_owners(decisions, run.policy, FLAGGED_KEPT)
        out_dir: Path | None = decisions
    else:
        assert snapshot is not None
        with tempfile.TemporaryDirectory(prefix="byline-cycle-") as tmp:
            out_dir = keep / run.cycle_id if keep is not None else Path(tmp)
            evaluation = evaluate(snapshot, run.policy, run.as_of, out_dir, progress=progress)
            reported = {r.account_id: r for r in reported_accounts(out_dir, run.policy)}
            report.flagged_owner_rows = flagged_owners(out_dir, run.policy, FLAGGED_KEPT)
        s = evaluation.summary
        out_dir = out_dir if keep is not None else None
    report.flagged_owners = s.flagged_owners
    report.evaluation = {
        "read": s.read,
        "accepted": s.accepted,
        "rejected": s.rejected,
        "required": s.required,
    }
    report.outputs = str(out_dir) if out_dir is not None else None
    return reported


def _open_cases(run: _Run, reported: dict[str, Reported]) -> int:
    """Open a case for every newly required account; how many were left unopened because
    the platform pushed newer counts for them (each audited as stale)."""
    policy, as_of = run.policy, run.as_of
    with run.db.reading() as conn:
        open_ids = cases.open_account_ids(conn, policy.id)
        pushed_later = cases.observed_after(conn, policy.id, as_of)
    newly = [
        r
        for r in reported.values()
        if r.outcome == Outcome.REQUIRED.value and r.account_id not in open_ids
    ]
    # An account the platform pushed newer counts for is not opened on this older snapshot.
    stale = {
        r.account_id: pushed_later[r.account_id] for r in newly if r.account_id in pushed_later
    }
    if stale:
        newly = [r for r in newly if r.account_id not in stale]
        with run.db.transaction() as conn:
            record_stale(
                conn,
                policy.id,
                policy_label=f"{policy.id} {policy.version}",
                stale=stale,
                on=as_of,
                now=run.now,
                actor=ACTOR,
                source="cycle",
                request_id=run.cycle_id,
            )
    run.runner.run(
        newly,
        lambda r, case: (
            None
            if case is not None
            else Open(
                str(uuid.uuid4()),
                r.account_id,
                AccountKind(r.kind),
                str(r.tier),
                r.metrics,
                as_of,
                run.cycle_id,
            )
        ),
        key=lambda r: r.account_id,
    )
    return len(stale)


def _observe_cases(run: _Run, snapshot: Path | None, reported: dict[str, Reported]) -> int:
    """Give every open case this snapshot's counts of its account (reported, or read back for
    accounts below every threshold); how many open cases' accounts the snapshot lacks (with
    decisions made elsewhere and no snapshot: every open account they do not report)."""
    with run.db.reading() as conn:
        open_ids = cases.open_account_ids(conn, run.policy.id)
    below = open_ids - reported.keys()
    elsewhere = current_metrics(snapshot, run.policy, below) if snapshot is not None else {}

    def observation(account_id: str, case: Case | None) -> Event | None:
        if case is None:
            return None
        if account_id in reported:
            r = reported[account_id]
            required = r.outcome == Outcome.REQUIRED.value
            return Observe(r.metrics, run.as_of, required, r.tier if required else None)
        if account_id in elsewhere:
            return Observe(elsewhere[account_id], run.as_of, False, None)
        return None  # not in this snapshot: nothing to observe

    run.runner.run(sorted(open_ids), observation, key=lambda a: a)
    return len(open_ids - reported.keys() - elsewhere.keys())


def _notify_cases(run: _Run) -> None:
    """Notify required cases, highest tier and largest accounts first, up to the policy's
    batch size for this cycle."""
    policy = run.policy
    with run.db.reading() as conn:
        waiting = cases.cases_in(conn, policy.id, [CaseState.REQUIRED])
        already = cases.count_notified_in_cycle(conn, run.cycle_id)
    rank = {t.id: i for i, t in enumerate(policy.tiers)}
    metric = next(iter(policy.floor.threshold))
    waiting.sort(
        key=lambda c: (rank.get(c.tier or "", len(rank)), -c.metrics.get(metric, 0), c.account_id)
    )
    # Only accounts still at or above the floor are told; the others wait for release.
    waiting = [c for c in waiting if at_or_above_floor(c.metrics, policy)]
    batch = waiting[: max(0, policy.notice.batch_size - already)]
    run.runner.run(
        [c.account_id for c in batch],
        lambda a, case: (
            Notify(run.cycle_id) if case is not None and case.state is CaseState.REQUIRED else None
        ),
        key=lambda a: a,
    )


def _sweep_deadlines(run: _Run) -> None:
    """Sweep every notified or rejected case whose deadline has passed."""
    with run.db.reading() as conn:
        due = [
            c.account_id
            for c in cases.cases_in(conn, run.policy.id, [CaseState.NOTIFIED, CaseState.REJECTED])
            if c.deadline is not None and c.deadline <= run.now
        ]
    run.runner.run(due, lambda a, case: Sweep() if case is not None else None, key=lambda a: a)


def _finish(run: _Run, report: CycleReport, started: float, sealer: audit.Sealer | None) -> None:
    """Count the funnel, mark the cycle finished and audit it; then seal the audit chain's
    head (or send it unsealed). Nothing more is recorded when another run finished it first."""
    policy, cycle_id, now = run.policy, run.cycle_id, run.now
    with run.db.transaction() as conn:
        report.funnel = {
            st.value: n
            for st in CaseState
            if (n := cases.state_counts(conn, policy.id).get(st.value, 0))
        }
        report.restricted_accounts = _restricted(conn, policy.id)
        report.seconds = round(time.perf_counter() - started, 3)
        if not _finish_cycle(conn, cycle_id, now, report.as_dict()):
            return
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=ACTOR,
                action=AuditAction.CYCLE_FINISHED,
                policy_version=report.policy,
                request_id=cycle_id,
                detail={"actions": report.actions, "funnel": report.funnel},
            ),
        )
        # The platform keeps the chain's head: later, `audit verify --anchor` proves that
        # nothing was cut off the end of the log since; sealed, it cannot be forged either.
        if sealer is not None:
            seal_and_send(
                conn,
                sealer,
                policy.id,
                now,
                "cycle",
                key=f"audit-head:{cycle_id}",
                extra={"cycle_id": cycle_id},
            )
        else:
            seq, digest_ = audit.head(conn)
            outbox.enqueue(
                conn,
                platform=policy.id,
                topic=outbox.Topic.AUDIT,
                at=now,
                key=f"audit-head:{cycle_id}",
                payload={"seq": seq, "hash": digest_, "cycle_id": cycle_id},
            )


def _claim_cycle(
    db: Database, cycle_id: str, policy: Policy, snapshot: Path, as_of: dt.date, now: dt.datetime
) -> CycleReport | None:
    """Take the cycle for this run: its report if it is already done (None: run it).

    Only one run of a cycle at a time (``CycleRunning`` for another), held until the run
    ends; a run that died leaves the cycle ``running``, and the next run takes it over. The
    row is inserted or left as it is, so ``cycle:started`` is audited once, whoever gets there.
    """
    try:
        _locks.get().take(f"cycle:{cycle_id}")
    except Held:
        raise CycleRunning(cycle_id) from None
    with db.transaction() as conn:
        done = cases.cycle(conn, cycle_id)
        if done is not None and done.status == "finished":
            return CycleReport.from_dict(done.summary, already_done=True)
        newest = cases.newest_cycle_as_of(conn, policy.id, other_than=cycle_id)
        refused = done is None and is_stale(as_of, newest)
        if refused:  # audited, then refused once the entry has committed
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=ACTOR,
                    action=AuditAction.OBSERVATION_STALE,
                    policy_version=f"{policy.id} {policy.version}",
                    request_id=cycle_id,
                    detail={
                        "source": "cycle",
                        "snapshot": snapshot.name,
                        "as_of": as_of.isoformat(),
                        "newest_on_file": str(newest),
                    },
                ),
            )
            started = False
        else:
            started = cases.start_cycle(
                conn,
                cycle_id,
                platform=policy.id,
                policy_version=policy.version,
                snapshot=str(snapshot),
                as_of=as_of,
                at=now,
            )
        if started:
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=ACTOR,
                    action=AuditAction.CYCLE_STARTED,
                    policy_version=f"{policy.id} {policy.version}",
                    request_id=cycle_id,
                    detail={"snapshot": snapshot.name, "as_of": as_of.isoformat()},
                ),
            )
    if refused:
        raise StaleSnapshot(
            f"{snapshot.name}: a cycle as of {as_of} is older than the platform's newest cycle"
            f" (as of {newest}); its counts would move cases back, so it is not run",
            code="stale_snapshot",
            as_of=as_of.isoformat(),
            newest=str(newest),
        )
    return None


def _finish_cycle(
    conn: Connection, cycle_id: str, now: dt.datetime, summary: dict[str, Any]
) -> bool:
    """Mark the cycle finished; False when it already was (then nothing more is recorded):
    only the transaction that moves it from running to finished audits ``cycle:finished``."""
    return cases.finish_cycle(conn, cycle_id, now, summary)


def _restricted(conn: Connection, platform: str) -> int:
    return len(cases.restrictions_in_force(conn, platform))
