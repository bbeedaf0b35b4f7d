"""What the compliance lead's dashboard reads: tiers with their open cases, deadlines coming
due, restrictions in force, flagged drops, owners flagged by the latest cycle, finished cycles,
and the policy in force with its activations. Reads only; no names (nothing here touches the
vault; an owner is its ``owner_ref``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from byline import cases
from byline.domain.policy import Policy
from byline.engine import SUMMARY, FlaggedOwner, GroupBy
from byline.service._base import Service
from byline.service.policies import NoActivePolicy, active_policy
from byline.service.trends import TREND_CYCLES, Trends, trends_of
from byline.service.whatif import WhatIf, what_if, whatif_chart
from byline.store import Connection, Database

DEADLINE_HORIZON = dt.timedelta(days=14)
LIST_LIMIT = 100
CYCLES_SHOWN = 12
LATEST_CYCLE = "@cycle"  # a snapshot to read: the platform's latest cycle's


@dataclass(frozen=True)
class TierRow:
    tier_id: str
    label: str
    threshold: dict[str, int]
    phase_starts: dt.date
    comply_by: dt.date | None
    open_cases: int
    required_last_cycle: int | None  # None: the last cycle kept no per-tier counts


@dataclass(frozen=True)
class CycleRow:
    """A finished cycle, from the summary it wrote (``CycleReport.as_dict``)."""

    cycle_id: str
    as_of: dt.date
    policy: str
    finished_at: dt.datetime | None
    read: int
    rejected: int
    required: int
    opened: int
    notified: int
    disclosed: int
    restricted: int
    by_tier: dict[str, int] | None
    flagged_owners: int | None = None  # None: its snapshot named no owners (or it predates them)
    flagged_owner_rows: tuple[FlaggedOwner, ...] = ()
    funnel: dict[str, int] = field(default_factory=dict)  # cases per state as it ended


@dataclass(frozen=True)
class Activation:
    version: str
    activated_at: dt.datetime
    actor: str
    digest: str


@dataclass(frozen=True)
class DeadlineRow:
    """An open case whose deadline is near."""

    account_id: str
    state: str
    tier: str | None
    deadline: dt.datetime


@dataclass(frozen=True)
class FlaggedRow:
    """An open case carrying a flag (a steep follower drop), with the counts behind it."""

    account_id: str
    state: str
    tier: str | None
    flags: tuple[str, ...]
    metrics: dict[str, int]
    observed_on: dt.date | None


@dataclass
class Overview:
    platform: str
    policy: Policy | None
    activation: Activation | None
    tiers: list[TierRow] = field(default_factory=list)
    open_without_tier: int = 0  # open cases in no tier (volunteers)
    last_cycle: CycleRow | None = None
    cycles: list[CycleRow] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    restrictions: list[tuple[str, int]] = field(default_factory=list)
    restricted_accounts: int = 0
    flagged: list[FlaggedRow] = field(default_factory=list)
    # Owners the latest finished cycle flagged: how many (None: no cycle, or its snapshot
    # named no owners), and the largest audiences first (at most ``cycle.FLAGGED_KEPT``).
    flagged_owners: int | None = None
    flagged_owner_rows: list[FlaggedOwner] = field(default_factory=list)


def overview(db: Database, platform: str, now: dt.datetime) -> Overview:
    """Everything the dashboard shows for ``platform`` at ``now``."""
    with db.reading() as conn:
        try:
            policy: Policy | None = active_policy(conn, platform)
        except NoActivePolicy:
            policy = None
        history = _activations(conn, platform, 1)
        result = Overview(platform, policy, history[0] if history else None)
        result.cycles = finished_cycles(conn, platform, CYCLES_SHOWN)
        result.last_cycle = result.cycles[-1] if result.cycles else None
        per_tier = open_cases_by_tier(conn, platform)
        by_tier = result.last_cycle.by_tier if result.last_cycle else None
        for tier in policy.tiers if policy else ():
            result.tiers.append(
                TierRow(
                    tier.id,
                    tier.label,
                    dict(tier.threshold),
                    tier.phase_starts,
                    tier.comply_by,
                    per_tier.pop(tier.id, 0),
                    None if by_tier is None else by_tier.get(tier.id, 0),
                )
            )
        result.open_without_tier = sum(per_tier.values())
        result.deadlines = deadlines_due(conn, platform, now, now + DEADLINE_HORIZON)
        result.restrictions, result.restricted_accounts = restrictions_in_force(conn, platform)
        result.flagged = flagged_cases(conn, platform)
    if result.last_cycle is not None:
        result.flagged_owners = result.last_cycle.flagged_owners
        result.flagged_owner_rows = list(result.last_cycle.flagged_owner_rows)
    return result


def open_cases_by_tier(conn: Connection, platform: str) -> dict[str | None, int]:
    return cases.open_by_tier(conn, platform)


def deadlines_due(
    conn: Connection, platform: str, start: dt.datetime, end: dt.datetime
) -> list[DeadlineRow]:
    """Open cases whose deadline falls in [start, end], nearest first."""
    rows = cases.deadlines_between(conn, platform, start, end, LIST_LIMIT)
    return [DeadlineRow(r.account_id, r.state, r.tier, r.deadline) for r in rows]


def restrictions_in_force(conn: Connection, platform: str) -> tuple[list[tuple[str, int]], int]:
    """Accounts per restriction in force (most first), and accounts with any restriction."""
    rows = cases.restrictions_in_force(conn, platform)
    counts: Counter[str] = Counter()
    restricted = 0
    for items in rows:
        restricted += 1
        counts.update({str(item["restriction"]) for item in items})
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), restricted


def flagged_cases(conn: Connection, platform: str) -> list[FlaggedRow]:
    """Open cases carrying a flag (a steep follower drop), most recently changed first."""
    rows = cases.flagged(conn, platform, LIST_LIMIT)
    return [
        FlaggedRow(r.account_id, r.state, r.tier, tuple(r.flags), dict(r.metrics), r.observed_on)
        for r in rows
    ]


def finished_cycles(conn: Connection, platform: str, limit: int) -> list[CycleRow]:
    """The newest ``limit`` finished cycles of ``platform``, oldest first."""
    rows = cases.finished_cycles(conn, platform, limit)
    return [_cycle_row(r) for r in reversed(rows)]


def _cycle_row(row: Any) -> CycleRow:
    s: dict[str, Any] = row.summary or {}
    evaluation = s.get("evaluation") or {}
    actions = s.get("actions") or {}
    funnel = s.get("funnel") or {}
    return CycleRow(
        cycle_id=row.cycle_id,
        as_of=row.as_of,
        policy=str(s.get("policy") or f"{row.platform} {row.policy_version}"),
        finished_at=row.finished_at,
        read=int(evaluation.get("read", 0)),
        rejected=int(evaluation.get("rejected", 0)),
        required=int(evaluation.get("required", 0)),
        opened=int(actions.get("case:opened", 0)),
        notified=int(actions.get("case:notified", 0)),
        disclosed=int(funnel.get("disclosed", 0)),
        restricted=int(s.get("restricted_accounts", 0)),
        by_tier=_kept_by_tier(s.get("outputs")),
        flagged_owners=_count_or_none(s.get("flagged_owners")),
        flagged_owner_rows=tuple(map(FlaggedOwner.from_dict, s.get("flagged_owner_rows") or ())),
        funnel={str(k): int(v) for k, v in funnel.items()},
    )


def _count_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _kept_by_tier(outputs: str | None) -> dict[str, int] | None:
    """Required accounts per tier, from the evaluation summary a cycle kept (``--keep``)."""
    if not outputs:
        return None
    try:
        summary = json.loads((Path(outputs) / SUMMARY).read_text())
    except (OSError, ValueError):
        return None
    by_tier = summary.get("by_tier")
    if not isinstance(by_tier, dict):
        return None
    return {str(k): int(v) for k, v in by_tier.items()}


# --- policies ---------------------------------------------------------------------------


def _activations(conn: Connection, platform: str, limit: int) -> list[Activation]:
    rows = cases.activations(conn, platform, limit)
    return [Activation(r.version, r.activated_at, r.actor, r.digest) for r in rows]


def policy_activations(db: Database, platform: str, limit: int = 20) -> list[Activation]:
    """The newest activations of ``platform``'s policy, the one in force first."""
    with db.reading() as conn:
        return _activations(conn, platform, limit)


