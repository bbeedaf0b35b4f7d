"""A simulated programme: weekly cycles over a synthetic platform whose counts drift, with
simulated creators (comply, refuse, appeal, purge followers, ignore, volunteer, change name) and
reviewers, and a webhook receiver that takes the platform's side of the outbox.

Used by ``byline demo``; deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from byline import cases, outbox
from byline.domain.cases import Case, CaseState, TransitionError
from byline.domain.policy import Policy
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    RefusalReason,
    RejectionReason,
)
from byline.engine import accounts_between, drifted_snapshot
from byline.service._base import wall_clock
from byline.service.cycle import CycleReport, run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database, sqlite_url
from byline.store.migrate import upgrade
from byline.vault import LocalKeyProvider, Vault

PERSONAS = (  # (persona, share)
    ("comply", 0.50),
    ("late", 0.10),  # complies after the deadline, under penalties
    ("refuse", 0.12),
    ("appeal", 0.10),
    ("purge", 0.08),
    ("ignore", 0.10),
)
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰")


@dataclass
class WeekReport:
    as_of: dt.date
    cycle: CycleReport
    funnel: dict[str, int]
    restricted: int
    labels_live: int
    creator_actions: dict[str, int]
    delivered: int


@dataclass
class SimulationReport:
    weeks: list[WeekReport] = field(default_factory=list)
    audit_ok: bool = False
    audit_entries: int = 0
    promise_breaches: int = 0
    webhook: dict[str, int] = field(default_factory=dict)
    cases: int = 0  # cases the programme ran, in any state at its end (volunteers' too)


def received_log(workdir: Path) -> Path:
    """Where the demo platform's receiver logs each webhook it takes (headers and body)."""
    return workdir / "webhooks-received.jsonl"


def weekly_dates(policy: Policy, weeks_after: int = 6) -> list[dt.date]:
    """Mondays from the week before the first phase to some weeks after the last."""
    first = min(t.phase_starts for t in policy.tiers)
    last = max(t.phase_starts for t in policy.tiers)
    start = first - dt.timedelta(days=first.weekday() + 7)
    end = last + dt.timedelta(weeks=weeks_after)
    dates = []
    day = start
    while day <= end:
        dates.append(day)
        day += dt.timedelta(days=7)
    # every phase start is a cycle day too, so no phase waits for the next Monday
    return sorted({*dates, *(t.phase_starts for t in policy.tiers)})


def evolve(base: Path, out: Path, week: int, purged: dict[str, int], metric: str) -> Path:
    """This week's snapshot: counts drift (some accounts grow, some shrink) and purges apply."""
    return drifted_snapshot(base, out, week, purged, metric)