# --- snapshots for shadow runs -------------------------------------------------------------


@dataclass(frozen=True)
class CycleSnapshot:
    path: Path
    as_of: dt.date
    cycle_id: str


def latest_cycle_snapshot(db: Database, platform: str) -> CycleSnapshot | None:
    """The snapshot the newest finished cycle of ``platform`` read, if that file is still there."""
    with db.reading() as conn:
        rows = cases.finished_cycles(conn, platform, 1)
    for row in rows:
        path = Path(row.snapshot)
        if path.is_file():
            return CycleSnapshot(path, row.as_of, row.cycle_id)
    return None


SNAPSHOT_SUFFIXES = (".parquet", ".pq", ".csv", ".jsonl", ".ndjson")
MAX_SNAPSHOT_FILES = 200


def platform_folder(root: Path | None, platform: str) -> Path | None:
    """``platform``'s own folder of snapshots, ``root/<platform>`` resolved, if it is there and
    really is that folder (not a link to another platform's); None otherwise. A platform's
    console sees only this folder: never another platform's, nor the files at the top."""
    if root is None or not platform or platform in {".", ".."}:
        return None
    if any(c in platform for c in "/\\\0"):
        return None
    try:
        base = root.resolve()
        folder = (base / platform).resolve()
        if folder.parent != base or folder.name != platform or not folder.is_dir():
            return None
    except OSError:
        return None
    return folder


def _inside(path: Path, folder: Path) -> bool:
    try:
        resolved = path.resolve()
        return resolved.is_relative_to(folder) and resolved.is_file()
    except OSError:
        return False


def snapshot_files(root: Path | None, platform: str) -> list[str]:
    """Snapshot files in ``platform``'s own folder (names relative to it), newest first."""
    folder = platform_folder(root, platform)
    if folder is None:
        return []
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in SNAPSHOT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and _inside(p, folder)
    ]
    found.sort(key=lambda p: (-p.stat().st_mtime, str(p)))
    return [p.relative_to(folder).as_posix() for p in found[:MAX_SNAPSHOT_FILES]]


def snapshot_in(root: Path | None, platform: str, name: str) -> Path:
    """The file ``name`` in ``platform``'s own folder; ``ValueError`` for anything outside it
    (another platform's folder, the top of the snapshot folder) or missing. The message does
    not repeat ``name``."""
    if root is None:
        raise ValueError("snapshot: no snapshot folder is configured")
    folder = platform_folder(root, platform)
    if folder is None:
        raise ValueError(f"snapshot: this platform has no snapshot folder ({platform}/)")
    path = folder / name
    if not name or not _inside(path, folder):
        raise ValueError(f"snapshot: no such file in this platform's snapshot folder ({platform}/)")
    return path.resolve()


class Dashboard(Service):
    """What the compliance lead watches: the overview, the cycles, the policy history, and the
    snapshot folder staff may pick a shadow run's snapshot from."""

    def overview(self, platform: str) -> Overview:
        return overview(self.db, platform, self.clock())

    def activations(self, platform: str, limit: int = 20) -> list[Activation]:
        return policy_activations(self.db, platform, limit)

    def trends(self, platform: str) -> Trends:
        """The funnel, required accounts per tier, time to comply and restrictions in force,
        over the newest ``TREND_CYCLES`` finished cycles."""
        with self.db.reading() as conn:
            try:
                tiers = tuple(t.id for t in active_policy(conn, platform).tiers)
            except NoActivePolicy:
                tiers = ()
            cycles = finished_cycles(conn, platform, TREND_CYCLES)
            waits = cases.notice_to_disclosure(conn, platform)
        return trends_of(cycles, waits, tiers)

    def what_if(
        self,
        platform: str,
        snapshot: str,
        *,
        vary: str | None,
        steps: int,
        by: GroupBy | None,
        as_of: dt.date | None,
        lang: str,
    ) -> tuple[WhatIf, str]:
        """The policy in force, varied, over ``snapshot`` (a file of the platform's own folder,
        or the latest cycle's with ``LATEST_CYCLE``): the counts and their chart (SVG)."""
        if snapshot == LATEST_CYCLE:
            cycle = latest_cycle_snapshot(self.db, platform)
            if cycle is None:
                raise ValueError("snapshot: no finished cycle's snapshot is on this server")
            path = cycle.path
        else:
            path = snapshot_in(self.deps.snapshot_dir, platform, snapshot)
        policy = self.policy_in_force(platform)
        result = what_if(path, [policy], vary=vary, steps=steps, by=by, as_of=as_of)
        shown = replace(result, snapshot=snapshot if snapshot != LATEST_CYCLE else path.name)
        return shown, whatif_chart(shown, lang)

    def policy_in_force(self, platform: str) -> Policy:
        with self.db.reading() as conn:
            return active_policy(conn, platform)

    def latest_cycle(self, platform: str) -> CycleSnapshot | None:
        return latest_cycle_snapshot(self.db, platform)

    def snapshot_files(self, platform: str) -> list[str]:
        return snapshot_files(self.deps.snapshot_dir, platform)

    def snapshot(self, platform: str, name: str) -> Path:
        return snapshot_in(self.deps.snapshot_dir, platform, name)

    def has_snapshot_folder(self, platform: str) -> bool:
        return platform_folder(self.deps.snapshot_dir, platform) is not None