def simulate(
    workdir: Path,
    snapshot: Path,
    policy: Policy,
    policy_ref: str,
    *,
    seed: int,
    on_week: Callable[[WeekReport], None] | None = None,
    volunteers: int = 3,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> SimulationReport:
    """Run the programme week by week. ``on_progress`` hears ``("weeks", done, of)`` after each
    week and ``("week <date>", cases done, of)`` while that week's people act."""
    tell = on_progress or (lambda what, done, total: None)
    rng = random.Random(seed)
    clock_now = [dt.datetime(2023, 1, 1, tzinfo=dt.UTC)]
    db_url = sqlite_url(workdir / "byline.db")
    from byline.service.wiring import open_database

    # the simulated weeks are rebuilt on every run: no need to sync each commit to the disk
    db = open_database(db_url, durable=False)
    upgrade(db.engine)
    provider = LocalKeyProvider.from_key_file(workdir / "byline.keys.json", create=True)
    programme = Programme(db, Vault(provider), lambda: clock_now[0], provider)
    metric = next(iter(policy.floor.threshold))
    report = SimulationReport()
    purged: dict[str, int] = {}
    persona: dict[str, str] = {}
    secret = outbox.new_secret()
    delivery_time = [clock_now[0]]  # when the week's deliveries go out, in simulated time
    # The receiver checks signatures against its wall clock, as a platform's would: the
    # requests are real, so their signatures carry the real time they leave.
    with (
        outbox.WebhookReceiver(secret, log=received_log(workdir)) as receiver,
        outbox.HttpSink() as sink,
    ):
        dispatcher = _dispatcher(db, policy, receiver, sink, secret, clock_now[0])
        dates = weekly_dates(policy)
        tell("weeks", 0, len(dates))
        for week, day in enumerate(dates):
            tell(f"week {day}", 0, 0)
            now = dt.datetime.combine(day, dt.time(), dt.UTC)
            clock_now[0] = now
            week_snapshot = evolve(
                snapshot, workdir / "weeks" / f"{day}.parquet", week, purged, metric
            )
            cycle = run_cycle(db, week_snapshot, policy_ref, day, sealer=programme.vault.sealer)
            actions: dict[str, int] = {}
            if week == 1:
                _volunteer(programme, snapshot, policy, volunteers, rng, actions)
            _creators_and_reviewers(
                programme,
                db,
                policy,
                day,
                rng,
                persona,
                purged,
                actions,
                functools.partial(_tell_week, tell, day),
            )
            delivery_time[0] = now + dt.timedelta(days=6)
            delivered = _deliver(dispatcher, delivery_time[0])
            week_report = _week_report(programme, db, policy, day, cycle, actions, delivered)
            report.weeks.append(week_report)
            tell("weeks", week + 1, len(dates))
            if on_week:
                on_week(week_report)
        report.cases = sum(report.weeks[-1].funnel.values()) if report.weeks else 0
        report.webhook = {
            "received": len(receiver.messages),
            "duplicates": len(receiver.duplicates),
            "rejected": len(receiver.rejected),
        }
    _check(db, policy, report)
    db.dispose()
    return report


def _dispatcher(
    db: Database,
    policy: Policy,
    receiver: outbox.WebhookReceiver,
    sink: outbox.HttpSink,
    secret: str,
    now: dt.datetime,
) -> outbox.Dispatcher:
    """The demo's receiver registered for every topic, and a dispatcher that may reach it."""
    with db.transaction() as conn:
        outbox.register_endpoint(conn, policy.id, receiver.url, secret, list(outbox.Topic), now)
    # the demo's own receiver listens on loopback: its address is allowed, nothing else is
    host = outbox.check_url(receiver.url)[0]
    guard = outbox.WebhookGuard(outbox.AllowList.parse(host))
    return outbox.Dispatcher(db, sink, batch=500, guard=guard, stamp=wall_clock)


def _week_report(
    programme: Programme,
    db: Database,
    policy: Policy,
    day: dt.date,
    cycle: CycleReport,
    actions: dict[str, int],
    delivered: int,
) -> WeekReport:
    funnel = {state.value: n for state, n in programme.funnel(policy.id).items()}
    return WeekReport(day, cycle, funnel, _restricted(db), _labels_live(db), actions, delivered)


def _check(db: Database, policy: Policy, report: SimulationReport) -> None:
    """The audit chain and the threshold promise, checked after the last week."""
    with db.reading() as conn:
        from byline import audit

        chain = audit.verify(conn)
        report.audit_ok, report.audit_entries = chain.ok, chain.entries
        report.promise_breaches = _promise_breaches(conn, policy)


def _tell_week(tell: Callable[[str, int, int], None], day: dt.date, done: int, total: int) -> None:
    tell(f"week {day}", done, total)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))


def _volunteer(
    programme: Programme,
    snapshot: Path,
    policy: Policy,
    count: int,
    rng: random.Random,
    actions: dict[str, int],
) -> None:
    """A few holders below the floor choose to show their names (as Weibo's CEO did)."""
    if not policy.voluntary.allowed:
        return
    metric = next(iter(policy.floor.threshold))
    rows = accounts_between(snapshot, metric, 50_000, 400_000, count)
    for account_id, kind in rows:
        programme.volunteer(
            policy.id,
            account_id,
            _name(rng),
            AccountKind(kind),
            actor=Actor(f"creator:{account_id}"),
        )
        programme.approve(policy.id, account_id, actor=Actor("reviewer:sim"))
        actions["volunteered"] = actions.get("volunteered", 0) + 1


def _creators_and_reviewers(
    programme: Programme,
    db: Any,
    policy: Policy,
    day: dt.date,
    rng: random.Random,
    persona: dict[str, str],
    purged: dict[str, int],
    actions: dict[str, int],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """One week's simulated people at work on every open case, each at some hour of the week:
    holders by their persona (kept from week to week in ``persona``), reviewers at random.
    What they did is counted in ``actions``; followers purged go in ``purged``. ``progress``
    hears (cases done, of) every hundred cases and at the end."""
    base = dt.datetime.combine(day, dt.time(), dt.UTC)
    with db.reading() as conn:
        open_cases = [c for batch in cases.iter_open(conn, policy.id) for c in batch]
    week = _Week(programme, policy, rng, purged, actions)
    for done, case in enumerate(open_cases):
        if progress and done % 100 == 0:
            progress(done, len(open_cases))
        at = base + dt.timedelta(hours=rng.randint(1, 60))
        if case.voluntary:
            week.volunteer_acts(case, at)
            continue
        p = persona.setdefault(case.account_id, _pick(rng))
        if case.state in (CaseState.SUBMITTED, CaseState.APPEALED):
            week.reviewer_acts(case, at)
        else:
            week.creator_acts(case, p, at)
    if progress:
        progress(len(open_cases), len(open_cases))


@dataclass
class _Week:
    """The simulated holders and reviewers of one week, and what they did."""

    programme: Programme
    policy: Policy
    rng: random.Random
    purged: dict[str, int]
    actions: dict[str, int]
    reviewer: Actor = field(default_factory=lambda: Actor("reviewer:sim"))

    def act(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Do it, and count it as ``kind``; an action the case refuses is not counted."""
        try:
            fn(*args, **kwargs)
        except TransitionError:
            return
        self.actions[kind] = self.actions.get(kind, 0) + 1

    def volunteer_acts(self, case: Case, at: dt.datetime) -> None:
        """A few volunteers withdraw their disclosure."""
        if case.state is CaseState.DISCLOSED and self.rng.random() < 0.05:
            who = Actor(f"creator:{case.account_id}")
            self.act(
                "withdrawn",
                self.programme.withdraw,
                self.policy.id,
                case.account_id,
                actor=who,
                at=at,
            )

    def creator_acts(self, case: Case, p: str, at: dt.datetime) -> None:
        """The holder of a required case acts as their persona ``p`` does."""
        programme, pid, a, rng = self.programme, self.policy.id, case.account_id, self.rng
        who = Actor(f"creator:{a}")
        state = case.state
        if state is CaseState.NOTIFIED:
            if p == "comply":
                self.act(
                    "submitted",
                    programme.submit,
                    pid,
                    a,
                    _name(rng),
                    consent=True,
                    actor=who,
                    at=at,
                )
            elif p == "refuse":
                self.act(
                    "refused",
                    programme.refuse,
                    pid,
                    a,
                    actor=who,
                    reason=RefusalReason.PRIVACY,
                    at=at,
                )
            elif p == "appeal":
                self.act(
                    "appealed",
                    programme.appeal,
                    pid,
                    a,
                    AppealReason.WRONG_CATEGORY,
                    actor=who,
                    at=at,
                )
            elif p == "purge" and a not in self.purged:
                metric = next(iter(self.policy.floor.threshold))
                self.purged[a] = int(case.metrics.get(metric, 0) * 0.3)
                self.actions["purged followers"] = self.actions.get("purged followers", 0) + 1
        elif state is CaseState.OVERDUE and p == "late":
            self.act(
                "submitted late",
                programme.submit,
                pid,
                a,
                _name(rng),
                consent=True,
                actor=who,
                at=at,
            )
        elif state is CaseState.REJECTED:
            self.act(
                "resubmitted", programme.submit, pid, a, _name(rng), consent=True, actor=who, at=at
            )
        elif state is CaseState.DISCLOSED and rng.random() < 0.03:
            self.act(
                "name change", programme.submit, pid, a, _name(rng), consent=True, actor=who, at=at
            )

    def reviewer_acts(self, case: Case, at: dt.datetime) -> None:
        """A reviewer approves most submissions and rejects the rest, and decides appeals."""
        programme, pid, a, rng = self.programme, self.policy.id, case.account_id, self.rng
        reviewer = self.reviewer
        if case.state is CaseState.SUBMITTED:
            if rng.random() < 0.85:
                self.act("approved", programme.approve, pid, a, actor=reviewer, at=at)
            else:
                self.act(
                    "rejected",
                    programme.reject,
                    pid,
                    a,
                    RejectionReason.NAME_MISMATCH,
                    actor=reviewer,
                    at=at,
                )
        elif case.state is CaseState.APPEALED:
            upheld = rng.random() < 0.4
            self.act(
                "appeal upheld" if upheld else "appeal denied",
                programme.decide_appeal,
                pid,
                a,
                upheld=upheld,
                reason=AppealDecisionReason.CATEGORY_CORRECTED
                if upheld
                else AppealDecisionReason.CATEGORY_CONFIRMED,
                actor=reviewer,
                at=at,
            )


def _pick(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, share in PERSONAS:
        total += share
        if roll < total:
            return name
    return PERSONAS[-1][0]


def _deliver(dispatcher: outbox.Dispatcher, now: dt.datetime) -> int:
    delivered = 0
    for _ in range(100):
        stats = dispatcher.deliver_due(now)
        delivered += stats.delivered
        if stats.attempted == 0:
            break
    return delivered


def _restricted(db: Any) -> int:
    with db.reading() as conn:
        return len(cases.restrictions_in_force(conn))


def _labels_live(db: Any) -> int:
    with db.reading() as conn:
        return cases.live_label_count(conn)


def _promise_breaches(conn: Any, policy: Policy) -> int:
    """Live labels of accounts that did not volunteer and whose last counts are below the
    floor: the threshold promise says there are none."""
    rows = cases.labelled_case_counts(conn)
    floor = policy.floor.threshold
    return sum(
        1
        for metrics, voluntary in rows
        if not voluntary and any(metrics.get(m, 0) < v for m, v in floor.items())
    )
